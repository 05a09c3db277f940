//! Property tests over every script reader: no input panics, and the same input always gives
//! the same result. Inputs are built from the fragments that steer each format, so the cases
//! reach the parsers' tricky paths, not just their "no scenes" errors. Bounded: a few thousand
//! cases in all, seconds in a debug build.

mod common;

use common::fuzz::SCRIPT_TOKENS as FRAGMENTS;
use proptest::prelude::*;
use reel::script;
use std::path::Path;

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
