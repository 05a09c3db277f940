//! Keeps the bus in step with the engine: every job and project has its object (added to the
//! ObjectManager as it appears), changed job properties go out as one PropertiesChanged per
//! change, and the Manager announces finished jobs and its job counts.

use super::job::{self, JobObject};
use super::manager::{self, Manager};
use super::project::ProjectObject;
use super::{job_path, project_path, Bus, NAME, PATH};
use crate::jobs::{Engine, Event};
use crate::store::Id;
use crate::watch::service::Status;
use std::borrow::Cow;
use std::collections::HashMap;
use tokio::sync::broadcast::error::RecvError;
use zbus::fdo::Properties;
use zbus::names::InterfaceName;
use zbus::object_server::{ObjectServer, SignalEmitter};
use zbus::zvariant::{OwnedValue, Value};
use zbus::Connection;

/// Connects to `bus`, serves the Manager and ObjectManager at `/org/reel/Reel1` and takes the
/// name `org.reel.Reel1` (failing if another daemon has it).
pub async fn serve(
    bus: Bus,
    engine: &Engine,
    inbox: tokio::sync::watch::Receiver<Status>,
) -> zbus::Result<Connection> {
    bus.builder()?
        .serve_at(
            PATH,
            Manager {
                engine: engine.clone(),
                inbox,
            },
        )?
        .serve_at(PATH, zbus::fdo::ObjectManager)?
        .name(NAME)?
        .build()
        .await
}

/// Publishes until `shutdown` resolves.
pub async fn run(
    conn: Connection,
    engine: Engine,
    mut inbox: tokio::sync::watch::Receiver<Status>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut events = engine.subscribe();
    let mut publisher = Publisher {
        conn,
        engine,
        published: HashMap::new(),
        counts: (u32::MAX, u32::MAX, u32::MAX),
    };
    publisher.sync_all().await;
    tokio::pin!(shutdown);
    loop {
        let event = tokio::select! {
            _ = &mut shutdown => return,
            event = events.recv() => event,
            changed = inbox.changed() => {
                if changed.is_ok() {
                    let counts = inbox.borrow_and_update().counts;
                    publisher.inbox(counts).await;
                }
                continue;
            }
        };
        let result = match event {
            Ok(Event::JobAdded(id) | Event::JobChanged(id)) => publisher.job(id).await,
            Ok(Event::JobRemoved(id)) => publisher.remove_job(id).await,
            Ok(Event::ProjectAdded(id)) => publisher.project(id).await,
            // Too many events at once: catch up from the engine's current state.
            Err(RecvError::Lagged(_)) => {
                publisher.sync_all().await;
                Ok(())
            }
            Err(RecvError::Closed) => return,
        };
        if let Err(err) = result {
            tracing::warn!(%err, "cannot publish a change on the bus");
        }
        publisher.counts().await;
    }
}

/// Serves job `id`'s object (once: a second call changes nothing). Submit calls do this before
/// they return the path, so a client can use the path at once.
pub async fn add_job(server: &ObjectServer, engine: &Engine, id: Id) -> zbus::Result<()> {
    let object = JobObject {
        engine: engine.clone(),
        id,
    };
    server.at(job_path(id), object).await.map(|_| ())
}

/// Serves project `id`'s object, as [`add_job`] does for jobs.
pub async fn add_project(server: &ObjectServer, engine: &Engine, id: Id) -> zbus::Result<()> {
    let object = ProjectObject {
        engine: engine.clone(),
        id,
    };
    server.at(project_path(id), object).await.map(|_| ())
}

struct Publisher {
    conn: Connection,
    engine: Engine,
    /// What each job's watched properties were when last sent.
    published: HashMap<Id, Vec<(&'static str, OwnedValue)>>,
    /// (running, queued, workers) when last sent.
    counts: (u32, u32, u32),
}

impl Publisher {
    async fn sync_all(&mut self) {
        for project in self.engine.projects() {
            let _ = self.project(project.id).await;
        }
        for job in self.engine.jobs() {
            if let Err(err) = self.job(job.id).await {
                tracing::warn!(%err, "cannot publish a job on the bus");
            }
        }
        self.counts().await;
    }

    async fn project(&mut self, id: Id) -> zbus::Result<()> {
        add_project(self.conn.object_server(), &self.engine, id).await
    }

    /// Adds the job's object, or sends what changed since last time.
    async fn job(&mut self, id: Id) -> zbus::Result<()> {
        let Ok(job) = self.engine.job(id) else {
            return Ok(());
        };
        let path = job_path(id);
        let now = job::watched(&job);
        let Some(before) = self.published.get(&id) else {
            add_job(self.conn.object_server(), &self.engine, id).await?;
            self.published.insert(id, now);
            return Ok(());
        };
        let changed = job::changes(before, &now);
        if changed.is_empty() {
            return Ok(());
        }
        let finished = changed.contains_key("State") && job.state.is_final();
        let emitter = SignalEmitter::new(&self.conn, &path)?;
        Properties::properties_changed(
            &emitter,
            InterfaceName::from_static_str_unchecked(job::INTERFACE),
            changed,
            Cow::Borrowed(&[]),
        )
        .await?;
        if finished {
            let manager = SignalEmitter::new(&self.conn, PATH)?;
            Manager::job_finished(&manager, path.clone(), job.state.as_str()).await?;
        }
        self.published.insert(id, now);
        Ok(())
    }

    /// Takes a forgotten job's object off the bus (the ObjectManager announces it).
    async fn remove_job(&mut self, id: Id) -> zbus::Result<()> {
        self.published.remove(&id);
        self.conn
            .object_server()
            .remove::<JobObject, _>(job_path(id))
            .await
            .map(|_| ())
    }

    async fn inbox(&self, counts: crate::watch::Counts) {
        let value = Value::from(manager::inbox_counts(&counts));
        self.manager_changed(HashMap::from([("InboxCounts", value)]))
            .await;
    }

    /// PropertiesChanged on the Manager; a listener missing it catches up on its next read.
    async fn manager_changed(&self, changed: HashMap<&str, Value<'_>>) {
        let Ok(emitter) = SignalEmitter::new(&self.conn, PATH) else {
            return;
        };
        let _ = Properties::properties_changed(
            &emitter,
            InterfaceName::from_static_str_unchecked(manager::INTERFACE),
            changed,
            Cow::Borrowed(&[]),
        )
        .await;
    }

    /// RunningJobs, QueuedJobs and Workers on the Manager, when they changed.
    async fn counts(&mut self) {
        let counts = self.engine.counts();
        let workers = self.engine.settings().workers as u32;
        let now = (counts.running as u32, counts.queued as u32, workers);
        if now == self.counts {
            return;
        }
        self.counts = now;
        self.manager_changed(HashMap::from([
            ("RunningJobs", Value::from(now.0)),
            ("QueuedJobs", Value::from(now.1)),
            ("Workers", Value::from(now.2)),
        ]))
        .await;
    }
}
