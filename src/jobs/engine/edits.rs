//! Edits of stored projects: checked, applied to the project's latest script and stored with
//! the next revision number in one transaction. Edits are taken one at a time, so edits from
//! several clients at once are all recorded, each on the script the one before it left.

use super::{lock, Engine, EngineError};
use crate::jobs::model::{now_ms, Job, JobOptions};
use crate::jobs::submit::{self, Invalid};
use crate::project::edit::{self, Edit};
use crate::render::stages::{Parsed, Script};
use crate::store::{Id, ProjectInfo, Revision};
use std::sync::Mutex;

/// Held while an edit is applied and stored.
pub(super) static EDITING: Mutex<()> = Mutex::new(());

impl Engine {
    /// Applies `edit` to project `id` and records it; returns the new revision number. A bad
    /// edit changes nothing.
    pub fn edit_project(&self, id: Id, edit: &Edit) -> Result<u32, EngineError> {
        if let Some(picture) = edit.picture() {
            submit::check_file(picture)?;
            let _ = crate::render::pipeline::init();
            crate::render::probe::image_size(picture, "")
                .map_err(|e| EngineError::Edit(edit::EditError::Invalid(e.to_string())))?;
        }
        let _one_at_a_time = lock(&EDITING);
        let project = self.project(id)?;
        let mut script = self.current_script(&project)?;
        edit::apply(&mut script.project, edit).map_err(EngineError::Edit)?;
        let revision = Revision {
            revision: project.revision + 1,
            at_ms: now_ms(),
            edit: edit.clone(),
            script: script.clone(),
        };
        let (mut info, scenes) =
            submit::project_of(id, &project.name, &project.source, &Parsed::Script(script));
        info.created_ms = project.created_ms;
        info.revision = revision.revision;
        self.inner
            .store
            .put_project_revision(&info, &scenes, project.scenes, Some(&revision))?;
        lock(&self.inner.projects)
            .iter_mut()
            .filter(|p| p.id == id)
            .for_each(|p| *p = info.clone());
        tracing::info!(project = %id, revision = revision.revision, edit = %edit.describe(), "edited");
        Ok(revision.revision)
    }

    /// Every edit of project `id`, oldest first.
    pub fn project_history(&self, id: Id) -> Result<Vec<Revision>, EngineError> {
        self.project(id)?;
        Ok(self.inner.store.revisions(id)?)
    }

    /// The script a project holds now: its latest revision, or its file before any edit.
    pub(super) fn current_script(&self, project: &ProjectInfo) -> Result<Script, EngineError> {
        if project.revision > 0 {
            if let Some(latest) = self.inner.store.revision(project.id, project.revision)? {
                return Ok(latest.script);
            }
        }
        match submit::check_script(&project.source, &JobOptions::default())? {
            Parsed::Script(script) => Ok(script),
            Parsed::Spec(_) => Err(EngineError::Invalid(Invalid::Script(format!(
                "{}: an edit spec is edited in its file; scene edits apply to scripts",
                project.source.display()
            )))),
        }
    }

    /// A job rendering project `project` as its latest revision says.
    pub(super) fn revision_job(&self, project: &ProjectInfo, options: JobOptions) -> Job {
        let mut job = Job::new(Id::new(), project.source.clone(), options, Some(project.id));
        job.revision = Some(project.revision);
        job
    }
}
