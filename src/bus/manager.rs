//! `org.reel.Reel1.Manager` at `/org/reel/Reel1`: submit work, create and list projects, list
//! jobs, health. Every method checks its input before anything is stored.

use super::caller_uid;
use super::error::{blocking, Error};
use super::options;
use super::publish;
use crate::jobs::submit::Input;
use crate::jobs::Engine;
use crate::models::install::install;
use crate::models::Registry;
use std::collections::HashMap;
use std::path::PathBuf;
use zbus::message::Header;
use zbus::object_server::{ObjectServer, SignalEmitter};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

#[derive(Clone)]
pub struct Manager {
    pub engine: Engine,
    /// The watched folder and its counts, as the inbox service last told them.
    pub inbox: tokio::sync::watch::Receiver<crate::watch::service::Status>,
}

pub const INTERFACE: &str = "org.reel.Reel1.Manager";

/// A source is a path when it is one line starting with `/`; anything else is script text.
fn input_of(source: &str, format: Option<String>) -> Input {
    let one_line = !source.contains('\n');
    if one_line && source.starts_with('/') {
        Input::File(PathBuf::from(source))
    } else if one_line && !source.contains(' ') && source.contains('.') && format.is_none() {
        // A relative file name: refused with a message about paths, not parsed as a script.
        Input::File(PathBuf::from(source))
    } else {
        Input::Text {
            text: source.to_string(),
            format,
        }
    }
}

/// The options of a script or spec submission: the footage-only ones are refused.
fn script_options(options: &HashMap<String, OwnedValue>) -> Result<options::Submitted, Error> {
    if let Some(key) = options::FOOTAGE_ONLY
        .iter()
        .find(|k| options.contains_key(**k))
    {
        return Err(Error::InvalidOptions(format!(
            "option '{key}' is for SubmitFootage only"
        )));
    }
    options::parse(options).map_err(Error::InvalidOptions)
}

impl Manager {
    /// Queues the job for `owner` and serves its object before the path goes back to the
    /// caller.
    async fn submit(
        &self,
        server: &ObjectServer,
        input: Input,
        options: crate::jobs::model::JobOptions,
        owner: u32,
    ) -> Result<OwnedObjectPath, Error> {
        let engine = self.engine.clone();
        let job = blocking(move || engine.submit(input, options, Some(owner))).await?;
        publish::add_job(server, &self.engine, job.id).await?;
        if let Some(project) = job.project {
            publish::add_project(server, &self.engine, project).await?;
        }
        Ok(super::job_path(job.id))
    }
}

#[zbus::interface(name = "org.reel.Reel1.Manager")]
impl Manager {
    /// Queues a render of a script: `source` is an absolute path to a plain script, Fountain
    /// screenplay, Markdown outline or ad brief, or the script text itself. Options (all
    /// optional): profile s, profiles as, output s (absolute folder), priority i,
    /// narrate-action b, variation u, format s (for text: plain, fountain, markdown).
    async fn submit_script(
        &self,
        #[zbus(object_server)] server: &ObjectServer,
        #[zbus(connection)] connection: &zbus::Connection,
        #[zbus(header)] header: Header<'_>,
        source: String,
        options: HashMap<String, OwnedValue>,
    ) -> Result<OwnedObjectPath, Error> {
        let options = script_options(&options)?;
        let input = input_of(&source, options.format);
        let owner = caller_uid(connection, &header).await?;
        self.submit(server, input, options.job, owner).await
    }

    /// Queues a render of an edit spec (`.toml`/`.json` timeline) or ad brief at `path`.
    async fn submit_spec(
        &self,
        #[zbus(object_server)] server: &ObjectServer,
        #[zbus(connection)] connection: &zbus::Connection,
        #[zbus(header)] header: Header<'_>,
        path: String,
        options: HashMap<String, OwnedValue>,
    ) -> Result<OwnedObjectPath, Error> {
        let options = script_options(&options)?;
        let file = PathBuf::from(&path);
        if !crate::plan::spec::is_spec(&file) {
            return Err(Error::InvalidPath(format!(
                "{path}: an edit spec is a .toml or .json file (use SubmitScript for scripts)"
            )));
        }
        let owner = caller_uid(connection, &header).await?;
        self.submit(server, Input::File(file), options.job, owner)
            .await
    }

    /// Queues an edit of the footage at `paths` (absolute, played in order) into a captioned
    /// clip. Options: those of SubmitScript but format, and music s (absolute path of a bed
    /// whose beats the cuts land on), target d (longest result, seconds), cut s (silence,
    /// beats, both, none), captions s (karaoke, plain, none). Footage that cannot be edited
    /// is refused with InvalidFootage naming the file and the problem.
    async fn submit_footage(
        &self,
        #[zbus(object_server)] server: &ObjectServer,
        #[zbus(connection)] connection: &zbus::Connection,
        #[zbus(header)] header: Header<'_>,
        paths: Vec<String>,
        options: HashMap<String, OwnedValue>,
    ) -> Result<OwnedObjectPath, Error> {
        let mut options = options::parse(&options).map_err(Error::InvalidOptions)?;
        options.job.footage.get_or_insert_with(Default::default);
        let owner = caller_uid(connection, &header).await?;
        let engine = self.engine.clone();
        let paths = paths.into_iter().map(PathBuf::from).collect();
        let job = blocking(move || engine.submit_footage(paths, options.job, Some(owner))).await?;
        publish::add_job(server, &self.engine, job.id).await?;
        Ok(super::job_path(job.id))
    }

    /// Reads the script at `path` and stores it as a project named `name` (empty: the file's
    /// name), without rendering it.
    async fn create_project(
        &self,
        #[zbus(object_server)] server: &ObjectServer,
        name: String,
        path: String,
    ) -> Result<OwnedObjectPath, Error> {
        let engine = self.engine.clone();
        let project = blocking(move || engine.create_project(&name, &PathBuf::from(path))).await?;
        publish::add_project(server, &self.engine, project.id).await?;
        Ok(super::project_path(project.id))
    }

    /// (object path, id, name, format, scenes) of every project, oldest first.
    fn list_projects(&self) -> Vec<(OwnedObjectPath, String, String, String, u32)> {
        self.engine
            .projects()
            .into_iter()
            .map(|p| {
                (
                    super::project_path(p.id),
                    p.id.to_string(),
                    p.name,
                    p.format,
                    p.scenes,
                )
            })
            .collect()
    }

    /// (object path, id, name, state, stage, progress) of every job, oldest first.
    fn list_jobs(&self) -> Vec<(OwnedObjectPath, String, String, String, String, f64)> {
        self.engine
            .jobs()
            .into_iter()
            .map(|j| {
                (
                    super::job_path(j.id),
                    j.id.to_string(),
                    j.name.clone(),
                    j.state.to_string(),
                    j.current_stage().map(|s| s.to_string()).unwrap_or_default(),
                    j.progress(),
                )
            })
            .collect()
    }

    /// The object path of job `id`.
    fn get_job(&self, id: String) -> Result<OwnedObjectPath, Error> {
        let parsed = id
            .parse()
            .map_err(|e: crate::store::BadId| Error::NotFound(e.to_string()))?;
        self.engine.job(parsed)?;
        Ok(super::job_path(parsed))
    }

    /// Version, uptime, workers, job counts, store size and state folder.
    async fn get_health(&self) -> Result<HashMap<String, OwnedValue>, Error> {
        let engine = self.engine.clone();
        // Counting assets walks a sled tree: off the async threads.
        let (assets, store_bytes) = blocking(move || {
            let store = engine.store();
            Ok((store.asset_count(), store.size_on_disk()))
        })
        .await?;
        let counts = self.engine.counts();
        let settings = self.engine.settings();
        let registry = Registry::locate();
        // The probe is made once, at start: this only reads it.
        let onnx = blocking(move || {
            let mut found = vec![(
                "models-folder",
                registry.dir().to_string_lossy().into_owned(),
            )];
            found.push((
                "voice",
                registry
                    .active()
                    .get("tts")
                    .cloned()
                    .unwrap_or_else(|| crate::models::registry::ESPEAK.to_string()),
            ));
            match crate::models::runtime()
                .and_then(|runtime| Ok((runtime, crate::models::providers(&registry)?)))
            {
                Ok((runtime, probe)) => {
                    found.push(("onnxruntime", runtime.path.to_string_lossy().into_owned()));
                    found.push(("onnxruntime-version", runtime.version.clone()));
                    found.push(("execution-provider", probe.provider.to_string()));
                    found.extend(probe.fallback.clone().map(|why| ("cuda-fallback", why)));
                }
                Err(err) => found.push(("onnxruntime-error", err.to_string())),
            }
            Ok(found)
        })
        .await?;
        let mut entries: Vec<(&str, Value)> = vec![
            ("version", Value::from(env!("CARGO_PKG_VERSION"))),
            (
                "uptime-seconds",
                Value::from(self.engine.uptime().as_secs_f64()),
            ),
            ("workers", Value::from(settings.workers as u32)),
            ("running", Value::from(counts.running as u32)),
            ("queued", Value::from(counts.queued as u32)),
            ("done", Value::from(counts.done as u32)),
            ("failed", Value::from(counts.failed as u32)),
            ("cancelled", Value::from(counts.cancelled as u32)),
            ("projects", Value::from(self.engine.projects().len() as u32)),
            ("assets", Value::from(assets as u32)),
            ("store-bytes", Value::from(store_bytes)),
            (
                "state-directory",
                Value::from(self.engine.state_dir().to_string_lossy().into_owned()),
            ),
            (
                "stall-timeout-seconds",
                Value::from(settings.stall_timeout.as_secs_f64()),
            ),
        ];
        entries.extend(onnx.into_iter().map(|(key, text)| (key, Value::from(text))));
        Ok(entries
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_string(), v.try_to_owned().ok()?)))
            .collect())
    }

    /// (id, task, state, description) of every model: state is active, installed, built in
    /// or available.
    fn list_models(&self) -> Result<Vec<(String, String, String, String)>, Error> {
        Ok(Registry::locate()
            .catalogue()?
            .into_iter()
            .map(|e| (e.id, e.task, e.state.to_string(), e.description))
            .collect())
    }

    /// Downloads, converts and verifies model `id` (takes a while: the call returns when done).
    async fn install_model(&self, id: String) -> Result<(), Error> {
        models_blocking(move || {
            let manifest = crate::models::manifest::find(&id)?;
            install(
                &Registry::locate(),
                &manifest,
                &mut |step| tracing::info!(model = %id, step),
            )
            .map(|_| ())
        })
        .await
    }

    /// Makes `id` its task's model from the next job on, and frees the old model's session now
    /// (a job speaking at this moment finishes with the voice it started with). No restart.
    async fn activate_model(&self, id: String) -> Result<(), Error> {
        models_blocking(move || {
            Registry::locate().activate(&id)?;
            tracing::info!(model = %id, "activated");
            crate::render::voice::release_unused();
            Ok(())
        })
        .await
    }

    async fn remove_model(&self, id: String) -> Result<(), Error> {
        models_blocking(move || {
            Registry::locate().remove(&id)?;
            crate::render::voice::release_unused();
            Ok(())
        })
        .await
    }

    /// Records that `person` agrees to the portrait at `portrait` (an absolute path) being
    /// shown for `purpose` until `until` (YYYY-MM-DD, or empty for no end), as `signed_by`
    /// signed; returns the record's id.
    async fn add_consent(
        &self,
        portrait: String,
        person: String,
        purpose: String,
        until: String,
        signed_by: String,
    ) -> Result<String, Error> {
        let path = PathBuf::from(&portrait);
        crate::jobs::submit::check_file(&path)
            .map_err(|e| Error::from(crate::jobs::EngineError::Invalid(e)))?;
        consent_blocking(move |store| {
            let until = Some(until.as_str()).filter(|u| !u.trim().is_empty());
            Ok(store.add(&path, &person, &purpose, until, &signed_by)?.id)
        })
        .await
    }

    /// Every consent record: (id, person, portrait file, purpose, until, signed by, in force).
    #[allow(clippy::type_complexity)]
    async fn list_consents(
        &self,
    ) -> Result<Vec<(String, String, String, String, String, String, bool)>, Error> {
        consent_blocking(|store| {
            let today = crate::consent::today();
            Ok(store
                .list()?
                .into_iter()
                .map(|r| {
                    let in_force = r.in_force(&today);
                    (
                        r.id,
                        r.person,
                        r.portrait,
                        r.purpose,
                        r.until.unwrap_or_default(),
                        r.signed_by,
                        in_force,
                    )
                })
                .collect())
        })
        .await
    }

    /// Revokes the consent whose id starts with `id`: renders of its portrait fail from now on.
    async fn revoke_consent(&self, id: String) -> Result<(), Error> {
        consent_blocking(move |store| store.revoke(&id).map(|_| ())).await
    }

    #[zbus(property)]
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").into()
    }

    #[zbus(property)]
    fn workers(&self) -> u32 {
        self.engine.settings().workers as u32
    }

    #[zbus(property)]
    fn running_jobs(&self) -> u32 {
        self.engine.counts().running as u32
    }

    #[zbus(property)]
    fn queued_jobs(&self) -> u32 {
        self.engine.counts().queued as u32
    }

    /// The watched folder; empty when the daemon watches none.
    #[zbus(property)]
    fn inbox(&self) -> String {
        self.inbox.borrow().folder.to_string_lossy().into_owned()
    }

    /// seen, processing, done and failed: how many files the inbox took and where they are.
    #[zbus(property)]
    fn inbox_counts(&self) -> HashMap<String, u32> {
        inbox_counts(&self.inbox.borrow().counts)
    }

    /// A job reached done, failed or cancelled.
    #[zbus(signal)]
    pub async fn job_finished(
        emitter: &SignalEmitter<'_>,
        job: OwnedObjectPath,
        state: &str,
    ) -> zbus::Result<()>;
}

pub fn inbox_counts(counts: &crate::watch::Counts) -> HashMap<String, u32> {
    HashMap::from([
        ("seen".to_string(), counts.seen),
        ("processing".to_string(), counts.processing),
        ("done".to_string(), counts.done),
        ("failed".to_string(), counts.failed),
    ])
}

/// Registry work (files, hashing, pip) off the async threads.
async fn consent_blocking<T: Send + 'static>(
    work: impl FnOnce(&crate::consent::ConsentStore) -> Result<T, crate::consent::ConsentError>
        + Send
        + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(move || work(&crate::consent::ConsentStore::open()?))
        .await
        .map_err(|e| Error::Internal(format!("the call's worker failed: {e}")))?
        .map_err(Error::from)
}

async fn models_blocking(
    work: impl FnOnce() -> Result<(), crate::models::ModelError> + Send + 'static,
) -> Result<(), Error> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("the call's worker failed: {e}")))?
        .map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_text_are_told_apart() {
        assert_eq!(input_of("/a/b.txt", None), Input::File("/a/b.txt".into()));
        assert_eq!(input_of("b.txt", None), Input::File("b.txt".into()));
        assert!(matches!(
            input_of("Scene 1: A lab.\nNARRATOR: Hi.", None),
            Input::Text { .. }
        ));
        assert!(matches!(
            input_of("Scene 1: Hello there.", None),
            Input::Text { .. }
        ));
    }
}
