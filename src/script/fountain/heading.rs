//! Scene headings (`INT. HOUSE - NIGHT #12#`), character cues (`BOB (V.O.) ^`) and what
//! transitions (`CUT TO:`) mean for the video.

use super::inline;
use crate::plan::timeline::TransitionKind;

/// Prefixes that make a scene heading, longest first.
const PREFIXES: [&str; 6] = ["INT./EXT", "INT/EXT", "I/E", "INT", "EXT", "EST"];

/// Whether `line` (trimmed) opens with a heading prefix followed by `.` or a space.
pub fn has_prefix(line: &str) -> bool {
    prefix_len(line).is_some()
}

/// Bytes of the prefix with its `.`/space, if the line has one.
fn prefix_len(line: &str) -> Option<usize> {
    PREFIXES.iter().find_map(|prefix| {
        let head = line.get(..prefix.len())?;
        let next = line.get(prefix.len()..)?.chars().next()?;
        (head.eq_ignore_ascii_case(prefix) && matches!(next, '.' | ' ')).then(|| prefix.len() + 1)
    })
}

/// A parsed heading: the text without the scene number, where, when, and the number given.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    pub text: String,
    pub location: String,
    pub time_of_day: String,
    pub number: Option<String>,
}

/// Reads a heading line (without the forcing `.`).
pub fn heading(line: &str, forced: bool) -> Heading {
    let line = line.trim();
    let (text, number) = split_number(line);
    let text = inline::plain(text);
    let rest = if forced {
        text.as_str()
    } else {
        let skip = prefix_len(&text).unwrap_or(0);
        text.get(skip..)
            .unwrap_or_default()
            .trim_start_matches(['.', ' '])
    };
    let (location, time_of_day) = split_time(rest);
    Heading {
        location: location.to_string(),
        time_of_day: time_of_day.to_string(),
        text,
        number,
    }
}

/// `HOUSE - DAY #1A#` -> (`HOUSE - DAY`, `1A`).
fn split_number(line: &str) -> (&str, Option<String>) {
    let Some(body) = line.strip_suffix('#') else {
        return (line, None);
    };
    let Some(open) = body.rfind('#') else {
        return (line, None);
    };
    let number = body.get(open + 1..).unwrap_or_default();
    let valid = !number.is_empty()
        && number
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.'));
    if !valid {
        return (line, None);
    }
    (
        body.get(..open).unwrap_or_default().trim_end(),
        Some(number.to_string()),
    )
}

/// Splits `PLACE - TIME` at the last dash separator.
fn split_time(rest: &str) -> (&str, &str) {
    const SEPARATORS: [&str; 6] = [" - ", " – ", " — ", "--", "—", "–"];
    let best = SEPARATORS
        .iter()
        .filter_map(|sep| rest.rfind(sep).map(|at| (at, sep.len())))
        .max_by_key(|&(at, len)| (at, len));
    match best {
        Some((at, len)) => (
            rest.get(..at).unwrap_or_default().trim(),
            rest.get(at + len..).unwrap_or_default().trim(),
        ),
        None => (rest.trim(), ""),
    }
}

/// A character cue: name, extension(s), and whether it is the second half of dual dialogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub name: String,
    pub extension: Option<String>,
    pub dual: bool,
}

/// Reads a cue line; `None` where it cannot be one (forced `@` cues may be mixed case).
pub fn cue(line: &str) -> Option<Cue> {
    let line = line.trim();
    let (line, forced) = match line.strip_prefix('@') {
        Some(rest) => (rest.trim_start(), true),
        None => (line, false),
    };
    let (line, dual) = match line.strip_suffix('^') {
        Some(rest) => (rest.trim_end(), true),
        None => (line, false),
    };
    let (name, extras) = line.split_once('(').unwrap_or((line, ""));
    // Extensions in brackets may be lower case, but nothing may follow them.
    if !extras.is_empty() && !extras.ends_with(')') {
        return None;
    }
    let name = inline::plain(name);
    let letters = name.chars().any(char::is_alphabetic);
    if name.is_empty() || !letters || (!forced && name.chars().any(char::is_lowercase)) {
        return None;
    }
    let extensions: Vec<String> = format!("({extras}")
        .split(['(', ')'])
        .map(inline::plain)
        .filter(|s| !s.is_empty())
        .collect();
    Some(Cue {
        name,
        extension: (!extensions.is_empty()).then(|| extensions.join(", ")),
        dual,
    })
}

/// An all-caps line ending in `TO:`, or one of the usual fades.
pub fn is_transition(line: &str) -> bool {
    let line = line.trim();
    let upper = line.chars().any(char::is_alphabetic) && !line.chars().any(char::is_lowercase);
    upper
        && (line.ends_with("TO:")
            || matches!(
                line,
                "FADE OUT." | "FADE OUT:" | "FADE OUT" | "FADE IN:" | "FADE TO BLACK."
            ))
}

/// What a transition means for the cut into the next scene; `None` keeps the default.
pub fn transition_kind(line: &str) -> Option<TransitionKind> {
    let line = line.trim().to_uppercase();
    if line.contains("DISSOLVE") {
        Some(TransitionKind::Dissolve)
    } else if line.contains("FADE OUT") || line.contains("BLACK") {
        Some(TransitionKind::FadeBlack)
    } else if line.contains("CUT TO") {
        Some(TransitionKind::Cut)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_split_into_place_and_time() {
        let h = heading("INT. HOUSE - NIGHT", false);
        assert_eq!(
            (h.location.as_str(), h.time_of_day.as_str()),
            ("HOUSE", "NIGHT")
        );
        let h = heading("int./ext. car -- moving #12#", false);
        assert_eq!(h.text, "int./ext. car -- moving");
        assert_eq!(
            (h.location.as_str(), h.time_of_day.as_str()),
            ("car", "moving")
        );
        assert_eq!(h.number.as_deref(), Some("12"));
        let h = heading("I/E PATIO - POOL - DAY", false);
        assert_eq!(
            (h.location.as_str(), h.time_of_day.as_str()),
            ("PATIO - POOL", "DAY")
        );
        let h = heading("EST. CITY", false);
        assert_eq!((h.location.as_str(), h.time_of_day.as_str()), ("CITY", ""));
        let h = heading("SNIPER SCOPE POV", true);
        assert_eq!(h.location, "SNIPER SCOPE POV");
        let h = heading("EXT. PARK--DAY #I-1-A#", false);
        assert_eq!(
            (h.location.as_str(), h.number.as_deref()),
            ("PARK", Some("I-1-A"))
        );
        assert_eq!(heading("INT. A #not a number#", false).number, None);
    }

    #[test]
    fn prefixes_need_a_dot_or_space() {
        assert!(has_prefix("INT. X") && has_prefix("ext x") && has_prefix("I/E. X"));
        assert!(has_prefix("INT./EXT. X") && has_prefix("EST. X"));
        assert!(!has_prefix("INTERIOR") && !has_prefix("EXTRA") && !has_prefix("INT"));
        assert!(!has_prefix("É"));
    }

    #[test]
    fn cues_keep_names_extensions_and_dual() {
        let c = cue("BRICK (V.O.) (CONT'D) ^").unwrap();
        assert_eq!(c.name, "BRICK");
        assert_eq!(c.extension.as_deref(), Some("V.O., CONT'D"));
        assert!(c.dual);
        assert_eq!(cue("@McCLANE").unwrap().name, "McCLANE");
        assert_eq!(
            cue("HANS (on the radio)").unwrap().extension.as_deref(),
            Some("on the radio")
        );
        assert_eq!(cue("R2D2").unwrap().name, "R2D2");
        assert!(cue("CYBER BOSS, 40 (or any age), an ageless,").is_none());
        assert!(cue("McCLANE").is_none() && cue("1984").is_none() && cue("(O.S.)").is_none());
    }

    #[test]
    fn transitions_map_to_kinds() {
        assert!(is_transition("CUT TO:") && is_transition("FADE OUT."));
        assert!(!is_transition("Cut to:") && !is_transition("TO BE"));
        assert_eq!(transition_kind("CUT TO:"), Some(TransitionKind::Cut));
        assert_eq!(transition_kind("SMASH CUT TO:"), Some(TransitionKind::Cut));
        assert_eq!(
            transition_kind("DISSOLVE TO:"),
            Some(TransitionKind::Dissolve)
        );
        assert_eq!(
            transition_kind("FADE TO BLACK."),
            Some(TransitionKind::FadeBlack)
        );
        assert_eq!(
            transition_kind("FADE OUT."),
            Some(TransitionKind::FadeBlack)
        );
        assert_eq!(transition_kind("FADE IN:"), None);
        assert_eq!(transition_kind("MATCH ON ACTION TO:"), None);
    }
}
