//! `org.reel.Reel1.Project` at `/org/reel/Reel1/project/<id>`: a stored script, its scenes and
//! its jobs; Render queues a new job for it.

use super::error::{blocking, Error};
use crate::jobs::Engine;
use crate::store::{Id, ProjectInfo};
use std::collections::HashMap;
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
}

#[zbus::interface(name = "org.reel.Reel1.Project")]
impl ProjectObject {
    /// Renders the project's script again (re-read from its file) as a new job.
    async fn render(
        &self,
        #[zbus(object_server)] server: &zbus::ObjectServer,
        options: HashMap<String, OwnedValue>,
    ) -> Result<OwnedObjectPath, Error> {
        let options = super::options::parse(&options).map_err(Error::InvalidOptions)?;
        let (engine, id) = (self.engine.clone(), self.id);
        let job = blocking(move || engine.render_project(id, options.job)).await?;
        super::publish::add_job(server, &self.engine, job.id).await?;
        Ok(super::job_path(job.id))
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
