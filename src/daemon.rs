//! `reel daemon`: the store, the job engine, the bus and the signals, wired together.
//!
//! Start-up: a writable state folder → config (refused with the key named when wrong) →
//! store (unfinished jobs queued again) → bus name → READY=1. SIGTERM or SIGINT: STOPPING=1,
//! running stages are stopped and recorded as interrupted (they resume on the next start),
//! every task is awaited, the store flushed. SIGHUP re-reads the config and applies it
//! without a restart.

pub mod config;
pub mod notify;

use crate::bus::{publish, Bus};
use crate::jobs::{Engine, Settings};
use notify::Notifier;
use std::future::Future;
use std::path::{Path, PathBuf};
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct Options {
    pub bus: Bus,
    /// Only this config file, instead of the system and user ones.
    pub config: Option<PathBuf>,
    pub state_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Engine(#[from] crate::jobs::EngineError),
    #[error(transparent)]
    Inbox(#[from] crate::watch::WatchError),
    #[error("cannot take {name} on the {bus} bus: {reason}")]
    Bus {
        name: &'static str,
        bus: &'static str,
        reason: String,
    },
    #[error("{0}")]
    Io(String),
}

/// `$STATE_DIRECTORY` (systemd's StateDirectory=), else `$XDG_STATE_HOME/reel`, else
/// `~/.local/state/reel`.
pub fn default_state_dir() -> PathBuf {
    if let Some(dirs) = std::env::var_os("STATE_DIRECTORY") {
        // systemd may pass several, separated by colons: the first is ours.
        let first = dirs
            .to_string_lossy()
            .split(':')
            .next()
            .unwrap_or("")
            .to_string();
        if !first.is_empty() {
            return PathBuf::from(first);
        }
    }
    std::env::var_os("XDG_STATE_HOME")
        .map(|d| PathBuf::from(d).join("reel"))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state/reel")))
        .unwrap_or_else(|| PathBuf::from("/var/lib/reel"))
}

/// The store lives in the state folder: a start that could not write there is refused with
/// the reason, before sled opens anything in it.
fn check_writable(dir: &Path) -> Result<(), DaemonError> {
    let probe = dir.join(".reel-write-check");
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe));
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => {
            Err(DaemonError::Io(format!(
                "the state folder {} is on a read-only file system; reel keeps its store there \
                 and must write to it (mount it read-write, or give another with --state-dir)",
                dir.display()
            )))
        }
        Err(e) => Err(DaemonError::Io(format!(
            "the state folder {} cannot be written: {e}",
            dir.display()
        ))),
    }
}

/// Runs until SIGTERM/SIGINT or until `stop` resolves.
pub async fn run(options: Options, stop: impl Future<Output = ()>) -> Result<(), DaemonError> {
    let notifier = Notifier::from_env();
    check_writable(&options.state_dir)?;
    // The daemon's renders are judged by the consents recorded with it.
    crate::consent::set_dir(options.state_dir.clone());
    let config::Loaded {
        settings,
        models,
        inbox,
        files,
    } = config::load(options.config.as_deref(), &options.state_dir)?;
    log_config(&settings, &files);
    crate::models::configure(models.onnxruntime.clone(), models.models_dir.clone());
    log_models(&models);

    let state_dir = options.state_dir.clone();
    let engine = tokio::task::spawn_blocking(move || Engine::open(&state_dir, settings))
        .await
        .map_err(|e| DaemonError::Io(e.to_string()))??;
    // The inbox opens before the bus name is taken, so a folder another watcher holds stops
    // the start with its reason instead of a half-working daemon.
    let inbox = match inbox {
        Some(settings) => Some(
            tokio::task::spawn_blocking(move || crate::watch::intake::Inbox::open(settings))
                .await
                .map_err(|e| DaemonError::Io(e.to_string()))??,
        ),
        None => None,
    };
    let (inbox_status, inbox_watch) = tokio::sync::watch::channel(crate::watch::service::Status {
        folder: inbox
            .as_ref()
            .map(|i| i.layout.root.clone())
            .unwrap_or_default(),
        counts: inbox
            .as_ref()
            .and_then(|i| i.counts().ok())
            .unwrap_or_default(),
    });
    let conn = publish::serve(options.bus, &engine, inbox_watch.clone())
        .await
        .map_err(|e| DaemonError::Bus {
            name: crate::bus::NAME,
            bus: options.bus.name(),
            reason: match e {
                zbus::Error::NameTaken => "another reel daemon already has it".into(),
                other => other.to_string(),
            },
        })?;

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let shutdown = move || {
        let mut rx = shutdown_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    let runner = tokio::spawn({
        let engine = engine.clone();
        let shutdown = shutdown();
        async move { engine.run(shutdown).await }
    });
    let publisher = tokio::spawn(publish::run(
        conn.clone(),
        engine.clone(),
        inbox_watch,
        shutdown(),
    ));
    let watcher = inbox.map(|inbox| {
        tracing::info!(folder = %inbox.layout.root.display(), "watching the inbox");
        tokio::spawn(crate::watch::service::run(
            engine.clone(),
            inbox,
            inbox_status,
            shutdown(),
        ))
    });
    let notifier = std::sync::Arc::new(notifier);
    let supervisor = tokio::spawn({
        let engine = engine.clone();
        let notifier = notifier.clone();
        let shutdown = shutdown();
        async move {
            let status_of = |engine: &Engine| {
                let c = engine.counts();
                format!("{} running, {} queued", c.running, c.queued)
            };
            let mut last = String::new();
            let watched = engine.clone();
            engine
                .supervise(shutdown, move || {
                    notifier.ping();
                    let status = status_of(&watched);
                    if status != last {
                        notifier.status(&status);
                        last = status;
                    }
                })
                .await
        }
    });

    let counts = engine.counts();
    tracing::info!(
        bus = options.bus.name(),
        state = %options.state_dir.display(),
        queued = counts.queued,
        "ready"
    );
    notifier.ready(&format!("{} queued", counts.queued));
    wait_for_stop(&engine, &options, &models, &notifier, stop).await;

    tracing::info!("stopping: interrupting running stages");
    notifier.stopping();
    let _ = shutdown_tx.send(true);
    let _ = runner.await;
    let _ = supervisor.await;
    let _ = publisher.await;
    if let Some(watcher) = watcher {
        let _ = watcher.await;
    }
    drop(conn);
    engine
        .store()
        .flush()
        .map_err(|e| DaemonError::Io(e.to_string()))?;
    tracing::info!("stopped");
    Ok(())
}

/// Until SIGTERM, SIGINT or `stop`; SIGHUP reloads the config in between.
async fn wait_for_stop(
    engine: &Engine,
    options: &Options,
    models: &config::ModelPaths,
    notifier: &Notifier,
    stop: impl Future<Output = ()>,
) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot listen for signals; stopping only on request");
        stop.await;
        return;
    };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = term.recv() => return,
            _ = int.recv() => return,
            _ = &mut stop => return,
            _ = hup.recv() => {
                notifier.reloading();
                reload(engine, options, models);
                notifier.ready("reloaded");
            }
        }
    }
}

fn reload(engine: &Engine, options: &Options, models: &config::ModelPaths) {
    match config::load(options.config.as_deref(), &options.state_dir) {
        Ok(loaded) => {
            log_config(&loaded.settings, &loaded.files);
            if loaded.models != *models {
                tracing::warn!("onnxruntime and models_dir take effect at the next start");
            }
            engine.reconfigure(loaded.settings);
        }
        Err(err) => tracing::error!(%err, "config not reloaded; keeping the old one"),
    }
}

/// Where models come from, and the provider they get, said once at start (loading the
/// runtime early also makes a missing library show in the log at once, not at the first job).
fn log_models(models: &config::ModelPaths) {
    let registry = crate::models::Registry::locate();
    tracing::info!(models = %registry.dir().display(), "model folder");
    if let Some(path) = &models.onnxruntime {
        tracing::info!(path = %path.display(), "ONNX Runtime from the config");
    }
    if let Err(err) = crate::models::providers(&registry) {
        tracing::warn!(%err, "ONNX models cannot run; jobs that need one fail until this is fixed");
    }
}

fn log_config(settings: &Settings, files: &[PathBuf]) {
    let files: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    tracing::info!(
        files = %if files.is_empty() { "(none: defaults)".to_string() } else { files.join(", ") },
        workers = settings.workers,
        stall_timeout_s = settings.stall_timeout.as_secs_f64(),
        outbox = %settings.outbox.display(),
        profiles = %settings.profiles.join(","),
        "config"
    );
}
