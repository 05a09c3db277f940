//! The CLI's daemon commands (`reel submit`, `reel jobs`, `reel projects`, `reel health`): a
//! D-Bus client like any other, printing for people.

use super::client::{explain, Client, ClientError};
use super::proxy::JobProxy;
use super::Bus;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::path::PathBuf;
use zbus::zvariant::Value;

/// What `reel submit` sends.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// A script or spec file, or `-` for script text on standard input.
    pub input: PathBuf,
    pub profiles: Vec<String>,
    pub output: Option<PathBuf>,
    pub priority: Option<i32>,
    pub narrate_action: bool,
    pub variation: Option<u32>,
    /// 1.0 is the voice's own pace.
    pub speech_rate: Option<f64>,
}

/// Submits, prints the job's id, and with `wait` follows it to the end with a progress bar.
/// Returns whether the job is done (or was queued, without `wait`).
pub async fn submit(
    bus: Bus,
    submission: Submission,
    wait: bool,
    quiet: bool,
) -> Result<bool, ClientError> {
    let client = Client::connect(bus).await?;
    let manager = client.manager().await?;
    let mut options: HashMap<&str, Value> = HashMap::new();
    if !submission.profiles.is_empty() {
        options.insert("profiles", Value::from(submission.profiles.clone()));
    }
    if let Some(dir) = &submission.output {
        options.insert(
            "output",
            Value::from(absolute(dir).to_string_lossy().into_owned()),
        );
    }
    if let Some(priority) = submission.priority {
        options.insert("priority", Value::from(priority));
    }
    if submission.narrate_action {
        options.insert("narrate-action", Value::from(true));
    }
    if let Some(variation) = submission.variation {
        options.insert("variation", Value::from(variation));
    }
    if let Some(rate) = submission.speech_rate {
        options.insert("speech-rate", Value::from(rate));
    }
    let path = if submission.input.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| ClientError::Bus(format!("standard input: {e}")))?;
        manager.submit_script(&text, options).await
    } else {
        let file = absolute(&submission.input);
        let file_text = file.to_string_lossy().into_owned();
        if crate::plan::spec::is_spec(&file) {
            manager.submit_spec(&file_text, options).await
        } else if crate::footage::is_footage_name(&file_text) {
            manager.submit_footage(&[&file_text], options).await
        } else {
            manager.submit_script(&file_text, options).await
        }
    }
    .map_err(explain)?;
    let job = client.job(path).await?;
    let id = job.id().await.map_err(explain)?;
    println!("{id}");
    if !wait {
        return Ok(true);
    }
    follow(&job, quiet).await
}

fn absolute(path: &std::path::Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Shows the job's progress from PropertiesChanged until it ends; prints its files or error.
pub async fn follow(job: &JobProxy<'_>, quiet: bool) -> Result<bool, ClientError> {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(1000)
    };
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {percent:>3}% {elapsed_precise}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    // Subscribe first, then read, so no change falls between the two.
    let mut states = job.receive_state_changed().await;
    let mut progress = job.receive_progress_changed().await;
    let mut stages = job.receive_stage_changed().await;
    let mut state = job.state().await.map_err(explain)?;
    bar.set_position((job.progress().await.map_err(explain)? * 1000.0) as u64);
    bar.set_message(job.stage().await.map_err(explain)?);
    while !is_final(&state) {
        tokio::select! {
            Some(change) = states.next() => {
                if let Ok(now) = change.get().await { state = now; }
            }
            Some(change) = progress.next() => {
                if let Ok(p) = change.get().await { bar.set_position((p * 1000.0) as u64); }
            }
            Some(change) = stages.next() => {
                if let Ok(stage) = change.get().await { bar.set_message(stage); }
            }
            else => break,
        }
    }
    bar.finish_and_clear();
    let state = job.state().await.map_err(explain)?;
    match state.as_str() {
        "done" => {
            for output in job.outputs().await.map_err(explain)? {
                println!("wrote {output}");
            }
            Ok(true)
        }
        "failed" => {
            eprintln!("error: job failed: {}", job.error().await.map_err(explain)?);
            Ok(false)
        }
        other => {
            eprintln!("job {other}");
            Ok(false)
        }
    }
}

fn is_final(state: &str) -> bool {
    matches!(state, "done" | "failed" | "cancelled")
}

pub async fn list_jobs(bus: Bus) -> Result<(), ClientError> {
    let client = Client::connect(bus).await?;
    let jobs = client.manager().await?.list_jobs().await.map_err(explain)?;
    if jobs.is_empty() {
        println!("no jobs");
        return Ok(());
    }
    println!(
        "{:26}  {:9}  {:7}  {:>4}  NAME",
        "ID", "STATE", "STAGE", "DONE"
    );
    for (_, id, name, state, stage, progress) in jobs {
        println!(
            "{id:26}  {state:9}  {stage:7}  {:>3}%  {name}",
            (progress * 100.0).floor()
        );
    }
    Ok(())
}

pub async fn show_job(bus: Bus, id: &str) -> Result<(), ClientError> {
    let client = Client::connect(bus).await?;
    let job = client.job(client.find_job(id).await?).await?;
    let e = explain;
    println!("id        {}", job.id().await.map_err(e)?);
    println!("name      {}", job.name().await.map_err(e)?);
    println!("input     {}", job.input().await.map_err(e)?);
    println!("state     {}", job.state().await.map_err(e)?);
    println!("progress  {:.0}%", job.progress().await.map_err(e)? * 100.0);
    println!("profiles  {}", job.profiles().await.map_err(e)?.join(", "));
    println!("attempts  {}", job.attempts().await.map_err(e)?);
    for (label, micros) in [
        ("created ", job.created_at().await.map_err(e)?),
        ("started ", job.started_at().await.map_err(e)?),
        ("finished", job.finished_at().await.map_err(e)?),
    ] {
        if micros > 0 {
            println!("{label}  {}", utc(micros / 1_000_000));
        }
    }
    let error = job.error().await.map_err(e)?;
    if !error.is_empty() {
        println!("error     {error}");
    }
    println!("stages");
    for (name, state, progress, seconds) in job.stages().await.map_err(e)? {
        println!(
            "  {name:8} {state:11} {:>3.0}%  {seconds:.1} s",
            progress * 100.0
        );
    }
    let segments = job.segments().await.map_err(e)?;
    for (profile, tally) in crate::render::segments::tallies(&segments) {
        println!("segments  {profile}: {tally}");
    }
    for output in job.outputs().await.map_err(e)? {
        println!("output    {output}");
    }
    Ok(())
}

pub async fn cancel_job(bus: Bus, id: &str) -> Result<(), ClientError> {
    let client = Client::connect(bus).await?;
    let job = client.job(client.find_job(id).await?).await?;
    job.cancel().await.map_err(explain)?;
    println!("cancelling {}", job.id().await.map_err(explain)?);
    Ok(())
}

pub async fn retry_job(bus: Bus, id: &str, wait: bool) -> Result<bool, ClientError> {
    let client = Client::connect(bus).await?;
    let job = client.job(client.find_job(id).await?).await?;
    job.retry().await.map_err(explain)?;
    println!("queued {} again", job.id().await.map_err(explain)?);
    if wait {
        return follow(&job, false).await;
    }
    Ok(true)
}

pub async fn list_projects(bus: Bus) -> Result<(), ClientError> {
    let client = Client::connect(bus).await?;
    let projects = client
        .manager()
        .await?
        .list_projects()
        .await
        .map_err(explain)?;
    if projects.is_empty() {
        println!("no projects");
        return Ok(());
    }
    println!("{:26}  {:8}  {:>6}  NAME", "ID", "FORMAT", "SCENES");
    for (_, id, name, format, scenes) in projects {
        println!("{id:26}  {format:8}  {scenes:>6}  {name}");
    }
    Ok(())
}

pub async fn health(bus: Bus) -> Result<(), ClientError> {
    let client = Client::connect(bus).await?;
    let health = client
        .manager()
        .await?
        .get_health()
        .await
        .map_err(explain)?;
    let mut keys: Vec<&String> = health.keys().collect();
    keys.sort();
    println!("reel daemon on the {} bus", client.bus.name());
    for key in keys {
        let value: &Value = &health[key];
        let text = match value {
            Value::Str(s) => s.to_string(),
            Value::F64(f) => format!("{f:.1}"),
            Value::U32(n) => n.to_string(),
            Value::U64(n) => n.to_string(),
            other => other.to_string(),
        };
        println!("{key:22} {text}");
    }
    Ok(())
}

/// The daemon's models (its own folder may differ from this user's), and where they run.
pub async fn list_models(bus: Bus) -> Result<(), ClientError> {
    let client = Client::connect(bus).await?;
    let manager = client.manager().await?;
    let models = manager.list_models().await.map_err(explain)?;
    let health = manager.get_health().await.map_err(explain)?;
    let text = |key: &str| match health.get(key).map(|v| &**v) {
        Some(Value::Str(s)) => s.to_string(),
        _ => String::new(),
    };
    println!(
        "models folder of the {} daemon: {}",
        bus.name(),
        text("models-folder")
    );
    println!("{:24} {:5} {:9}  DESCRIPTION", "ID", "TASK", "STATE");
    for (id, task, state, description) in models {
        let state = if state == "available" { "-" } else { &state };
        println!("{id:24} {task:5} {state:9}  {description}");
    }
    match text("onnxruntime-error") {
        error if !error.is_empty() => println!("ONNX Runtime: {error}"),
        _ => {
            let why = text("cuda-fallback");
            crate::models::cli::print_runtime(
                &text("onnxruntime-version"),
                &text("onnxruntime"),
                &text("execution-provider"),
                Some(why.as_str()).filter(|w| !w.is_empty()),
            )
        }
    }
    Ok(())
}

/// A change to the installed models, made by the daemon when one runs.
#[derive(Debug, Clone, Copy)]
pub enum ModelChange<'a> {
    Install(&'a str),
    Activate(&'a str),
    Remove(&'a str),
}

/// Makes `change` through the daemon, so that it acts on the daemon's own models folder and
/// frees a replaced model's memory at once. `Ok(false)` when no daemon runs on the session bus:
/// the caller then changes the folder itself. The system daemon's folder is its own, so on
/// the system bus a running daemon is required.
pub async fn change_models(bus: Bus, change: ModelChange<'_>) -> Result<bool, ClientError> {
    let client = match Client::connect(bus).await {
        Ok(client) => client,
        Err(ClientError::NoDaemon { .. } | ClientError::NoBus { .. }) if bus == Bus::Session => {
            return Ok(false)
        }
        Err(err) => return Err(err),
    };
    let manager = client.manager().await?;
    match change {
        ModelChange::Install(id) => manager.install_model(id).await,
        ModelChange::Activate(id) => manager.activate_model(id).await,
        ModelChange::Remove(id) => manager.remove_model(id).await,
    }
    .map_err(explain)?;
    Ok(true)
}

/// One consent record as `reel consent list` prints it.
pub struct ConsentRow {
    pub id: String,
    pub person: String,
    pub portrait: String,
    pub purpose: String,
    pub until: String,
    pub signed_by: String,
    pub in_force: bool,
}

impl ConsentRow {
    /// A record as listed on `today` (YYYY-MM-DD).
    pub fn of(record: crate::consent::Record, today: &str) -> ConsentRow {
        ConsentRow {
            in_force: record.in_force(today),
            id: record.id,
            person: record.person,
            portrait: record.portrait,
            purpose: record.purpose,
            until: record.until.unwrap_or_default(),
            signed_by: record.signed_by,
        }
    }
}

pub fn print_consents(rows: &[ConsentRow]) {
    if rows.is_empty() {
        println!("no consent records");
        return;
    }
    println!(
        "{:26}  {:8}  {:10}  {:20}  {:18}  PURPOSE (SIGNED BY)",
        "ID", "STATE", "UNTIL", "PERSON", "PORTRAIT"
    );
    for r in rows {
        let state = if r.in_force { "in force" } else { "ended" };
        let until = if r.until.is_empty() { "-" } else { &r.until };
        println!(
            "{:26}  {state:8}  {until:10}  {:20}  {:18}  {} ({})",
            r.id, r.person, r.portrait, r.purpose, r.signed_by
        );
    }
}

/// What `reel consent` asks of a daemon.
pub enum ConsentChange {
    Add {
        portrait: std::path::PathBuf,
        person: String,
        purpose: String,
        signed_by: String,
        until: String,
    },
    List,
    Revoke(String),
}

pub async fn consent(bus: Bus, change: ConsentChange) -> Result<(), ClientError> {
    let client = Client::connect(bus).await?;
    let manager = client.manager().await?;
    match change {
        ConsentChange::Add {
            portrait,
            person,
            purpose,
            signed_by,
            until,
        } => {
            let id = manager
                .add_consent(
                    &portrait.to_string_lossy(),
                    &person,
                    &purpose,
                    &until,
                    &signed_by,
                )
                .await
                .map_err(explain)?;
            println!("{id}");
        }
        ConsentChange::List => {
            let rows = manager.list_consents().await.map_err(explain)?;
            let rows: Vec<ConsentRow> = rows
                .into_iter()
                .map(
                    |(id, person, portrait, purpose, until, signed_by, in_force)| ConsentRow {
                        id,
                        person,
                        portrait,
                        purpose,
                        until,
                        signed_by,
                        in_force,
                    },
                )
                .collect();
            print_consents(&rows);
        }
        ConsentChange::Revoke(id) => {
            manager.revoke_consent(&id).await.map_err(explain)?;
            println!("{id}: revoked by the {} daemon", bus.name());
        }
    }
    Ok(())
}

/// `YYYY-MM-DD HH:MM:SS UTC` for seconds since the epoch.
pub(crate) fn utc(seconds: u64) -> String {
    let (year, month, day) = crate::consent::civil_from_days((seconds / 86_400) as i64);
    let rest = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::utc(1_795_000_000), "2026-11-18 11:06:40 UTC");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
