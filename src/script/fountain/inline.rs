//! Emphasis (`*italic*`, `**bold**`, `***both***`, `_underline_`) and escapes (`\*`) to plain
//! text, and whitespace tidying.

/// A run of `*` or `_` that may open or close emphasis.
#[derive(Debug, Clone, Copy)]
struct Run {
    marker: char,
    start: usize,
    len: usize,
    opens: bool,
    closes: bool,
}

/// Strips emphasis markers that pair up; lone or unmatched ones stay, escapes become the
/// character itself. Whitespace is collapsed to single spaces.
pub fn plain(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    // Characters after escaping, with whether each may be markup.
    let mut cells: Vec<(char, bool)> = Vec::with_capacity(chars.len());
    let mut index = 0;
    while let Some(&c) = chars.get(index) {
        let next = chars.get(index + 1).copied();
        if c == '\\' && matches!(next, Some('*' | '_' | '\\')) {
            cells.push((next.unwrap_or(c), false));
            index += 2;
        } else {
            cells.push((c, matches!(c, '*' | '_')));
            index += 1;
        }
    }

    let runs = runs(&cells);
    let mut drop = vec![false; cells.len()];
    let mut open: Vec<Run> = Vec::new();
    for run in runs {
        let partner = if run.closes {
            open.iter()
                .rposition(|o| o.marker == run.marker && o.len == run.len)
        } else {
            None
        };
        if let Some(position) = partner {
            let opener = open[position];
            open.truncate(position);
            for cell in drop.iter_mut().skip(opener.start).take(opener.len) {
                *cell = true;
            }
            for cell in drop.iter_mut().skip(run.start).take(run.len) {
                *cell = true;
            }
        } else if run.opens {
            open.push(run);
        }
    }
    let kept: String = cells
        .iter()
        .zip(&drop)
        .filter(|(_, dropped)| !**dropped)
        .map(|((c, _), _)| *c)
        .collect();
    tidy(&kept)
}

/// Runs of the same unescaped marker, with whether they can open or close emphasis.
fn runs(cells: &[(char, bool)]) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut index = 0;
    while let Some(&(c, markup)) = cells.get(index) {
        if !markup {
            index += 1;
            continue;
        }
        let len = cells[index..]
            .iter()
            .take_while(|&&(d, m)| m && d == c)
            .count();
        let before = index.checked_sub(1).and_then(|i| cells.get(i)).map(|x| x.0);
        let after = cells.get(index + len).map(|x| x.0);
        let space = |x: Option<char>| x.is_none_or(char::is_whitespace);
        let word = |x: Option<char>| x.is_some_and(char::is_alphanumeric);
        let (mut opens, mut closes) = (!space(after), !space(before));
        if c == '_' {
            // Underscores inside words (snake_case) are not underlining.
            opens &= !word(before);
            closes &= !word(after);
        }
        runs.push(Run {
            marker: c,
            start: index,
            len,
            opens,
            closes,
        });
        index += len;
    }
    runs
}

/// Collapses all whitespace (tabs, indentation, line breaks) to single spaces and trims.
pub fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn emphasis_of_every_kind_is_stripped() {
        assert_eq!(plain("*italic* and **bold**"), "italic and bold");
        assert_eq!(plain("***both*** _under_"), "both under");
        assert_eq!(plain("_**BRICK & STEEL**_"), "BRICK & STEEL");
        assert_eq!(plain("**a *b* c**"), "a b c");
        assert_eq!(plain("**across\nlines**"), "across lines");
    }

    #[test]
    fn escapes_and_lone_markers_stay() {
        assert_eq!(plain(r"\*not italic\*"), "*not italic*");
        assert_eq!(plain("5 * 3 = 15"), "5 * 3 = 15");
        assert_eq!(plain("snake_case_name"), "snake_case_name");
        assert_eq!(plain("*unclosed"), "*unclosed");
        assert_eq!(plain(r"back\\slash"), r"back\slash");
        assert_eq!(plain("\t a \t b "), "a b");
    }
}
