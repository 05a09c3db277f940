//! The title page: `Key: value` pairs at the very start, values inline or indented on the lines
//! below, ending at the first blank line.

use super::inline;

/// Keys of which a title page needs at least one, so that action like `Later: he runs.` at the
/// start of a script is not taken for one.
const KNOWN: [&str; 12] = [
    "title",
    "credit",
    "author",
    "authors",
    "source",
    "draft date",
    "date",
    "contact",
    "copyright",
    "notes",
    "revision",
    "episode",
];

/// The title page read from the start of `lines` (number, text): its `Title:` as plain text,
/// how many lines it took (0 when there is none), and the value of each `Portrait:` key with
/// its line (`ADA = ada.png`, as the `[[portrait: ...]]` directive takes it).
pub fn read(lines: &[(usize, &str)]) -> (String, usize, Vec<(usize, String)>) {
    let start = lines
        .iter()
        .position(|(_, text)| !text.trim().is_empty())
        .unwrap_or(lines.len());
    if lines
        .get(start)
        .and_then(|(_, text)| key_value(text))
        .is_none()
    {
        return (String::new(), 0, Vec::new());
    }
    let end = lines
        .iter()
        .skip(start)
        .position(|(_, text)| text.trim().is_empty())
        .map_or(lines.len(), |offset| start + offset);

    let block = lines.get(start..end).unwrap_or_default();
    let known = block.iter().any(|(_, text)| {
        key_value(text).is_some_and(|(key, _)| KNOWN.iter().any(|k| key.eq_ignore_ascii_case(k)))
    });
    if !known {
        return (String::new(), 0, Vec::new());
    }

    let mut title: Option<Vec<String>> = None;
    let mut portraits = Vec::new();
    let mut in_title = false;
    for (number, text) in block {
        let indented = text.starts_with(['\t', ' ']);
        match key_value(text).filter(|_| !indented) {
            Some((key, value)) => {
                if key.eq_ignore_ascii_case("portrait") {
                    portraits.push((*number, value.to_string()));
                }
                in_title = key.eq_ignore_ascii_case("title");
                if in_title {
                    title = Some(vec![value.to_string()]);
                }
            }
            None if in_title => {
                if let Some(parts) = title.as_mut() {
                    parts.push(text.trim().to_string());
                }
            }
            None => {}
        }
    }
    let title = title.map(|parts| inline::plain(&parts.join(" ")));
    (title.unwrap_or_default(), end, portraits)
}

/// `Key: value` with a key of letters, digits, spaces, `-` or `_` that starts with a letter.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    let valid = key.chars().next().is_some_and(char::is_alphabetic)
        && key.chars().count() <= 40
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'));
    valid.then(|| (key, value.trim()))
}

#[cfg(test)]
mod tests {
    /// The title and the lines taken.
    fn read(lines: &[(usize, &str)]) -> (String, usize) {
        let (title, used, _) = super::read(lines);
        (title, used)
    }

    #[test]
    fn portraits_are_read_with_their_lines() {
        let text = "Title: Two\nPortrait: ADA = ada.png\nPortrait: bob.png, fictional\n\nX";
        let (_, used, portraits) = super::read(&numbered(text));
        assert_eq!(used, 3);
        assert_eq!(
            portraits,
            vec![
                (2, "ADA = ada.png".to_string()),
                (3, "bob.png, fictional".to_string())
            ]
        );
    }

    fn numbered(text: &str) -> Vec<(usize, &str)> {
        text.split('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .collect()
    }

    #[test]
    fn multi_line_values_join_and_lose_markup() {
        let text = "Title:\n\t_**BRICK & STEEL**_\n    _**FULL RETIRED**_\nCredit: by\n\nBody";
        assert_eq!(
            read(&numbered(text)),
            ("BRICK & STEEL FULL RETIRED".into(), 4)
        );
    }

    #[test]
    fn inline_titles_and_pages_without_one() {
        assert_eq!(read(&numbered("Title: *Walk*\nAuthor: Me\n\nX")).0, "Walk");
        assert_eq!(
            read(&numbered("Author: Me\nDraft date: 1/2/3\n\nX")),
            (String::new(), 2)
        );
        assert_eq!(read(&numbered("INT. HOUSE - DAY\n\nX")), (String::new(), 0));
        assert_eq!(read(&numbered("A man walks: slowly.")).1, 0);
        assert_eq!(read(&numbered("")), (String::new(), 0));
    }
}
