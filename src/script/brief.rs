//! Ad briefs (TOML or JSON): a product, what it does, a style and a call to action become a
//! four-scene ad — hook, features, benefit, end card — with copy from deterministic templates.
//! Each variation draws other templates, palettes and camera moves from its own seed.

use super::estimate::{speech_seconds, WORDS_PER_MINUTE};
use super::Failure;
use crate::plan::spec::line_column;
use crate::plan::timeline::{Color, TransitionKind};
use crate::project::{Line, Project, Scene, Style};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brief {
    pub product: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub style: AdStyle,
    pub call_to_action: String,
    /// A picture of the product, shown in the middle scenes.
    #[serde(default)]
    pub image: Option<PathBuf>,
    /// Length of the ad, seconds.
    #[serde(default = "default_duration")]
    pub duration: f64,
    /// Export profiles to render when the command line names none.
    #[serde(default)]
    pub profiles: Vec<String>,
}

fn default_duration() -> f64 {
    30.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdStyle {
    Luxury,
    #[default]
    Energetic,
    Minimal,
    Bold,
}

/// Whether `text` (a .toml or .json file's content) is a brief rather than an edit spec.
pub fn is_brief(text: &str, file: &Path) -> bool {
    let keys: Vec<String> = match file.extension().and_then(|e| e.to_str()) {
        Some("toml") => toml::from_str::<toml::Table>(text)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default(),
        Some("json") => serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    keys.iter().any(|k| k == "product") && !keys.iter().any(|k| k == "clips")
}

/// Reads a brief; errors carry the line and what was expected.
pub fn parse(text: &str, file: &Path) -> Result<Brief, Failure> {
    let brief: Brief = if file.extension().and_then(|e| e.to_str()) == Some("json") {
        serde_json::from_str(text).map_err(|e| Failure::at(e.line(), e.column(), e.to_string()))?
    } else {
        toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((1, 1), |span| line_column(text, span.start));
            Failure::at(line, column, e.message())
        })?
    };
    let at_key = |key: &str, message: String| Failure::line(key_line(text, key), message);
    if brief.product.trim().is_empty() {
        return Err(at_key(
            "product",
            "product: the brief names no product".into(),
        ));
    }
    if brief.call_to_action.trim().is_empty() {
        return Err(at_key(
            "call_to_action",
            "call_to_action: the brief needs a call to action".into(),
        ));
    }
    if !(6.0..=180.0).contains(&brief.duration) {
        return Err(at_key(
            "duration",
            format!("duration {} s is outside 6..180 s", brief.duration),
        ));
    }
    Ok(brief)
}

/// The line where `key` is set (TOML `key =` or JSON `"key":`), else 1.
fn key_line(text: &str, key: &str) -> usize {
    let quoted = format!("\"{key}\"");
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.starts_with(key) || l.starts_with(&quoted)
        })
        .map_or(1, |i| i + 1)
}

/// Share of the ad's length for hook, features, benefit and end card.
const SHARES: [f64; 4] = [0.2, 0.35, 0.25, 0.2];

/// The ad of variation `variation` (1-based; each differs) as a project.
pub fn expand(brief: &Brief, variation: u32, base: &Path) -> Result<Project, Failure> {
    let mut pick = Picker::new(u64::from(variation));
    let style = style_for(brief.style, &mut pick);
    let image = match &brief.image {
        Some(path) => {
            let path = base.join(path);
            if !path.is_file() {
                return Err(Failure::line(
                    1,
                    format!("image {} does not exist", path.display()),
                ));
            }
            Some(path)
        }
        None => None,
    };
    let overlaps = 3.0 * style.transition_seconds;
    let length = |i: usize| SHARES[i] * (brief.duration + overlaps);
    let product = brief.product.trim();
    let first_feature = brief
        .features
        .first()
        .map_or(brief.description.as_str(), String::as_str);
    let hook = pick.one(&[
        format!("Meet {product}."),
        format!("This is {product}."),
        format!("{}? Say hello to {product}.", question_from(first_feature)),
        format!("Everything changes with {product}."),
    ]);
    let hook_title = pick.one(&[
        product.to_string(),
        format!("Meet {product}"),
        format!("Introducing {product}"),
    ]);
    let features_said = fit_words(&brief.features.join(". "), length(1) - 1.2);
    let benefit = fit_words(
        &pick.one(&[
            brief.description.clone(),
            format!("{product}: {}", brief.description),
            format!("Made for every day. {}", brief.description),
        ]),
        length(2) - 1.2,
    );
    let benefit_title = pick.one(&[
        "Why it matters",
        "Made for you",
        "The difference",
        "Every day, better",
    ]);
    let cta = fit_words(&brief.call_to_action, length(3) - 1.2);

    let scene =
        |number: u32, title: &str, said: &str, image: Option<PathBuf>, seconds: f64| Scene {
            number,
            description: title.to_string(),
            lines: if said.trim().is_empty() {
                Vec::new()
            } else {
                vec![Line {
                    character: "NARRATOR".into(),
                    text: said.to_string(),
                    source_line: 1,
                    ..Line::default()
                }]
            },
            image,
            duration: Some(seconds),
            source_line: 1,
            ..Scene::default()
        };
    let feature_card = if brief.features.is_empty() {
        product.to_string()
    } else {
        brief.features.join("\n")
    };
    let scenes = vec![
        scene(1, &hook_title, &hook, None, length(0)),
        scene(2, &feature_card, &features_said, image.clone(), length(1)),
        scene(3, &benefit_title, &benefit, image, length(2)),
        scene(4, &brief.call_to_action, &cta, None, length(3)),
    ];
    Ok(Project {
        title: format!("{product} ad {variation}"),
        scenes,
        style,
        ..Project::default()
    })
}

/// A question from a feature: "Adjusts itself" -> "Want something that adjusts itself".
fn question_from(feature: &str) -> String {
    let feature = feature.trim().trim_end_matches('.');
    if feature.is_empty() {
        return "Ready for something better".into();
    }
    let mut chars = feature.chars();
    let lower: String = chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default();
    format!("Want something that {lower}")
}

/// Keeps whole words of `text` that can be said within `seconds`.
fn fit_words(text: &str, seconds: f64) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        let candidate = if out.is_empty() {
            word.to_string()
        } else {
            format!("{out} {word}")
        };
        if speech_seconds(&candidate, WORDS_PER_MINUTE) > seconds.max(0.5) {
            break;
        }
        out = candidate;
    }
    if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// What a style fixes: title-card palettes, text colour, camera moves, transition, music.
struct Look {
    palettes: [(Color, Color); 3],
    text: Color,
    motions: &'static [&'static str],
    transition: TransitionKind,
    seconds: f64,
    mood: &'static str,
    tempo: f64,
    key: &'static str,
}

const fn rgb(hex: u32) -> Color {
    Color::rgb((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
}

const LUXURY: Look = Look {
    palettes: [
        (rgb(0x0b0b0f), rgb(0x3a2e1c)),
        (rgb(0x14100c), rgb(0x5c4724)),
        (rgb(0x10121c), rgb(0x2b2f45)),
    ],
    text: rgb(0xf0dcb0),
    motions: &["zoom-in", "pan-right", "zoom-out"],
    transition: TransitionKind::Dissolve,
    seconds: 0.8,
    mood: "luxury",
    tempo: 84.0,
    key: "Eb",
};

const ENERGETIC: Look = Look {
    palettes: [
        (rgb(0xff416c), rgb(0xff9a3c)),
        (rgb(0x00b4db), rgb(0x0083b0)),
        (rgb(0x8e2de2), rgb(0x4a00e0)),
    ],
    text: rgb(0xffffff),
    motions: &["pan-left", "zoom-in", "pan-right", "zoom-out"],
    transition: TransitionKind::SlideLeft,
    seconds: 0.35,
    mood: "energetic",
    tempo: 128.0,
    key: "E",
};

const MINIMAL: Look = Look {
    palettes: [
        (rgb(0xf4f4f2), rgb(0xe2e2de)),
        (rgb(0xeef1f4), rgb(0xd9dee4)),
        (rgb(0xf6f1ea), rgb(0xe6dccf)),
    ],
    text: rgb(0x222222),
    motions: &["none", "zoom-in"],
    transition: TransitionKind::FadeBlack,
    seconds: 0.6,
    mood: "minimal",
    tempo: 96.0,
    key: "C",
};

const BOLD: Look = Look {
    palettes: [
        (rgb(0x101010), rgb(0xd7263d)),
        (rgb(0xf2c11d), rgb(0xe85d04)),
        (rgb(0x000000), rgb(0x1b3bff)),
    ],
    text: rgb(0xffffff),
    motions: &["zoom-in", "zoom-out"],
    transition: TransitionKind::WipeLeft,
    seconds: 0.4,
    mood: "uplifting",
    tempo: 116.0,
    key: "G",
};

/// The project style of an ad style; the picker rotates palettes and camera moves.
fn style_for(kind: AdStyle, pick: &mut Picker) -> Style {
    let look = match kind {
        AdStyle::Luxury => &LUXURY,
        AdStyle::Energetic => &ENERGETIC,
        AdStyle::Minimal => &MINIMAL,
        AdStyle::Bold => &BOLD,
    };
    let rotate = |len: usize, offset: usize| (0..len).map(move |i| (i + offset) % len);
    let palette = rotate(3, pick.index(3)).map(|i| look.palettes[i]).collect();
    let motions = rotate(look.motions.len(), pick.index(look.motions.len()))
        .map(|i| look.motions[i].to_string())
        .collect();
    Style {
        palette,
        text_color: look.text,
        motions,
        transition: look.transition,
        transition_seconds: look.seconds,
        music_mood: look.mood.into(),
        music_tempo: look.tempo,
        music_key: look.key.into(),
        seed: pick.next(),
    }
}

/// Seeded choices (xorshift64*): the same variation always picks the same.
struct Picker(u64);

impl Picker {
    fn new(seed: u64) -> Picker {
        Picker(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn index(&mut self, len: usize) -> usize {
        (self.next() % len.max(1) as u64) as usize
    }

    fn one<T: Clone + ToString>(&mut self, options: &[T]) -> String {
        options[self.index(options.len())].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BRIEF: &str = r#"
product = "Lumen"
description = "A desk lamp that follows the sun."
features = ["Warm light in the evening", "Touch dimmer", "USB-C charging"]
style = "bold"
call_to_action = "Order today at lumen.example"
"#;

    fn brief() -> Brief {
        parse(BRIEF, Path::new("b.toml")).unwrap()
    }

    #[test]
    fn briefs_are_told_from_edit_specs() {
        assert!(is_brief(BRIEF, Path::new("b.toml")));
        assert!(!is_brief("clips = []", Path::new("s.toml")));
        assert!(is_brief(
            r#"{"product": "x", "call_to_action": "y"}"#,
            Path::new("b.json")
        ));
    }

    #[test]
    fn a_brief_becomes_four_scenes_that_fill_its_length() {
        let project = expand(&brief(), 1, Path::new(".")).unwrap();
        assert_eq!(project.scenes.len(), 4);
        let total: f64 = project.scenes.iter().map(|s| s.duration.unwrap()).sum();
        assert!((total - 3.0 * project.style.transition_seconds - 30.0).abs() < 1e-9);
        assert_eq!(
            project.scenes[3].description,
            "Order today at lumen.example"
        );
        for scene in &project.scenes {
            let said: f64 = scene
                .lines
                .iter()
                .map(|l| speech_seconds(&l.text, WORDS_PER_MINUTE))
                .sum();
            assert!(
                said <= scene.duration.unwrap() - 1.0,
                "{said} s of speech in {:?}",
                scene.duration
            );
        }
        assert_eq!(project.style.music_mood, "uplifting");
    }

    #[test]
    fn variations_differ_and_repeat() {
        let b = brief();
        let ads: Vec<Project> = (1..=3)
            .map(|v| expand(&b, v, Path::new(".")).unwrap())
            .collect();
        assert_ne!(ads[0], ads[1]);
        assert_ne!(ads[1], ads[2]);
        assert_ne!(ads[0], ads[2]);
        assert_eq!(ads[1], expand(&b, 2, Path::new(".")).unwrap());
    }

    #[test]
    fn bad_briefs_name_the_problem() {
        let text = "product = \"x\"\ncall_to_action = \"y\"\ncolour = 1\n";
        let err = parse(text, Path::new("b.toml")).unwrap_err();
        assert_eq!((err.line, err.column), (3, 1));
        assert!(err.message.contains("colour"), "{}", err.message);
        let missing = parse("product = \"x\"\n", Path::new("b.toml")).unwrap_err();
        assert!(missing.message.contains("call_to_action"));
        let text = "product = \"x\"\ncall_to_action = \"y\"\nduration = 2\n";
        assert_eq!(parse(text, Path::new("b.toml")).unwrap_err().line, 3);
    }
}
