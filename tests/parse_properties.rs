//! Property tests over every script reader: no input panics, and the same input always gives
//! the same result. Inputs are built from the fragments that steer each format, so the cases
//! reach the parsers' tricky paths, not just their "no scenes" errors. Bounded: a few thousand
//! cases in all, seconds in a debug build.

use proptest::prelude::*;
use reel::script;
use std::path::Path;

/// Pieces of scripts in every format, with the markup that changes meaning.
const FRAGMENTS: &[&str] = &[
    "Scene 1: ",
    "Scene 12 - ",
    "scene 3.",
    "NARRATOR: ",
    "ALICE: ",
    "MR. O'NEIL-2: ",
    "Note: ",
    "INT. HOUSE - NIGHT",
    "EXT. BEACH - DAY",
    "INT./EXT. CAR",
    "I/E ",
    ".FORCED",
    "...",
    "@McCLANE",
    "BOB ^",
    "(whispering)",
    "(V.O.)",
    "(CONT'D)",
    "CUT TO:",
    "> THE END <",
    ">FADE OUT.",
    "!SHOUT",
    "~la la la",
    "= synopsis",
    "# Act",
    "## Scene",
    "### ",
    "===",
    "/*",
    "*/",
    "[[",
    "]]",
    "[[image: nope.png]]",
    "[[duration: 0s]]",
    "[[duration: 4s]]",
    "[[motion: zoom-in]]",
    "[[transition: wipe-left]]",
    "[[colour: red]]",
    "*",
    "**",
    "_",
    "\\*",
    "Title: ",
    "Author: ",
    "![](a.png)",
    "```",
    "- ",
    "> ",
    "\r\n",
    "\n",
    "\n\n",
    "\t",
    "  ",
    "朝の光",
    "é",
    "😀",
    "product = \"x\"",
    "call_to_action = \"y\"",
    "clips = []",
    "{",
    "}",
    "\"",
];

fn script_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        1 => "[a-zA-Z .,!?:']{0,12}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

fn parse_twice(text: &str, name: &str) {
    let path = Path::new(name);
    let first = script::parse(text, path).map(|p| p.project);
    let second = script::parse(text, path).map(|p| p.project);
    assert_eq!(first, second, "parsing {name} is not deterministic");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn plain_scripts_never_panic(text in script_text()) {
        parse_twice(&text, "script.txt");
    }

    #[test]
    fn fountain_screenplays_never_panic(text in script_text()) {
        parse_twice(&text, "script.fountain");
    }

    #[test]
    fn markdown_outlines_never_panic(text in script_text()) {
        parse_twice(&text, "script.md");
    }

    #[test]
    fn briefs_never_panic(text in script_text()) {
        let path = Path::new("brief.toml");
        if script::brief::is_brief(&text, path) {
            if let Ok(brief) = script::brief::parse(&text, path) {
                let a = script::brief::expand(&brief, 2, Path::new("."));
                let b = script::brief::expand(&brief, 2, Path::new("."));
                prop_assert_eq!(a, b);
            }
        }
    }
}
