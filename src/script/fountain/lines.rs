//! What each line of the body is, by the Fountain 1.1 rules: forcing characters first, then
//! headings, transitions and cues by their shape and the blank lines around them.

use super::heading;

/// A line's role. Texts are trimmed but still carry emphasis markup.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Blank,
    /// A scene heading; `forced` when written with a leading `.`.
    Heading {
        text: String,
        forced: bool,
    },
    Transition(String),
    /// Action, forced action (`!`), centered text (`>x<`) and lyrics outside dialogue.
    Action(String),
    /// A character cue opening a dialogue block.
    Cue(String),
    Parenthetical(String),
    /// A line of dialogue (lyrics inside dialogue included); empty for a two-space line.
    Dialogue(String),
    /// Sections `#`, synopses `=` and page breaks `===`: structure only.
    Structure,
}

/// A classified line with its number and, where it looked like a heading but was not one,
/// why (for a warning).
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    pub number: usize,
    pub kind: Kind,
    pub note: Option<String>,
}

/// Blank for the layout rules: empty or whitespace only.
fn blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// Two or more spaces and nothing else: an intentionally blank line inside dialogue.
fn soft_blank(line: &str) -> bool {
    line.len() >= 2 && line.chars().all(|c| c == ' ')
}

/// Classifies `lines` (number, text), the body of the screenplay without vanished lines.
pub fn classify(lines: &[(usize, &str)]) -> Vec<Classified> {
    let mut out = Vec::with_capacity(lines.len());
    let mut in_dialogue = false;
    for (index, &(number, raw)) in lines.iter().enumerate() {
        let text = raw.trim();
        let before_blank = index == 0 || lines.get(index - 1).is_none_or(|l| blank(l.1));
        let after_blank = lines.get(index + 1).is_none_or(|l| blank(l.1));
        let mut note = None;
        let kind = if text.is_empty() {
            if in_dialogue && soft_blank(raw) && !after_blank {
                Kind::Dialogue(String::new())
            } else {
                in_dialogue = false;
                Kind::Blank
            }
        } else if in_dialogue {
            dialogue(text)
        } else {
            let kind = body(text, before_blank, after_blank);
            if matches!(kind, Kind::Cue(_)) {
                in_dialogue = true;
            } else if matches!(kind, Kind::Action(_)) && before_blank && heading::has_prefix(text) {
                note = Some(format!(
                    "'{}' looks like a scene heading but needs a blank line after it; \
                     read as action",
                    crate::script::shorten(40, text)
                ));
            }
            kind
        };
        out.push(Classified { number, kind, note });
    }
    out
}

fn dialogue(text: &str) -> Kind {
    if text.starts_with('(') && text.ends_with(')') {
        Kind::Parenthetical(text.to_string())
    } else {
        let text = text.strip_prefix('~').unwrap_or(text).trim_start();
        Kind::Dialogue(text.to_string())
    }
}

/// A line outside dialogue.
fn body(text: &str, before_blank: bool, after_blank: bool) -> Kind {
    let rest = |prefix: char| text.get(prefix.len_utf8()..).unwrap_or_default().trim();
    let first = text.chars().next();
    match first {
        Some('!') => return Kind::Action(rest('!').to_string()),
        Some('~') => return Kind::Action(rest('~').to_string()),
        Some('#') => return Kind::Structure,
        Some('=') => return Kind::Structure,
        Some('@') if !after_blank && heading::cue(text).is_some() => {
            return Kind::Cue(text.to_string())
        }
        Some('.') if before_blank && !text.starts_with("..") && !rest('.').is_empty() => {
            return Kind::Heading {
                text: rest('.').to_string(),
                forced: true,
            }
        }
        Some('>') => {
            if let Some(inner) = rest('>').strip_suffix('<') {
                return Kind::Action(inner.trim().to_string());
            }
            return Kind::Transition(rest('>').to_string());
        }
        _ => {}
    }
    if before_blank && after_blank && heading::has_prefix(text) {
        return Kind::Heading {
            text: text.to_string(),
            forced: false,
        };
    }
    if before_blank && after_blank && heading::is_transition(text) {
        return Kind::Transition(text.to_string());
    }
    if before_blank && !after_blank && !heading::has_prefix(text) && heading::cue(text).is_some() {
        return Kind::Cue(text.to_string());
    }
    Kind::Action(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Kind> {
        let lines: Vec<(usize, &str)> = text.split('\n').enumerate().collect();
        classify(&lines).into_iter().map(|c| c.kind).collect()
    }

    fn action(s: &str) -> Kind {
        Kind::Action(s.into())
    }

    #[test]
    fn cues_need_a_blank_before_and_text_after() {
        use Kind::*;
        assert_eq!(
            kinds("BOB\nHi.\n\nALONE\n\nAction.\nNOT A CUE\nHere."),
            vec![
                Cue("BOB".into()),
                Dialogue("Hi.".into()),
                Blank,
                action("ALONE"),
                Blank,
                action("Action."),
                action("NOT A CUE"),
                action("Here.")
            ]
        );
    }

    #[test]
    fn headings_need_blank_lines_around_them() {
        let k = kinds("Walks in.\nINT. HOUSE - DAY\n\nINT. HOUSE - DAY\n\n.FORCED\n...and");
        assert_eq!(k[1], action("INT. HOUSE - DAY"));
        assert!(matches!(&k[3], Kind::Heading { forced: false, .. }));
        assert!(matches!(&k[5], Kind::Heading { text, forced: true } if text == "FORCED"));
        assert_eq!(k[6], action("...and"));
        let lines = [(1, ""), (2, "EXT. PARK"), (3, "Birds.")];
        let classified = classify(&lines);
        assert_eq!(classified[1].kind, action("EXT. PARK"));
        assert!(classified[1].note.is_some());
    }

    #[test]
    fn forced_elements_transitions_and_dialogue_parts() {
        use Kind::*;
        assert_eq!(
            kinds("!SHOUT\n\n@McDUCK\n(quietly)\n~La la\n  \nMore.\n\n> THE END <\n\nCUT TO:\n\n> BURN"),
            vec![
                action("SHOUT"),
                Blank,
                Cue("@McDUCK".into()),
                Parenthetical("(quietly)".into()),
                Dialogue("La la".into()),
                Dialogue("".into()),
                Dialogue("More.".into()),
                Blank,
                action("THE END"),
                Blank,
                Transition("CUT TO:".into()),
                Blank,
                Transition("BURN".into()),
            ]
        );
        assert_eq!(kinds("# Act\n\n= Synopsis\n\n===")[0], Structure);
        assert_eq!(kinds("~lyric")[0], action("lyric"));
        assert_eq!(kinds("\nCUT TO:\nBob")[1], Cue("CUT TO:".into()));
    }
}
