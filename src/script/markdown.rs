//! Markdown outlines: each heading starts a scene (its text is what the scene shows), each
//! paragraph under it is narrated, `NAME: line` paragraphs are dialogue, and an image
//! `![alt](path)` is the scene's picture.
//!
//! ```markdown
//! # Morning on the coast
//! The lighthouse wakes before the town does.
//!
//! ![](images/lighthouse-sunrise.jpg)
//!
//! ADA: The light never sleeps.
//! ```

use super::directive;
use super::{plain, Failure, Parsed};
use crate::project::{Line, Project, Scene, NARRATOR};
use std::path::Path;

pub fn parse(text: &str, base: &Path) -> Result<Parsed, Failure> {
    let mut project = Project::default();
    let mut warnings = Vec::new();
    // The paragraph being read: its first line and its text.
    let mut paragraph: Option<(usize, String)> = None;
    let mut in_code = false;

    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        // Fenced code is not narration.
        if raw.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let (line, notes) = directive::split_notes(raw);
        if let Some((level, heading)) = heading(&line) {
            flush(&mut paragraph, &mut project);
            // A single top heading before any scene is the title.
            if level == 1
                && project.title.is_empty()
                && project.scenes.is_empty()
                && has_title(text)
            {
                project.title = heading.to_string();
            } else {
                let scene_number = project.scenes.len() as u32 + 1;
                project.scenes.push(Scene {
                    number: scene_number,
                    heading: heading.to_string(),
                    description: heading.to_string(),
                    source_line: number,
                    ..Scene::default()
                });
            }
        } else if let Some(path) = image(&line) {
            flush(&mut paragraph, &mut project);
            let scene = current_scene(&mut project, number);
            let path = base.join(path);
            if !path.is_file() {
                return Err(Failure::line(
                    number,
                    format!("image {} does not exist", path.display()),
                ));
            }
            scene.image = Some(path);
        } else if line.is_empty() {
            flush(&mut paragraph, &mut project);
        } else {
            let clean = strip_inline(&line);
            match &mut paragraph {
                Some((_, text)) => {
                    text.push(' ');
                    text.push_str(&clean);
                }
                None => paragraph = Some((number, clean)),
            }
        }
        for note in notes {
            directive::apply_note(&note, number, base, &mut project, &mut warnings)?;
        }
    }
    flush(&mut paragraph, &mut project);

    if project.scenes.is_empty() {
        return Err(Failure::line(
            1,
            "nothing to show: expected headings like '# A quiet street' and paragraphs",
        ));
    }
    Ok(Parsed { project, warnings })
}

/// Whether the document's level-1 heading is its title: the only one, above lower headings.
fn has_title(text: &str) -> bool {
    text.lines()
        .filter(|l| heading(l).is_some_and(|(level, _)| level == 1))
        .count()
        == 1
        && text
            .lines()
            .any(|l| heading(l).is_some_and(|(level, _)| level > 1))
}

/// `## Heading` -> (2, "Heading").
fn heading(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    let level = trimmed.len() - trimmed.trim_start_matches('#').len();
    let rest = &trimmed[level..];
    (level > 0 && level <= 6 && (rest.is_empty() || rest.starts_with(' ')))
        .then(|| (level, rest.trim().trim_end_matches('#').trim()))
        .filter(|(_, text)| !text.is_empty())
}

/// `![alt](path)` alone on a line -> path.
fn image(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix("![")?;
    let (_, rest) = rest.split_once("](")?;
    let path = rest.strip_suffix(')')?;
    Some(path.split_whitespace().next().unwrap_or(path))
}

/// Markdown emphasis, code and links read as their text.
fn strip_inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line.trim();
    // Lists and quotes read as their text.
    for marker in ["- ", "* ", "+ ", "> "] {
        if let Some(r) = rest.strip_prefix(marker) {
            rest = r;
        }
    }
    while let Some(open) = rest.find('[') {
        let Some(mid) = rest[open..].find("](") else {
            break;
        };
        let Some(close) = rest[open + mid..].find(')') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..open + mid]);
        rest = &rest[open + mid + close + 1..];
    }
    out.push_str(rest);
    out.replace("**", "")
        .replace("__", "")
        .replace(['*', '`'], "")
}

fn current_scene(project: &mut Project, line: usize) -> &mut Scene {
    if project.scenes.is_empty() {
        project.scenes.push(Scene {
            number: 1,
            source_line: line,
            ..Scene::default()
        });
    }
    let last = project.scenes.len() - 1;
    &mut project.scenes[last]
}

/// Ends the paragraph being read: a spoken line of the current scene.
fn flush(paragraph: &mut Option<(usize, String)>, project: &mut Project) {
    let Some((number, text)) = paragraph.take() else {
        return;
    };
    let (character, spoken) = match plain::cue(&text) {
        Some((name, spoken)) => (name.to_string(), spoken.to_string()),
        None => (NARRATOR.to_string(), text),
    };
    if spoken.is_empty() {
        return;
    }
    current_scene(project, number).lines.push(Line {
        character,
        text: spoken,
        source_line: number,
        ..Line::default()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_scenes_and_paragraphs_are_narrated() {
        let text =
            "# The Coast\n\n## Dawn\nThe light *wakes*\nbefore the town.\n\nADA: Morning.\n\n\
                    ## Night\n- A [lantern](https://example.com) glows.\n```\nignored code\n```\n";
        let p = parse(text, Path::new(".")).unwrap().project;
        assert_eq!(p.title, "The Coast");
        assert_eq!(p.scenes.len(), 2);
        assert_eq!(p.scenes[0].description, "Dawn");
        assert_eq!(p.scenes[0].lines[0].character, "NARRATOR");
        assert_eq!(
            p.scenes[0].lines[0].text,
            "The light wakes before the town."
        );
        assert_eq!(p.scenes[0].lines[1].character, "ADA");
        assert_eq!(p.scenes[1].lines[0].text, "A lantern glows.");
        assert_eq!(p.scenes[1].lines.len(), 1);
    }

    #[test]
    fn a_lone_top_heading_is_a_scene_not_a_title() {
        let p = parse("# Only scene\nSome words.\n", Path::new("."))
            .unwrap()
            .project;
        assert_eq!(p.scenes.len(), 1);
        assert!(p.title.is_empty());
    }

    #[test]
    fn images_and_errors_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.png"), b"x").unwrap();
        let p = parse("## One\n![a picture](a.png)\n", dir.path())
            .unwrap()
            .project;
        assert_eq!(p.scenes[0].image, Some(dir.path().join("a.png")));
        let err = parse("## One\n\n![](gone.png)\n", dir.path()).unwrap_err();
        assert_eq!(err.line, 3);
        // Text without headings is one narrated scene; only code is nothing to show.
        assert_eq!(
            parse("just text\n", dir.path())
                .unwrap()
                .project
                .scenes
                .len(),
            1
        );
        assert_eq!(parse("```\ncode\n```\n", dir.path()).unwrap_err().line, 1);
    }
}
