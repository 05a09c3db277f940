//! The `a{sv}` options of submit calls → [`JobOptions`]. Unknown keys and wrong types are
//! refused with the key named, so a typo never silently renders the default.

use crate::footage::edit::CutMode;
use crate::jobs::model::JobOptions;
use crate::plan::timeline::{CaptionMode, Watermark};
use std::collections::HashMap;
use std::path::PathBuf;
use zbus::zvariant::{OwnedValue, Value};

/// Options every submit call takes, with their D-Bus types.
pub const KNOWN: &[(&str, &str)] = &[
    ("profile", "s"),
    ("profiles", "as"),
    ("output", "s"),
    ("priority", "i"),
    ("narrate-action", "b"),
    ("variation", "u"),
    ("speech-rate", "d"),
    ("format", "s"),
    ("music", "s"),
    ("target", "d"),
    ("cut", "s"),
    ("captions", "s"),
    ("watermark", "s"),
];

/// The options only SubmitFootage takes.
pub const FOOTAGE_ONLY: &[&str] = &["music", "target", "cut", "captions", "watermark"];

/// Job options plus the text format, which only submitted text uses.
#[derive(Debug, Default, PartialEq)]
pub struct Submitted {
    pub job: JobOptions,
    pub format: Option<String>,
}

pub fn parse(options: &HashMap<String, OwnedValue>) -> Result<Submitted, String> {
    let mut out = Submitted::default();
    let mut keys: Vec<&String> = options.keys().collect();
    keys.sort();
    for key in keys {
        let value: &Value = &options[key];
        let wrong = |wanted: &str| {
            format!(
                "option '{key}' must be of type {wanted}, not {}",
                value.value_signature()
            )
        };
        match key.as_str() {
            "profile" => out
                .job
                .profiles
                .push(string(value).ok_or_else(|| wrong("s"))?),
            "profiles" => out
                .job
                .profiles
                .extend(strings(value).ok_or_else(|| wrong("as"))?),
            "output" => {
                out.job.output_dir = Some(PathBuf::from(string(value).ok_or_else(|| wrong("s"))?))
            }
            "priority" => {
                out.job.priority = integer(value)
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(|| wrong("i"))?
            }
            "narrate-action" => match value {
                Value::Bool(b) => out.job.narrate_action = *b,
                _ => return Err(wrong("b")),
            },
            "variation" => {
                out.job.variation = integer(value)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| wrong("u"))?
            }
            "speech-rate" => match unwrap(value) {
                Value::F64(factor) => {
                    out.job.speech_rate = crate::project::SpeechRate::from_factor(*factor)
                        .map_err(|e| format!("option '{key}': {e}"))?
                }
                _ => return Err(wrong("d")),
            },
            "format" => out.format = Some(string(value).ok_or_else(|| wrong("s"))?),
            "music" => {
                let path = PathBuf::from(string(value).ok_or_else(|| wrong("s"))?);
                out.job.footage.get_or_insert_with(Default::default).music = Some(path)
            }
            "target" => match unwrap(value) {
                Value::F64(seconds) if *seconds > 0.0 && seconds.is_finite() => {
                    out.job.footage.get_or_insert_with(Default::default).target = Some(*seconds)
                }
                Value::F64(_) => return Err(format!("option '{key}' must be over 0 seconds")),
                _ => return Err(wrong("d")),
            },
            "cut" => {
                let name = string(value).ok_or_else(|| wrong("s"))?;
                let cut = <CutMode as clap::ValueEnum>::from_str(&name, true).map_err(|_| {
                    format!("option '{key}': '{name}' is not one of silence, beats, both, none")
                })?;
                out.job.footage.get_or_insert_with(Default::default).cut = cut
            }
            "watermark" => {
                let mark = Watermark::from_arg(&string(value).ok_or_else(|| wrong("s"))?);
                crate::plan::spec::check_watermark(&mark)
                    .map_err(|e| format!("option '{key}': {e}"))?;
                out.job
                    .footage
                    .get_or_insert_with(Default::default)
                    .watermark = Some(mark)
            }
            "captions" => {
                let name = string(value).ok_or_else(|| wrong("s"))?;
                let captions = CaptionMode::parse(&name).ok_or_else(|| {
                    format!(
                        "option '{key}': '{name}' is not one of {}",
                        CaptionMode::NAMES.join(", ")
                    )
                })?;
                out.job
                    .footage
                    .get_or_insert_with(Default::default)
                    .captions = captions
            }
            other => {
                let known: Vec<&str> = KNOWN.iter().map(|(k, _)| *k).collect();
                return Err(format!(
                    "unknown option '{other}' (known: {})",
                    known.join(", ")
                ));
            }
        }
    }
    Ok(out)
}

fn unwrap<'a>(value: &'a Value<'a>) -> &'a Value<'a> {
    match value {
        Value::Value(inner) => unwrap(inner),
        other => other,
    }
}

fn string(value: &Value) -> Option<String> {
    match unwrap(value) {
        Value::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

fn strings(value: &Value) -> Option<Vec<String>> {
    match unwrap(value) {
        Value::Array(array) => array.inner().iter().map(string).collect(),
        _ => None,
    }
}

/// Any integer type: gdbus sends `<5>` as int32, busctl whatever the signature says.
fn integer(value: &Value) -> Option<i64> {
    match *unwrap(value) {
        Value::U8(n) => Some(n.into()),
        Value::I16(n) => Some(n.into()),
        Value::U16(n) => Some(n.into()),
        Value::I32(n) => Some(n.into()),
        Value::U32(n) => Some(n.into()),
        Value::I64(n) => Some(n),
        Value::U64(n) => i64::try_from(n).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pairs: &[(&str, Value)]) -> HashMap<String, OwnedValue> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.try_to_owned().unwrap()))
            .collect()
    }

    #[test]
    fn reads_every_option() {
        let parsed = parse(&options(&[
            ("profile", Value::from("preview-480p")),
            ("profiles", Value::from(vec!["square-1080"])),
            ("output", Value::from("/tmp/x")),
            ("priority", Value::from(5u32)),
            ("narrate-action", Value::from(true)),
            ("variation", Value::from(2i32)),
            ("speech-rate", Value::from(1.25)),
            ("format", Value::from("fountain")),
        ]))
        .unwrap();
        assert_eq!(parsed.job.speech_rate, crate::project::SpeechRate(125));
        assert_eq!(parsed.job.profiles, vec!["preview-480p", "square-1080"]);
        assert_eq!(parsed.job.output_dir, Some(PathBuf::from("/tmp/x")));
        assert_eq!((parsed.job.priority, parsed.job.variation), (5, 2));
        assert!(parsed.job.narrate_action);
        assert_eq!(parsed.format.as_deref(), Some("fountain"));
    }

    #[test]
    fn reads_the_footage_options() {
        let parsed = parse(&options(&[
            ("music", Value::from("/music/bed.wav")),
            ("target", Value::from(30.0)),
            ("cut", Value::from("silence")),
            ("captions", Value::from("none")),
            ("watermark", Value::from("@harbourfilms")),
        ]))
        .unwrap();
        let footage = parsed.job.footage.unwrap();
        assert_eq!(footage.music, Some(PathBuf::from("/music/bed.wav")));
        assert_eq!(footage.target, Some(30.0));
        assert_eq!(footage.cut, CutMode::Silence);
        assert_eq!(footage.captions, CaptionMode::None);
        assert_eq!(footage.watermark.unwrap().text, "@harbourfilms");
        let err = parse(&options(&[("watermark", Value::from("/no/logo.png"))])).unwrap_err();
        assert!(err.contains("/no/logo.png"), "{err}");
        let err = parse(&options(&[("cut", Value::from("jump"))])).unwrap_err();
        assert!(
            err.contains("'cut'") && err.contains("silence, beats"),
            "{err}"
        );
        let err = parse(&options(&[("target", Value::from(-3.0))])).unwrap_err();
        assert!(err.contains("'target'"), "{err}");
        assert_eq!(parse(&options(&[])).unwrap().job.footage, None);
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_named() {
        let err = parse(&options(&[("profil", Value::from("x"))])).unwrap_err();
        assert!(err.contains("'profil'"), "{err}");
        let err = parse(&options(&[("priority", Value::from("high"))])).unwrap_err();
        assert!(err.contains("'priority'") && err.contains("not s"), "{err}");
        let err = parse(&options(&[("variation", Value::from(-1i32))])).unwrap_err();
        assert!(err.contains("'variation'"), "{err}");
        let err = parse(&options(&[("speech-rate", Value::from(3.0))])).unwrap_err();
        assert!(
            err.contains("'speech-rate'") && err.contains("0.5 to 2.0"),
            "{err}"
        );
        let err = parse(&options(&[("speech-rate", Value::from(1u32))])).unwrap_err();
        assert!(err.contains("must be of type d"), "{err}");
    }
}
