//! Boneyard `/* */` and notes `[[ ]]`: spans lifted out of the text before anything is
//! classified, line by line so that every line keeps its number.

/// One line of the source after the spans were lifted out.
#[derive(Debug, Clone, PartialEq)]
pub struct SrcLine {
    /// 1-based line number in the file.
    pub number: usize,
    pub text: String,
    /// Whether a span covered part of this line (a line that only held a span vanishes).
    pub touched: bool,
}

impl SrcLine {
    /// A line that held nothing but boneyard or notes: it is not there at all, not even blank.
    pub fn vanished(&self) -> bool {
        self.touched && self.text.trim().is_empty()
    }
}

/// A note's text (lines joined with spaces) and the line it opens on.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub line: usize,
    pub text: String,
}

/// Splits on `\n`, `\r\n` and lone `\r`.
pub fn split_lines(text: &str) -> Vec<SrcLine> {
    let normal = text.replace("\r\n", "\n").replace('\r', "\n");
    normal
        .split('\n')
        .enumerate()
        .map(|(index, line)| SrcLine {
            number: index + 1,
            text: line.to_string(),
            touched: false,
        })
        .collect()
}

/// Removes every `/* ... */` (an opening without a closing anywhere after it stays as text).
pub fn strip_boneyard(lines: &mut [SrcLine]) {
    remove_spans(lines, "/*", "*/", false);
}

/// Removes every `[[ ... ]]` and returns the notes. A note may span lines but not a blank line
/// (a line of two spaces keeps it open, as in the spec).
pub fn take_notes(lines: &mut [SrcLine]) -> Vec<Note> {
    remove_spans(lines, "[[", "]]", true)
        .into_iter()
        .map(|(line, text)| Note {
            line,
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        })
        .collect()
}

/// Where a span closes: the line index and the byte offset of `close` in it.
fn find_close(
    lines: &[SrcLine],
    first: usize,
    rest: &str,
    close: &str,
    stop_at_blank: bool,
) -> Option<(usize, usize)> {
    if let Some(at) = rest.find(close) {
        return Some((first, at));
    }
    for (index, line) in lines.iter().enumerate().skip(first + 1) {
        if let Some(at) = line.text.find(close) {
            return Some((index, at));
        }
        if stop_at_blank && line.text.trim().is_empty() && !line.text.starts_with("  ") {
            return None;
        }
    }
    None
}

/// Lifts every `open ... close` span out of `lines`; returns (line it opens on, inner text).
fn remove_spans(
    lines: &mut [SrcLine],
    open: &str,
    close: &str,
    stop_at_blank: bool,
) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let mut out = String::new();
        let mut rest = std::mem::take(&mut lines[index].text);
        while let Some(at) = rest.find(open) {
            let after = at + open.len();
            let Some((end_line, end)) =
                find_close(lines, index, &rest[after..], close, stop_at_blank)
            else {
                out.push_str(&rest[..after]);
                rest = rest[after..].to_string();
                continue;
            };
            out.push_str(&rest[..at]);
            lines[index].touched = true;
            if end_line == index {
                found.push((lines[index].number, rest[after..after + end].to_string()));
                rest = rest[after + end + close.len()..].to_string();
                continue;
            }
            let mut inner = rest[after..].to_string();
            lines[index].text = std::mem::take(&mut out);
            let opened_on = lines[index].number;
            for line in lines.iter_mut().take(end_line).skip(index + 1) {
                inner.push('\n');
                inner.push_str(&line.text);
                line.text.clear();
                line.touched = true;
            }
            index = end_line;
            let last = std::mem::take(&mut lines[index].text);
            lines[index].touched = true;
            inner.push('\n');
            inner.push_str(last.get(..end).unwrap_or_default());
            found.push((opened_on, inner));
            rest = last
                .get(end + close.len()..)
                .unwrap_or_default()
                .to_string();
        }
        out.push_str(&rest);
        lines[index].text = out;
        index += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[SrcLine]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn line_endings_all_split_and_keep_numbers() {
        let lines = split_lines("a\r\nb\rc\nd");
        assert_eq!(texts(&lines), ["a", "b", "c", "d"]);
        assert_eq!(lines[3].number, 4);
    }

    #[test]
    fn boneyard_spanning_lines_keeps_numbering() {
        let mut lines = split_lines("one /* gone\n\nstill gone\nend */ two\nthree");
        strip_boneyard(&mut lines);
        assert_eq!(texts(&lines), ["one ", "", "", " two", "three"]);
        assert!(lines[1].vanished() && lines[2].vanished());
        assert!(!lines[0].vanished() && !lines[4].touched);
        assert_eq!(lines[4].number, 5);
    }

    #[test]
    fn unclosed_openings_stay_text() {
        let mut lines = split_lines("a /* b\nc");
        strip_boneyard(&mut lines);
        assert_eq!(texts(&lines), ["a /* b", "c"]);
        let mut lines = split_lines("x /**/ y /* z");
        strip_boneyard(&mut lines);
        assert_eq!(texts(&lines), ["x  y /* z"]);
    }

    #[test]
    fn notes_span_lines_but_not_blank_ones() {
        let mut lines = split_lines("a [[duration:\n5s]] b\n[[open\n\nc]] d");
        let notes = take_notes(&mut lines);
        assert_eq!(
            notes,
            vec![Note {
                line: 1,
                text: "duration: 5s".into()
            }]
        );
        assert_eq!(texts(&lines), ["a ", " b", "[[open", "", "c]] d"]);
        let mut lines = split_lines("[[a\n  \nb]]x");
        assert_eq!(take_notes(&mut lines)[0].text, "a b");
        assert_eq!(texts(&lines), ["", "", "x"]);
    }

    #[test]
    fn several_spans_on_one_line() {
        let mut lines = split_lines("[[a]]x[[b]]y[[c");
        let notes = take_notes(&mut lines);
        assert_eq!(notes.len(), 2);
        assert_eq!(texts(&lines), ["xy[[c"]);
    }
}
