//! Mouth-shape tracks in Rhubarb Lip Sync's own formats, so the tools and animation rigs that
//! read Rhubarb's output (Moho, Spine, After Effects, Godot and Unity importers) read reel's:
//!
//! * TSV: one `start<TAB>shape` line per cue; the last line is the end, at rest (X);
//! * JSON: `{"metadata": {"soundFile", "duration"}, "mouthCues": [{"start", "end", "value"}]}`,
//!   times in seconds with two decimals.

use super::animate::Cue;
use serde_json::json;

/// The Rhubarb TSV of `cues`.
pub fn tsv(cues: &[Cue]) -> String {
    let mut out = String::new();
    for cue in cues {
        out.push_str(&format!("{:.2}\t{}\n", cue.start, cue.shape.letter()));
    }
    if let Some(last) = cues.last() {
        if last.shape != super::shapes::Shape::X {
            out.push_str(&format!("{:.2}\tX\n", last.end));
        }
    }
    out
}

/// The Rhubarb JSON of `cues`, naming `sound_file` (the audio they go with).
pub fn json(cues: &[Cue], sound_file: &str) -> String {
    let round = |t: f64| (t * 100.0).round() / 100.0;
    let duration = cues.last().map_or(0.0, |c| c.end);
    let document = json!({
        "metadata": { "soundFile": sound_file, "duration": round(duration) },
        "mouthCues": cues
            .iter()
            .map(|c| json!({
                "start": round(c.start),
                "end": round(c.end),
                "value": c.shape.letter().to_string(),
            }))
            .collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lipsync::shapes::Shape;

    fn cues() -> Vec<Cue> {
        vec![
            Cue {
                start: 0.0,
                end: 0.254,
                shape: Shape::X,
            },
            Cue {
                start: 0.254,
                end: 0.5,
                shape: Shape::D,
            },
            Cue {
                start: 0.5,
                end: 0.62,
                shape: Shape::A,
            },
        ]
    }

    #[test]
    fn tsv_lists_each_start_and_ends_at_rest() {
        assert_eq!(tsv(&cues()), "0.00\tX\n0.25\tD\n0.50\tA\n0.62\tX\n");
    }

    #[test]
    fn json_has_rhubarbs_fields() {
        let value: serde_json::Value = serde_json::from_str(&json(&cues(), "line.wav")).unwrap();
        assert_eq!(value["metadata"]["soundFile"], "line.wav");
        assert_eq!(value["metadata"]["duration"], 0.62);
        assert_eq!(value["mouthCues"][1]["value"], "D");
        assert_eq!(value["mouthCues"][1]["start"], 0.25);
        assert_eq!(value["mouthCues"].as_array().unwrap().len(), 3);
    }
}
