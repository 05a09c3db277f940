//! Classified lines and notes in, scenes and spoken lines out.

use super::heading::{self, Cue};
use super::inline;
use super::lines::{Classified, Kind};
use super::spans::Note;
use crate::plan::timeline::TransitionKind;
use crate::project::{Line, Project, Scene};
use crate::script::directive::{self, NoteError};
use crate::script::Warning;
use std::path::Path;

type Failure = (usize, String);

/// A dialogue block being read: its cue, where it starts, and what has been said so far.
struct Block {
    cue: Cue,
    line: usize,
    parenthetical: Option<String>,
    parts: Vec<String>,
}

pub struct Builder<'a> {
    base: &'a Path,
    pub project: Project,
    pub warnings: Vec<Warning>,
    /// Directive notes met before any scene exists.
    pending_notes: Vec<Note>,
    /// The transition written after the last scene, for the next one.
    pending_transition: Option<TransitionKind>,
    /// Action lines of the paragraph being read, and its first line.
    paragraph: Vec<String>,
    paragraph_line: usize,
    block: Option<Block>,
}

impl<'a> Builder<'a> {
    pub fn new(base: &'a Path, title: String) -> Self {
        Builder {
            base,
            project: Project {
                title,
                ..Project::default()
            },
            warnings: Vec::new(),
            pending_notes: Vec::new(),
            pending_transition: None,
            paragraph: Vec::new(),
            paragraph_line: 0,
            block: None,
        }
    }

    /// Walks the body, applying each note where it stands between the lines.
    pub fn run(mut self, body: &[Classified], notes: &[Note]) -> Result<Self, Failure> {
        let mut notes = notes.iter().peekable();
        for item in body {
            while let Some(note) = notes.next_if(|n| n.line < item.number) {
                self.note(note)?;
            }
            self.line(item);
            self.apply_pending()?;
            if let Some(message) = &item.note {
                self.warn(item.number, message.clone());
            }
            while let Some(note) = notes.next_if(|n| n.line == item.number) {
                self.note(note)?;
            }
        }
        self.flush()?;
        for note in notes {
            self.note(note)?;
        }
        Ok(self)
    }

    fn line(&mut self, item: &Classified) {
        match &item.kind {
            Kind::Blank | Kind::Structure => self.end_paragraph(),
            Kind::Heading { text, forced } => {
                self.end_paragraph();
                self.heading(item.number, text, *forced);
            }
            Kind::Transition(text) => {
                self.end_paragraph();
                if let Some(kind) = heading::transition_kind(text) {
                    self.pending_transition = Some(kind);
                }
            }
            Kind::Action(text) => {
                self.end_block();
                if self.paragraph.is_empty() {
                    self.paragraph_line = item.number;
                }
                self.paragraph.push(text.clone());
            }
            Kind::Cue(text) => {
                self.end_paragraph();
                if let Some(cue) = heading::cue(text) {
                    self.block = Some(Block {
                        cue,
                        line: item.number,
                        parenthetical: None,
                        parts: Vec::new(),
                    });
                }
            }
            Kind::Parenthetical(text) => {
                let inner = text.trim_start_matches('(').trim_end_matches(')');
                let inner = inline::plain(inner);
                if let Some(block) = self.block.as_mut() {
                    if block.parenthetical.is_none() && !inner.is_empty() {
                        block.parenthetical = Some(inner);
                    }
                }
            }
            Kind::Dialogue(text) => {
                if let Some(block) = self.block.as_mut() {
                    block.parts.push(text.clone());
                }
            }
        }
    }

    fn heading(&mut self, line: usize, text: &str, forced: bool) {
        let parsed = heading::heading(text, forced);
        let given = parsed.number.as_deref().and_then(|n| n.parse::<u32>().ok());
        // Counting on from the scene before, so `#7#` is followed by 8.
        let running = self
            .project
            .scenes
            .last()
            .map_or(1, |s| s.number.saturating_add(1));
        let number = given.unwrap_or(running);
        if self.project.scenes.iter().any(|s| s.number == number) {
            self.warn(line, format!("scene {number} appears twice"));
        }
        self.project.scenes.push(Scene {
            number,
            heading: parsed.text,
            location: parsed.location,
            time_of_day: parsed.time_of_day,
            transition: self.pending_transition.take(),
            source_line: line,
            ..Scene::default()
        });
    }

    /// Ends the action paragraph and the dialogue block being read.
    fn end_paragraph(&mut self) {
        self.end_block();
        let text = inline::plain(&self.paragraph.join(" "));
        self.paragraph.clear();
        if !text.is_empty() {
            let scene = self.scene(self.paragraph_line);
            if !scene.description.is_empty() {
                scene.description.push(' ');
            }
            scene.description.push_str(&text);
        }
    }

    fn end_block(&mut self) {
        let Some(block) = self.block.take() else {
            return;
        };
        let text = inline::plain(&block.parts.join(" "));
        if text.is_empty() {
            self.warn(
                block.line,
                format!("{} has nothing to say; the cue is left out", block.cue.name),
            );
            return;
        }
        let line = Line {
            character: block.cue.name,
            parenthetical: block.parenthetical,
            extension: block.cue.extension,
            text,
            dual: block.cue.dual,
            source_line: block.line,
        };
        self.scene(block.line).lines.push(line);
    }

    fn flush(&mut self) -> Result<(), Failure> {
        self.end_paragraph();
        self.apply_pending()
    }

    /// Notes held back until there was a scene go to the first one.
    fn apply_pending(&mut self) -> Result<(), Failure> {
        if self.project.scenes.is_empty() {
            return Ok(());
        }
        for note in std::mem::take(&mut self.pending_notes) {
            self.note(&note)?;
        }
        Ok(())
    }

    /// The current scene, opening the implicit first scene (no heading) for a cold open.
    fn scene(&mut self, line: usize) -> &mut Scene {
        if self.project.scenes.is_empty() {
            self.project.scenes.push(Scene {
                number: 1,
                source_line: line,
                transition: self.pending_transition.take(),
                ..Scene::default()
            });
        }
        let last = self.project.scenes.len() - 1;
        &mut self.project.scenes[last]
    }

    fn warn(&mut self, line: usize, message: String) {
        self.warnings.push(Warning { line, message });
    }

    /// Applies a note as a directive to the current scene (remarks are ignored).
    fn note(&mut self, note: &Note) -> Result<(), Failure> {
        let directive = match directive::parse(&note.text) {
            Ok(Some(d)) => d,
            Ok(None) => return Ok(()),
            Err(NoteError::Unknown(message)) => {
                self.warn(note.line, message);
                return Ok(());
            }
            Err(NoteError::Invalid(message)) => return Err((note.line, message)),
        };
        let Some(directive) =
            directive::add_portrait(directive, self.base, note.line, &mut self.project)
                .map_err(|message| (note.line, message))?
        else {
            return Ok(());
        };
        if self.project.scenes.is_empty() {
            if self.paragraph.is_empty() && self.block.is_none() {
                self.pending_notes.push(note.clone());
                return Ok(());
            }
            let line = self.block.as_ref().map_or(self.paragraph_line, |b| b.line);
            self.scene(line);
        }
        self.apply_pending()?;
        let base = self.base;
        let scene = self.scene(note.line);
        directive::apply(directive, base, scene).map_err(|message| (note.line, message))
    }
}
