//! Fountain screenplays through `reel::script::parse`: every element of the 1.1 spec, the
//! ambiguous cases, real public-domain screenplays with hand-checked counts, and a fuzz run.

use reel::plan::timeline::TransitionKind;
use reel::project::Project;
use reel::script::{parse, Parsed};
use std::path::Path;

fn parsed(text: &str) -> Parsed {
    parse(text, Path::new("x.fountain")).expect("parses")
}

fn project(text: &str) -> Project {
    parsed(text).project
}

fn fixture(name: &str) -> Parsed {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fountain")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    parse(&text, &path).expect("fixture parses")
}

/// (scenes, distinct speaking characters, dialogue blocks).
fn counts(p: &Project) -> (usize, usize, usize) {
    let blocks = p.scenes.iter().map(|s| s.lines.len()).sum();
    (p.scenes.len(), p.characters.len(), blocks)
}

#[test]
fn scene_headings_split_place_time_and_numbers() {
    let p = project(
        "INT. HOUSE - NIGHT\n\nA.\n\nEXT. GARDEN - DAY #12#\n\nB.\n\nINT./EXT. CAR - MOVING\n\n\
         I/E VAN - DAY\n\nEST. CITY - DAWN\n\n.SNIPER SCOPE POV\n\nint. lower case - day\n",
    );
    let heads: Vec<(u32, &str, &str, &str)> = p
        .scenes
        .iter()
        .map(|s| {
            (
                s.number,
                s.heading.as_str(),
                s.location.as_str(),
                s.time_of_day.as_str(),
            )
        })
        .collect();
    assert_eq!(
        heads,
        vec![
            (1, "INT. HOUSE - NIGHT", "HOUSE", "NIGHT"),
            (12, "EXT. GARDEN - DAY", "GARDEN", "DAY"),
            (13, "INT./EXT. CAR - MOVING", "CAR", "MOVING"),
            (14, "I/E VAN - DAY", "VAN", "DAY"),
            (15, "EST. CITY - DAWN", "CITY", "DAWN"),
            (16, "SNIPER SCOPE POV", "SNIPER SCOPE POV", ""),
            (17, "int. lower case - day", "lower case", "day"),
        ]
    );
    assert_eq!(p.scenes[1].source_line, 5);
}

#[test]
fn int_inside_action_is_not_a_heading_and_dots_are_not_forced() {
    let parsed = parsed("INT. A - DAY\n\nHe reads the sign.\nINT. HOUSE - DAY\n\n...and waits.\n");
    let p = parsed.project;
    assert_eq!(p.scenes.len(), 1);
    assert_eq!(
        p.scenes[0].description,
        "He reads the sign. INT. HOUSE - DAY ...and waits."
    );
    // A heading with no blank line after it is action, with a warning saying why.
    let parsed = self::parsed("INT. A - DAY\n\nEXT. PARK - DAY\nBirds sing.\n");
    assert_eq!(parsed.project.scenes.len(), 1);
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].line, 3);
}

#[test]
fn lone_uppercase_line_is_action_not_a_character() {
    let p = project("INT. A - DAY\n\nBOOM\n\nSilence. Then\nSOMETHING MOVES.\n\nBOB\nHi.\n");
    let s = &p.scenes[0];
    assert_eq!(s.description, "BOOM Silence. Then SOMETHING MOVES.");
    assert_eq!(s.lines.len(), 1);
    assert_eq!(s.lines[0].character, "BOB");
    // Without a blank line before, an uppercase line is action too.
    let p = project("INT. A - DAY\n\nShe turns.\nBOB\nHi.\n");
    assert!(p.scenes[0].lines.is_empty());
    // By the spec an all-caps line with a line under it and a blank above is a cue.
    let p = project("INT. A - DAY\n\nSILENCE. THEN\nsomething.\n");
    assert_eq!(p.scenes[0].lines[0].character, "SILENCE. THEN");
}

#[test]
fn dialogue_extensions_parentheticals_and_continuations() {
    let p = project(
        "INT. A - DAY\n\nBOB (V.O.) (CONT'D)\n(whispering)\nFirst line\n(louder)\nsecond line.\n  \n\
         after a pause.\n\nR2D2\nBeep.\n\nHANS (on the radio)\nHello.\n",
    );
    let lines = &p.scenes[0].lines;
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].character, "BOB");
    assert_eq!(lines[0].extension.as_deref(), Some("V.O., CONT'D"));
    assert_eq!(lines[0].parenthetical.as_deref(), Some("whispering"));
    assert_eq!(lines[0].text, "First line second line. after a pause.");
    assert_eq!(lines[0].source_line, 3);
    assert_eq!(lines[1].character, "R2D2");
    assert_eq!(lines[2].extension.as_deref(), Some("on the radio"));
}

#[test]
fn dual_dialogue_marks_the_second_cue() {
    let p = project("INT. A - DAY\n\nBRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n");
    let lines = &p.scenes[0].lines;
    assert_eq!((lines[0].dual, lines[1].dual), (false, true));
    assert_eq!(lines[1].character, "STEEL");
}

#[test]
fn forced_elements() {
    let p = project(
        "INT. A - DAY\n\n!SCANNING THE AISLES\n\n@McCLANE\nYippee ki-yay!\n\n> BURN TO WHITE\n\n\
         .INSIDE THE VAN\n\n> THE END <\n",
    );
    assert_eq!(p.scenes.len(), 2);
    assert_eq!(p.scenes[0].description, "SCANNING THE AISLES");
    assert_eq!(p.scenes[0].lines[0].character, "McCLANE");
    assert_eq!(p.scenes[1].heading, "INSIDE THE VAN");
    assert_eq!(p.scenes[1].description, "THE END");
}

#[test]
fn lyrics_are_sung_in_dialogue_and_action_outside() {
    let p = project("INT. A - DAY\n\n~Willy Wonka!\n\nSINGER\n~These are the songs\n~I sing.\n");
    let s = &p.scenes[0];
    assert_eq!(s.description, "Willy Wonka!");
    assert_eq!(s.lines[0].text, "These are the songs I sing.");
}

#[test]
fn transitions_apply_to_the_next_scene() {
    let p = project(
        "INT. A - DAY\n\nA.\n\nCUT TO:\n\nINT. B - DAY\n\nB.\n\nDISSOLVE TO:\n\nINT. C - DAY\n\n\
         > FADE TO BLACK.\n\nINT. D - DAY\n\nSMASH CUT TO:\n\nINT. E - DAY\n\nJUMP TO:\n\n\
         INT. F - DAY\n\nCUT TO:\nNOT A TRANSITION\n\nINT. G - DAY\n",
    );
    let kinds: Vec<Option<TransitionKind>> = p.scenes.iter().map(|s| s.transition).collect();
    use TransitionKind::*;
    assert_eq!(
        kinds,
        vec![
            None,
            Some(Cut),
            Some(Dissolve),
            Some(FadeBlack),
            Some(Cut),
            None,
            None
        ]
    );
    // "CUT TO:" followed by a line is a character cue by the spec, not a transition.
    assert_eq!(p.scenes[5].lines[0].character, "CUT TO:");
}

#[test]
fn title_page_multi_line_values_and_markup() {
    let p = project(
        "Title:\n\t_**BRICK & STEEL**_\n    _**FULL RETIRED**_\nCredit: Written by\n\
         Author: Stu\n\nINT. A - DAY\n",
    );
    assert_eq!(p.title, "BRICK & STEEL FULL RETIRED");
    assert_eq!(p.scenes.len(), 1);
    assert_eq!(
        project("Title: *Inline* Title\nAuthor: X\n\nINT. A - DAY").title,
        "Inline Title"
    );
    // No title page: the title falls back to the file name.
    assert_eq!(project("INT. A - DAY\n").title, "x");
}

#[test]
fn boneyard_spanning_scenes_keeps_line_numbers() {
    let p = project(
        "INT. A - DAY\n\nKept. /* cut\n\nINT. GONE - DAY\n\nGONE\nNever said.\n*/ Also kept.\n\n\
         INT. B - DAY\n\nBOB\nHi.\n",
    );
    assert_eq!(p.scenes.len(), 2);
    assert_eq!(p.scenes[0].description, "Kept. Also kept.");
    assert_eq!(p.scenes[1].source_line, 11);
    assert_eq!(p.scenes[1].lines[0].source_line, 13);
    // A boneyard line inside dialogue does not end it.
    let p = project("INT. A - DAY\n\nBOB\nOne\n/* two */\nthree.\n");
    assert_eq!(p.scenes[0].lines[0].text, "One three.");
}

#[test]
fn notes_spanning_lines_are_directives_and_never_text() {
    let parsed = parsed(
        "INT. A - DAY\n\nRain [[a remark\nover two lines]] falls.\n\nBOB\nHi [[duration:\n6s]] there.\n\n\
         INT. B - DAY [[motion: pan-left]]\n\n[[colour: red]]\nB.\n",
    );
    let p = &parsed.project;
    assert_eq!(p.scenes[0].description, "Rain falls.");
    assert_eq!(p.scenes[0].lines[0].text, "Hi there.");
    assert_eq!(p.scenes[0].duration, Some(6.0));
    assert!(p.scenes[1].motion.is_some() && p.scenes[0].motion.is_none());
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].line, 12);
    assert!(parsed.warnings[0].message.contains("colour"));
}

#[test]
fn sections_synopses_and_page_breaks_are_ignored() {
    let parsed =
        parsed("# Act One\n\n## Seq\n\n= Bob meets Ann.\n\nINT. A - DAY\n\nX.\n\n===\n\nY.\n");
    assert!(parsed.warnings.is_empty());
    assert_eq!(parsed.project.scenes.len(), 1);
    assert_eq!(parsed.project.scenes[0].description, "X. Y.");
}

#[test]
fn emphasis_and_escapes_become_plain_text() {
    let p = project(
        "INT. A - DAY\n\n*Italic*, **bold**, ***both*** and _underlined_. \\*Not\\* 5 * 3 snake_case.\n\n\
         BOB\nI **mean** it.\n",
    );
    assert_eq!(
        p.scenes[0].description,
        "Italic, bold, both and underlined. *Not* 5 * 3 snake_case."
    );
    assert_eq!(p.scenes[0].lines[0].text, "I mean it.");
}

#[test]
fn crlf_tabs_and_indentation() {
    let p = project(
        "Title: T\r\n\r\n\tINT. A - DAY\r\n\r\n\t\tBOB\r\n    Hi\tthere.\r\n\r\n  Action.\r\n",
    );
    let s = &p.scenes[0];
    assert_eq!(
        (s.heading.as_str(), s.location.as_str()),
        ("INT. A - DAY", "A")
    );
    assert_eq!(s.lines[0].text, "Hi there.");
    assert_eq!(s.description, "Action.");
    assert_eq!(p.title, "T");
}

#[test]
fn cold_open_makes_an_implicit_first_scene() {
    let p = project("> FADE IN:\n\nDarkness.\n\nVOICE (O.S.)\nHello?\n\nINT. A - DAY\n\nLight.\n");
    assert_eq!(p.scenes.len(), 2);
    assert_eq!((p.scenes[0].number, p.scenes[0].heading.as_str()), (1, ""));
    assert_eq!(p.scenes[0].description, "Darkness.");
    assert_eq!(p.scenes[0].lines[0].character, "VOICE");
    assert_eq!(p.scenes[1].number, 2);
}

#[test]
fn errors_and_headings_only_scripts() {
    let err = parse("/* nothing */\n\n[[but notes]]\n", Path::new("x.fountain")).unwrap_err();
    assert_eq!(err.line, 1);
    assert!(
        err.message.contains("screenplay is empty"),
        "{}",
        err.message
    );
    let err = parse(
        "INT. A - DAY\n\n[[duration: 0s]]\n",
        Path::new("x.fountain"),
    )
    .unwrap_err();
    assert_eq!(err.line, 3);
    let err = parse(
        "INT. A - DAY [[image: missing.png]]\n",
        Path::new("x.fountain"),
    )
    .unwrap_err();
    assert!(err.message.contains("does not exist"));
    let p = project("INT. A - DAY\n\nEXT. B - NIGHT\n");
    assert_eq!(p.scenes.len(), 2);
    assert!(p.characters.is_empty());
}

#[test]
fn real_screenplay_cyber_bob_episode_1() {
    let parsed = fixture("Cyber_Bob_ep00001.fountain");
    let p = &parsed.project;
    assert_eq!(counts(p), (4, 6, 35));
    assert_eq!(
        p.title,
        "BOB THE CYBER PAWN AND HIS CYBER CLOUD BOSS THING EPISODE 1: TRAFFIC CONTROL DOGS"
    );
    assert_eq!(p.scenes[0].heading, "");
    assert!(p.scenes[0].description.starts_with("Note: For your own"));
    assert_eq!(
        (
            p.scenes[1].location.as_str(),
            p.scenes[1].time_of_day.as_str()
        ),
        ("PARK", "DAY")
    );
    assert_eq!(p.scenes[3].time_of_day, "NIGHT");
    assert!(p.scenes[3].description.ends_with("THE END"));
    let last = p.scenes[3].lines.iter().rev().nth(2).expect("lines");
    assert_eq!(last.parenthetical.as_deref(), Some("to dog"));
    // The two archival notes are not directives reel knows.
    assert_eq!(parsed.warnings.len(), 2);
}

#[test]
fn real_screenplay_cyber_bob_lincoln_debate() {
    let p = fixture("Cyber_Bob_epWinDebateAgainstLincoln.fountain").project;
    assert_eq!(counts(&p), (4, 9, 73));
    let boss = p.scenes[2].lines.last().expect("a line");
    assert_eq!(
        (boss.character.as_str(), boss.extension.as_deref()),
        ("CYBER BOSS", Some("V.O."))
    );
    assert!(p.scenes[3].lines.iter().all(|l| !l.text.contains('_')));
}

#[test]
fn own_long_screenplay_exercising_everything() {
    let parsed = fixture("the_last_lighthouse.fountain");
    let p = &parsed.project;
    assert_eq!(counts(p), (11, 6, 21));
    assert_eq!(p.title, "THE LAST LIGHTHOUSE");
    let numbers: Vec<u32> = p.scenes.iter().map(|s| s.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]);
    let s = &p.scenes;
    assert_eq!(s[0].duration, Some(4.0));
    assert_eq!(s[0].lines[0].character, "NARRATOR");
    assert_eq!(s[2].transition, Some(TransitionKind::Cut));
    assert_eq!(s[3].transition, Some(TransitionKind::Dissolve));
    assert!(s[3].motion.is_some());
    assert_eq!(s[6].transition, Some(TransitionKind::FadeBlack));
    assert_eq!(s[9].transition, Some(TransitionKind::WipeLeft));
    assert_eq!(s[2].lines[0].text, "Mind the ninth step. And the fortieth.");
    assert!(s[2].lines[1].dual);
    assert!(s[2].description.contains("INT. is painted") && s[2].description.ends_with("drops."));
    assert_eq!(s[3].lines[0].character, "McKENNA");
    assert_eq!(s[4].heading, "FLASHBACK - THE STORM");
    assert_eq!(
        s[4].lines[0].text,
        "Oh the light, the light, keep the light alive tonight."
    );
    assert!(s[4].description.ends_with("HE SLIPS."));
    assert_eq!(
        s[6].description,
        "Boats. Nets. A bakery opening its shutters. THE HARBOUR"
    );
    let why = &s[9].lines[3];
    assert_eq!(why.parenthetical.as_deref(), Some("beat"));
    assert_eq!(why.text, "Because someone asked me to.");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

#[test]
fn spec_samples_from_the_reference_parser() {
    let p = fixture("Boneyard.fountain").project;
    assert_eq!(p.scenes.len(), 1);
    assert_eq!(
        p.scenes[0].description,
        "A line of action. This is an boneyard."
    );
    let p = fixture("ForcedElements.fountain").project;
    assert_eq!(counts(&p), (1, 2, 2));
    assert_eq!(p.scenes[0].description, "BANG BANG BANG");
    assert_eq!(
        p.scenes[0].lines[1].text,
        "These are the songs That I sing."
    );
    let p = fixture("SceneNumbers.fountain").project;
    let numbers: Vec<u32> = p.scenes.iter().map(|s| s.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(p.scenes[6].heading, "INT. HOUSE - DAY - FLASHBACK (1944)");
    assert_eq!(p.scenes[6].time_of_day, "FLASHBACK (1944)");
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fountain/Transitions.fountain");
    let text = std::fs::read_to_string(&path).expect("fixture");
    assert_eq!(parse(&text, &path).unwrap_err().line, 1);
}

/// xorshift64*: a tiny deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FRAGMENTS: [&str; 40] = [
    "INT. ",
    "EXT. ",
    "I/E ",
    "EST.",
    ".",
    "..",
    "@",
    "^",
    "/*",
    "*/",
    "[[",
    "]]",
    "~",
    ">",
    "<",
    "=",
    "===",
    "#",
    "\r\n",
    "\n",
    "\n\n",
    "\t",
    "  ",
    "BOB",
    "(V.O.)",
    "(",
    ")",
    "CUT TO:",
    "Title:",
    "*",
    "**",
    "_",
    "\\",
    "é",
    "日本",
    "👍",
    "[[duration: 0s]]",
    "[[image: x.png]]",
    "[[motion: zoom-in]]",
    " - NIGHT #3#",
];

fn random_input(rng: &mut Rng) -> String {
    let mut text = String::new();
    for _ in 0..rng.below(60) {
        match rng.below(10) {
            0 => text.push(char::from_u32(rng.below(0x3000) as u32).unwrap_or('?')),
            1 => text.push_str("Hello there"),
            _ => text.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]),
        }
    }
    text
}

#[test]
fn fuzz_never_panics_and_is_deterministic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let text = random_input(&mut rng);
        let run =
            || parse(&text, Path::new("fuzz.fountain")).map(|p| (p.project, p.warnings.len()));
        let first = std::panic::catch_unwind(run);
        let second = std::panic::catch_unwind(run);
        match (first, second) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "not deterministic on {text:?}"),
            _ => panic!("panicked on {text:?}"),
        }
    }
}
