//! `org.reel.Reel1.Project` at `/org/reel/Reel1/project/<id>`: a stored script, its scenes and
//! its jobs; Render queues a new job for it (of its latest revision, once edited). The Set*,
//! AddScene, RemoveScene and MoveScene methods edit it, one revision each.

use super::error::{blocking, Error};
use crate::jobs::Engine;
use crate::project::edit::Edit;
use crate::store::{Id, ProjectInfo};
use std::collections::HashMap;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedObjectPath, OwnedValue};

#[derive(Clone)]
pub struct ProjectObject {
    pub engine: Engine,
    pub id: Id,
}

impl ProjectObject {
    fn info(&self) -> zbus::fdo::Result<ProjectInfo> {
        self.engine
            .project(self.id)
            .map_err(|e| zbus::fdo::Error::UnknownObject(e.to_string()))
    }

    /// Makes `edit`, then tells watchers what it changed; returns the new revision.
    async fn apply(&self, emitter: &SignalEmitter<'_>, edit: Edit) -> Result<u32, Error> {
        let (engine, id) = (self.engine.clone(), self.id);
        let revision = blocking(move || engine.edit_project(id, &edit)).await?;
        self.revision_changed(emitter).await?;
        self.scene_count_changed(emitter).await?;
        self.characters_changed(emitter).await?;
        Ok(revision)
    }
}

#[zbus::interface(name = "org.reel.Reel1.Project")]
impl ProjectObject {
    /// Renders the project's script again (re-read from its file) as a new job.
    async fn render(
        &self,
        #[zbus(object_server)] server: &zbus::ObjectServer,
        #[zbus(connection)] connection: &zbus::Connection,
        #[zbus(header)] header: zbus::message::Header<'_>,
        options: HashMap<String, OwnedValue>,
    ) -> Result<OwnedObjectPath, Error> {
        let options = super::options::parse(&options).map_err(Error::InvalidOptions)?;
        let owner = super::caller_uid(connection, &header).await?;
        let (engine, id) = (self.engine.clone(), self.id);
        let job = blocking(move || engine.render_project(id, options.job, Some(owner))).await?;
        super::publish::add_job(server, &self.engine, job.id).await?;
        Ok(super::job_path(job.id))
    }

    /// Line `line` (from 1) of scene `scene` says `text`. Returns the new revision, as every
    /// edit does; a bad edit is refused (`Error.UnknownScene`, `Error.InvalidEdit`) and changes
    /// nothing.
    async fn set_line(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        scene: u32,
        line: u32,
        text: String,
    ) -> Result<u32, Error> {
        self.apply(&emitter, Edit::Line { scene, line, text }).await
    }

    /// What scene `scene` shows (its action).
    async fn set_action(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        scene: u32,
        text: String,
    ) -> Result<u32, Error> {
        self.apply(&emitter, Edit::Action { scene, text }).await
    }

    /// Scene `scene` shows the picture at `path` (absolute, readable, an image).
    async fn set_picture(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        scene: u32,
        path: String,
    ) -> Result<u32, Error> {
        let path = path.into();
        self.apply(&emitter, Edit::Picture { scene, path }).await
    }

    /// none, zoom-in, zoom-out, pan-left or pan-right.
    async fn set_motion(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        scene: u32,
        motion: String,
    ) -> Result<u32, Error> {
        self.apply(&emitter, Edit::Motion { scene, motion }).await
    }

    /// cut, dissolve, fade-black, wipe-left, wipe-right, slide-left or slide-right.
    async fn set_transition(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        scene: u32,
        kind: String,
    ) -> Result<u32, Error> {
        self.apply(&emitter, Edit::Transition { scene, kind }).await
    }

    async fn set_duration(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        scene: u32,
        seconds: f64,
    ) -> Result<u32, Error> {
        self.apply(&emitter, Edit::Duration { scene, seconds })
            .await
    }

    /// A new scene showing `action` after scene `after` (0: first); it takes the next free
    /// scene number.
    async fn add_scene(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        after: u32,
        action: String,
    ) -> Result<u32, Error> {
        self.apply(&emitter, Edit::AddScene { after, action }).await
    }

    async fn remove_scene(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        scene: u32,
    ) -> Result<u32, Error> {
        self.apply(&emitter, Edit::RemoveScene { scene }).await
    }

    /// Scene `scene` moves to place `to` (from 1); scene numbers stay with their scenes.
    async fn move_scene(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        scene: u32,
        to: u32,
    ) -> Result<u32, Error> {
        self.apply(&emitter, Edit::MoveScene { scene, to }).await
    }

    /// `character` speaks with espeak-ng voice `voice` at `rate` (1.0: its own pace).
    async fn set_voice(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        character: String,
        voice: String,
        rate: f64,
    ) -> Result<u32, Error> {
        let edit = Edit::Voice {
            character,
            voice,
            rate,
        };
        self.apply(&emitter, edit).await
    }

    /// (revision, microseconds since the epoch, what changed) per edit, oldest first.
    async fn history(&self) -> Result<Vec<(u32, u64, String)>, Error> {
        let (engine, id) = (self.engine.clone(), self.id);
        let history = blocking(move || engine.project_history(id)).await?;
        Ok(history
            .into_iter()
            .map(|r| (r.revision, r.at_ms * 1000, r.edit.describe()))
            .collect())
    }

    /// (number, heading, lines, estimated seconds, source line) per scene.
    async fn scenes(&self) -> Result<Vec<(u32, String, u32, f64, u32)>, Error> {
        let (engine, id) = (self.engine.clone(), self.id);
        let scenes = blocking(move || Ok(engine.store().scenes(id)?)).await?;
        Ok(scenes
            .into_iter()
            .map(|s| (s.number, s.heading, s.lines, s.seconds, s.source_line))
            .collect())
    }

    #[zbus(property)]
    fn id(&self) -> String {
        self.id.to_string()
    }

    #[zbus(property)]
    fn name(&self) -> zbus::fdo::Result<String> {
        Ok(self.info()?.name)
    }

    #[zbus(property)]
    fn title(&self) -> zbus::fdo::Result<String> {
        Ok(self.info()?.title)
    }

    /// plain, fountain, markdown, brief or spec.
    #[zbus(property)]
    fn format(&self) -> zbus::fdo::Result<String> {
        Ok(self.info()?.format)
    }

    #[zbus(property)]
    fn source(&self) -> zbus::fdo::Result<String> {
        Ok(self.info()?.source.to_string_lossy().into_owned())
    }

    #[zbus(property)]
    fn characters(&self) -> zbus::fdo::Result<Vec<String>> {
        Ok(self.info()?.characters)
    }

    /// Edits made so far (0: the project is as its file says).
    #[zbus(property)]
    fn revision(&self) -> zbus::fdo::Result<u32> {
        Ok(self.info()?.revision)
    }

    #[zbus(property)]
    fn scene_count(&self) -> zbus::fdo::Result<u32> {
        Ok(self.info()?.scenes)
    }

    #[zbus(property)]
    fn created_at(&self) -> zbus::fdo::Result<u64> {
        Ok(self.info()?.created_ms * 1000)
    }

    #[zbus(property)]
    fn jobs(&self) -> Vec<OwnedObjectPath> {
        self.engine
            .jobs()
            .into_iter()
            .filter(|j| j.project == Some(self.id))
            .map(|j| super::job_path(j.id))
            .collect()
    }
}
