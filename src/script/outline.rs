//! The readable outline `reel parse` prints: characters and their voices, then each scene with
//! its estimated length and its lines.

use super::estimate::{speech_seconds, WORDS_PER_MINUTE};
use super::{Format, Parsed};
use crate::plan::from_project::{scene_length, transition_in};
use crate::project::Project;
use std::fmt::Write;

/// Estimated seconds of each scene, as a render would plan them before measuring speech.
pub fn scene_estimates(project: &Project) -> Vec<f64> {
    project
        .scenes
        .iter()
        .enumerate()
        .map(|(i, scene)| {
            let lines: Vec<f64> = scene
                .lines
                .iter()
                .map(|l| speech_seconds(&l.text, WORDS_PER_MINUTE))
                .collect();
            let transition = transition_in(&project.style, i, scene.transition).duration;
            scene_length(&lines, transition).max(scene.duration.unwrap_or(0.0))
        })
        .collect()
}

/// Estimated seconds of the whole video: the scenes less the transitions' overlaps.
pub fn estimated_seconds(project: &Project) -> f64 {
    let overlaps: f64 = project
        .scenes
        .iter()
        .enumerate()
        .map(|(i, s)| transition_in(&project.style, i, s.transition).duration)
        .sum();
    scene_estimates(project).iter().sum::<f64>() - overlaps
}

pub fn outline(parsed: &Parsed, format: Format) -> String {
    let project = &parsed.project;
    let estimates = scene_estimates(project);
    let total = estimated_seconds(project);
    let format = match format {
        Format::Plain => "plain script",
        Format::Fountain => "Fountain screenplay",
        Format::Markdown => "Markdown outline",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  ({format}; {} scenes, {} speaking characters, ~{total:.0} s)",
        project.title,
        project.scenes.len(),
        project.characters.len()
    );
    if !project.characters.is_empty() {
        let _ = writeln!(out, "\ncharacters:");
        for c in &project.characters {
            let lines = project
                .scenes
                .iter()
                .flat_map(|s| &s.lines)
                .filter(|l| l.character == c.name)
                .count();
            let portrait = match project.portrait_of(&c.name) {
                Some(p) => format!(
                    ", portrait {}{}",
                    p.path.file_name().unwrap_or_default().to_string_lossy(),
                    if p.fictional { " (fictional)" } else { "" }
                ),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "  {:<20} voice {} (pitch {:+}), {lines} line{}{portrait}",
                c.name,
                c.voice.name,
                c.voice.pitch,
                if lines == 1 { "" } else { "s" }
            );
        }
    }
    for (scene, estimate) in project.scenes.iter().zip(&estimates) {
        let title = if scene.heading.is_empty() {
            &scene.description
        } else {
            &scene.heading
        };
        let _ = writeln!(
            out,
            "\nscene {} (line {}, ~{estimate:.1} s): {}",
            scene.number,
            scene.source_line,
            super::shorten(70, title)
        );
        if !scene.heading.is_empty() && !scene.description.is_empty() {
            let _ = writeln!(out, "  {}", super::shorten(76, &scene.description));
        }
        if let Some(image) = &scene.image {
            let _ = writeln!(out, "  image: {}", image.display());
        }
        for line in &scene.lines {
            let how = line
                .parenthetical
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}{how}: {}",
                line.character,
                super::shorten(70, &line.text)
            );
        }
    }
    for warning in &parsed.warnings {
        let _ = writeln!(out, "\nwarning: {warning}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn outlines_characters_scenes_and_estimates() {
        let parsed = crate::script::parse(
            "Title: Walk\n\nScene 1: A hill at dawn.\nNARRATOR: It begins here, at the top.\nALICE: Hello.\n\nScene 2: Night.\n",
            Path::new("walk.txt"),
        )
        .unwrap();
        let text = outline(&parsed, Format::Plain);
        assert!(
            text.starts_with("Walk  (plain script; 2 scenes, 2 speaking characters, ~"),
            "{text}"
        );
        assert!(text.contains("NARRATOR             voice en-us (pitch +0), 1 line"));
        assert!(text.contains("scene 1 (line 3, ~"));
        assert!(text.contains("  ALICE: Hello."));
        let estimates = scene_estimates(&parsed.project);
        assert!(estimates[0] > 2.0 && estimates[1] == 3.0, "{estimates:?}");
    }
}
