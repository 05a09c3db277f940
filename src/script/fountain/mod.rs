//! Fountain 1.1 screenplays (`.fountain`, `.spmd`): <https://fountain.io/syntax>.
//!
//! ```text
//! Title: The Lighthouse
//!
//! INT. LIGHTHOUSE - NIGHT [[motion: zoom-in]]
//!
//! Rain hammers the glass.
//!
//! KEEPER (V.O.)
//! (quietly)
//! Nobody comes out here.
//!
//! CUT TO:
//! ```
//! The pipeline: boneyard `/* */` then notes `[[ ]]` are lifted out line by line (`spans`), the
//! title page is read (`title_page`), every remaining line is classified (`lines`, with
//! `heading` for headings, cues and transitions) and the classified lines become scenes
//! (`build`), with emphasis stripped to plain text (`inline`). Notes are directives, as in plain
//! scripts.

mod build;
mod heading;
mod inline;
mod lines;
mod spans;
mod title_page;

use super::directive::{self, NoteError};
use super::Parsed;
use std::path::Path;

/// Parses a Fountain screenplay; `base` is the folder relative `[[image: ...]]` paths start in.
pub fn parse(text: &str, base: &Path) -> Result<Parsed, (usize, String)> {
    let mut source = spans::split_lines(text);
    spans::strip_boneyard(&mut source);
    let notes = spans::take_notes(&mut source);
    let kept: Vec<(usize, &str)> = source
        .iter()
        .filter(|line| !line.vanished())
        .map(|line| (line.number, line.text.as_str()))
        .collect();
    let (title, used, portraits) = title_page::read(&kept);
    let body = lines::classify(kept.get(used..).unwrap_or_default());
    let mut built = build::Builder::new(base, title).run(&body, &notes)?;
    for (line, value) in portraits {
        let directive = match directive::parse(&format!("portrait: {value}")) {
            Ok(Some(directive)) => directive,
            Ok(None) => continue,
            Err(NoteError::Invalid(message) | NoteError::Unknown(message)) => {
                return Err((line, message))
            }
        };
        directive::add_portrait(directive, base, line, &mut built.project)
            .map_err(|message| (line, message))?;
    }
    if built.project.scenes.is_empty() {
        return Err((
            1,
            "the screenplay is empty: expected a scene heading like 'INT. HOUSE - DAY', \
             action or dialogue"
                .into(),
        ));
    }
    Ok(Parsed {
        project: built.project,
        warnings: built.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::timeline::TransitionKind;

    fn parse_ok(text: &str) -> Parsed {
        parse(text, Path::new(".")).expect("parses")
    }

    #[test]
    fn scenes_action_and_dialogue() {
        let p = parse_ok(
            "Title: Walk\n\nINT. HOUSE - NIGHT\n\nRain.\nMore rain.\n\nThunder.\n\nBOB (V.O.)\n\
             (quietly)\nHello\nthere.\n\nEXT. GARDEN #12#\n\nMARY ^\nHi.\n",
        )
        .project;
        assert_eq!(p.title, "Walk");
        assert_eq!(p.scenes.len(), 2);
        let s = &p.scenes[0];
        assert_eq!((s.number, s.source_line), (1, 3));
        assert_eq!(
            (s.location.as_str(), s.time_of_day.as_str()),
            ("HOUSE", "NIGHT")
        );
        assert_eq!(s.description, "Rain. More rain. Thunder.");
        let line = &s.lines[0];
        assert_eq!(line.character, "BOB");
        assert_eq!(line.extension.as_deref(), Some("V.O."));
        assert_eq!(line.parenthetical.as_deref(), Some("quietly"));
        assert_eq!((line.text.as_str(), line.source_line), ("Hello there.", 10));
        assert_eq!(p.scenes[1].number, 12);
        assert!(p.scenes[1].lines[0].dual);
    }

    #[test]
    fn cold_open_goes_to_an_implicit_first_scene() {
        let p = parse_ok("Dark.\n\nVOICE\nHello?\n\nINT. ROOM - DAY\n\nLight.").project;
        assert_eq!(p.scenes.len(), 2);
        assert_eq!((p.scenes[0].number, p.scenes[0].heading.as_str()), (1, ""));
        assert_eq!(p.scenes[0].lines[0].character, "VOICE");
        assert_eq!(p.scenes[1].number, 2);
    }

    #[test]
    fn transitions_go_to_the_next_scene_and_notes_are_directives() {
        let parsed = parse_ok(
            "INT. A - DAY\n\nX.\n\nDISSOLVE TO:\n\nINT. B - DAY\n[[duration: 4s]]\n\
             [[sparkles: yes]]\n\nY. [[just a remark]]\n",
        );
        let p = parsed.project;
        assert_eq!(p.scenes[0].transition, None);
        assert_eq!(p.scenes[1].transition, Some(TransitionKind::Dissolve));
        assert_eq!(p.scenes[1].duration, Some(4.0));
        assert_eq!(p.scenes[1].description, "Y.");
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, 9);
    }

    #[test]
    fn notes_before_any_scene_wait_for_the_first() {
        let p = parse_ok("[[duration: 3s]]\n\nINT. A - DAY\n\nINT. B - DAY\n").project;
        assert_eq!(p.scenes[0].duration, Some(3.0));
        assert_eq!(p.scenes[1].duration, None);
        let p = parse_ok("Cold.\n[[duration: 2s]]\n\nINT. B - DAY\n").project;
        assert_eq!(p.scenes[0].duration, Some(2.0));
    }

    #[test]
    fn errors_name_their_line() {
        let err = parse("/* all gone */\n[[just notes]]\n", Path::new(".")).unwrap_err();
        assert_eq!(err.0, 1);
        assert!(err.1.contains("empty"));
        assert!(parse("Title: Only\nAuthor: Me\n", Path::new(".")).is_err());
        let err = parse("INT. A - DAY\n\nX\n\n[[duration: 0s]]", Path::new(".")).unwrap_err();
        assert_eq!(err.0, 5);
        assert!(err.1.contains("above zero"));
        let err = parse("INT. A - DAY\n\n[[image: nope.png]]", Path::new(".")).unwrap_err();
        assert!(err.1.contains("nope.png does not exist"));
    }

    #[test]
    fn headings_alone_are_enough() {
        let p = parse_ok("INT. A - DAY\n\nEXT. B - NIGHT\n").project;
        assert_eq!(p.scenes.len(), 2);
        assert!(p.scenes[1].description.is_empty());
    }
}
