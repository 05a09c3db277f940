//! `reel projects ...`: list, show, edit and render the daemon's stored projects.

use super::cli::follow;
use super::client::{explain, Client, ClientError};
use super::Bus;
use crate::project::edit::Edit;
use std::collections::HashMap;

/// One project: what it is, its revision, its scenes and its edits.
pub async fn show_project(bus: Bus, id: &str) -> Result<(), ClientError> {
    let client = Client::connect(bus).await?;
    let project = client.project(client.find_project(id).await?).await?;
    let e = explain;
    println!("id        {}", project.id().await.map_err(e)?);
    println!("name      {}", project.name().await.map_err(e)?);
    println!("title     {}", project.title().await.map_err(e)?);
    println!("format    {}", project.format().await.map_err(e)?);
    println!("source    {}", project.source().await.map_err(e)?);
    println!("revision  {}", project.revision().await.map_err(e)?);
    println!(
        "voices    {}",
        project.characters().await.map_err(e)?.join(", ")
    );
    println!("scenes");
    for (number, heading, lines, seconds, _) in project.scenes().await.map_err(e)? {
        println!("  {number:>3}  {lines:>2} lines  ~{seconds:>5.1} s  {heading}");
    }
    let history = project.history().await.map_err(e)?;
    if !history.is_empty() {
        println!("edits");
        for (revision, micros, what) in history {
            println!(
                "  {revision:>3}  {}  {what}",
                super::cli::utc(micros / 1_000_000)
            );
        }
    }
    Ok(())
}

/// Makes one edit and prints the revision it made.
pub async fn edit_project(bus: Bus, id: &str, edit: Edit) -> Result<(), ClientError> {
    let client = Client::connect(bus).await?;
    let project = client.project(client.find_project(id).await?).await?;
    let revision = match &edit {
        Edit::Line { scene, line, text } => project.set_line(*scene, *line, text).await,
        Edit::Action { scene, text } => project.set_action(*scene, text).await,
        Edit::Picture { scene, path } => {
            let path = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            project.set_picture(*scene, &path.to_string_lossy()).await
        }
        Edit::Motion { scene, motion } => project.set_motion(*scene, motion).await,
        Edit::Transition { scene, kind } => project.set_transition(*scene, kind).await,
        Edit::Duration { scene, seconds } => project.set_duration(*scene, *seconds).await,
        Edit::AddScene { after, action } => project.add_scene(*after, action).await,
        Edit::RemoveScene { scene } => project.remove_scene(*scene).await,
        Edit::MoveScene { scene, to } => project.move_scene(*scene, *to).await,
        Edit::Voice {
            character,
            voice,
            rate,
        } => project.set_voice(character, voice, *rate).await,
    }
    .map_err(explain)?;
    println!("revision {revision}: {}", edit.describe());
    Ok(())
}

/// Queues a render of the project as it is now and prints the job's id; with `wait`, follows
/// it to the end. Returns whether the job is done (or was queued, without `wait`).
pub async fn render_project(
    bus: Bus,
    id: &str,
    wait: bool,
    quiet: bool,
) -> Result<bool, ClientError> {
    let client = Client::connect(bus).await?;
    let project = client.project(client.find_project(id).await?).await?;
    let path = project.render(HashMap::new()).await.map_err(explain)?;
    let job = client.job(path).await?;
    println!("queued {}", job.id().await.map_err(explain)?);
    if !wait {
        return Ok(true);
    }
    follow(&job, quiet).await
}
