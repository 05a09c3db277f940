//! Runs one job's stages in order on the calling (blocking) thread. A stage already done in an
//! earlier run is skipped when its saved result and every file it made are unchanged; the
//! render stage also skips each profile whose finished file is intact. So a job killed in the
//! middle of encoding goes on from the encode, with speech, cards and mix reused.

use super::artifacts;
use super::model::{Artifact, FootageOptions, Job, StageName, StageState};
use crate::footage::beats::Grid;
use crate::footage::edit::{self, PlannedEdit, Probed};
use crate::footage::reframe::Reframed;
use crate::footage::shots::Shots;
use crate::footage::transcribe::Heard;
use crate::plan::from_project::Speech;
use crate::plan::timeline::Source;
use crate::render::audio::Mix;
use crate::render::profile::Profile;
use crate::render::stages::{self, Parsed, Planned};
use crate::render::{output, Cache, Cancel, Destination, Output, Progress, RenderError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The kind of a render stage's record of its segments (`segments-<profile>.json`).
pub const SEGMENTS: &str = "segments";

/// Where the engine hears about a running job.
pub trait Tracker {
    /// `stage` starts; `keep` keeps the artifacts it has (the render stage's finished files).
    fn start(&mut self, stage: StageName, keep: bool);
    /// Progress 0–1 within `stage`.
    fn progress(&mut self, stage: StageName, fraction: f64);
    /// Adds `artifacts` to `stage` and, when `done`, marks it done: one store transaction.
    fn record(
        &mut self,
        stage: StageName,
        artifacts: Vec<Artifact>,
        done: bool,
    ) -> Result<(), RenderError>;
}

/// What a job needs besides its own record.
pub struct Context<'a> {
    /// The job's own folder, for stage results.
    pub dir: &'a Path,
    pub output_dir: &'a Path,
    pub profiles: &'a [Profile],
    pub cache: &'a Cache,
    pub cancel: &'a Cancel,
    /// The stored script of the project revision the job renders, read instead of its input.
    pub script: Option<&'a stages::Script>,
    /// `max_video_seconds`: a plan that runs longer (its speech longer than the script's
    /// estimate, which was checked when it was queued) fails before anything is rendered.
    pub longest: Option<f64>,
}

/// Runs what is left of `job`; returns the rendered files.
pub fn run(
    job: &Job,
    ctx: &Context,
    tracker: &mut dyn Tracker,
) -> Result<Vec<PathBuf>, RenderError> {
    // Every stage may touch GStreamer (probing pictures, speech, mixing); start it first.
    crate::render::pipeline::init()?;
    if let Some(footage) = &job.options.footage {
        return run_footage(job, footage, ctx, tracker);
    }
    let options = job.options.render_options();
    let parsed: Parsed = stage(job, StageName::Parse, ctx, tracker, |_| {
        let parsed = match ctx.script {
            Some(script) => Parsed::Script(script.clone()),
            None => stages::read(&job.input, options)?,
        };
        Ok((parsed, Vec::new()))
    })?;
    let speech: Vec<Vec<Speech>> = stage(job, StageName::Voice, ctx, tracker, |tracker| {
        let Parsed::Script(script) = &parsed else {
            return Ok((Vec::new(), Vec::new()));
        };
        // Read per job: a model activated while the daemon runs is used from the next job on.
        let engine = options.voice_engine();
        let speech = stages::speak(
            script,
            &engine,
            ctx.cache,
            ctx.cancel,
            &mut reporter(tracker, StageName::Voice),
        )?;
        let files = speech
            .iter()
            .flatten()
            .map(|s| artifact("speech", &s.path))
            .collect::<Result<_, _>>()?;
        Ok((speech, files))
    })?;
    let visuals: Vec<Source> = stage(job, StageName::Visuals, ctx, tracker, |_| {
        let Parsed::Script(script) = &parsed else {
            return Ok((Vec::new(), Vec::new()));
        };
        let visuals = stages::visuals(script);
        // Title cards are typeset here, once per profile size, so the render stage finds them.
        let mut cards = Vec::new();
        for source in &visuals {
            for profile in ctx.profiles {
                ctx.cancel.check()?;
                if let Some(card) = output::card_image(source, profile, ctx.cache)? {
                    cards.push(artifact("card", &card)?);
                }
            }
        }
        Ok((visuals, cards))
    })?;
    let planned: Planned = stage(job, StageName::Plan, ctx, tracker, |_| {
        let planned = match &parsed {
            Parsed::Script(script) => stages::plan(script, &speech, visuals.clone())?,
            Parsed::Spec(planned) => {
                stages::check_media(planned)?;
                planned.clone()
            }
        };
        let seconds = planned.timeline.duration();
        if let Some(longest) = ctx.longest.filter(|&longest| seconds > longest) {
            return Err(RenderError::Input {
                path: job.input.clone(),
                message: format!(
                    "over quota: max_video_seconds = {longest}: the planned video runs {seconds:.1} s"
                ),
            });
        }
        Ok((planned, Vec::new()))
    })?;
    mix_and_render(job, ctx, tracker, &planned)
}

/// A footage job: probe, shots, transcribe, beats, plan, reframe, music, render.
fn run_footage(
    job: &Job,
    footage: &FootageOptions,
    ctx: &Context,
    tracker: &mut dyn Tracker,
) -> Result<Vec<PathBuf>, RenderError> {
    let options = footage.edit_options();
    let sources = job.inputs();
    let probed: Probed = stage(job, StageName::Probe, ctx, tracker, |tracker| {
        let probed = edit::probe_all(&sources, &options, &mut reporter(tracker, StageName::Probe))?;
        Ok((probed, Vec::new()))
    })?;
    let shots: Vec<Shots> = stage(job, StageName::Shots, ctx, tracker, |tracker| {
        let mut progress = reporter(tracker, StageName::Shots);
        let shots = edit::find_shots(
            &probed,
            ctx.output_dir,
            ctx.cache,
            ctx.cancel,
            &mut progress,
        )?;
        let mut files = Vec::new();
        for found in &shots {
            for shot in &found.shots {
                files.push(artifact("thumbnail", &shot.thumbnail)?);
            }
            files.push(artifact("contact-sheet", &found.contact_sheet)?);
        }
        Ok((shots, files))
    })?;
    let heard: Vec<Heard> = stage(job, StageName::Transcribe, ctx, tracker, |tracker| {
        let mut progress = reporter(tracker, StageName::Transcribe);
        let heard = edit::hear_all(&probed, ctx.cache, ctx.cancel, &mut progress)?;
        Ok((heard, Vec::new()))
    })?;
    let grid: Option<Grid> = stage(job, StageName::Beats, ctx, tracker, |tracker| {
        let grid = edit::beat_grid(
            &options,
            ctx.cancel,
            &mut reporter(tracker, StageName::Beats),
        )?;
        Ok((grid, Vec::new()))
    })?;
    let analysis = edit::Analysis {
        probed,
        shots,
        heard,
        grid,
    };
    let planned: PlannedEdit = stage(job, StageName::Plan, ctx, tracker, |tracker| {
        let mut progress = reporter(tracker, StageName::Plan);
        let planned = edit::plan(&analysis, &options, ctx.cache, ctx.cancel, &mut progress)?;
        let files = planned
            .sound
            .iter()
            .map(|path| artifact("sound", path))
            .collect::<Result<_, _>>()?;
        Ok((planned, files))
    })?;
    let _reframed: Vec<Reframed> = stage(job, StageName::Reframe, ctx, tracker, |tracker| {
        let output = Output::Folder(ctx.output_dir.to_path_buf());
        let destination = Destination {
            named_after: &job.input,
            profiles: ctx.profiles,
            output: &output,
            variation: job.options.variation,
        };
        let mut progress = reporter(tracker, StageName::Reframe);
        let reframed = edit::reframe_all(&analysis, &planned, &destination, &mut progress)?;
        let files = reframed
            .iter()
            .map(|r| artifact("reframe", &r.file))
            .collect::<Result<_, _>>()?;
        Ok((reframed, files))
    })?;
    mix_and_render(job, ctx, tracker, &planned.planned)
}

/// The last two stages of every job: the sound track, then every profile's file.
fn mix_and_render(
    job: &Job,
    ctx: &Context,
    tracker: &mut dyn Tracker,
    planned: &Planned,
) -> Result<Vec<PathBuf>, RenderError> {
    let planned = &stages::on_frames(planned.clone(), ctx.profiles);
    let mix: Mix = stage(job, StageName::Music, ctx, tracker, |tracker| {
        let mix = stages::mix(
            planned,
            ctx.cache,
            ctx.cancel,
            &mut reporter(tracker, StageName::Music),
        )?;
        let file = artifact("mix", &mix.path)?;
        Ok((mix, vec![file]))
    })?;
    render(job, ctx, tracker, planned, &mix)
}

/// Runs `work` for stage `name` unless an earlier run finished it and its files are intact;
/// saves its result as the stage's first artifact.
fn stage<T: Serialize + DeserializeOwned>(
    job: &Job,
    name: StageName,
    ctx: &Context,
    tracker: &mut dyn Tracker,
    work: impl FnOnce(&mut dyn Tracker) -> Result<(T, Vec<Artifact>), RenderError>,
) -> Result<T, RenderError> {
    if let Some(previous) = job.stage(name).filter(|s| s.state == StageState::Done) {
        if let Some(value) = artifacts::load(&previous.artifacts) {
            tracing::info!(stage = %name, "reusing the finished stage");
            return Ok(value);
        }
        tracing::warn!(stage = %name, "a file of the finished stage changed: doing it again");
    }
    ctx.cancel.check()?;
    tracker.start(name, false);
    let (value, made) = work(tracker)?;
    let saved =
        artifacts::save(ctx.dir, name.as_str(), &value).map_err(|e| RenderError::io(ctx.dir, e))?;
    let mut all = vec![saved];
    all.extend(made);
    tracker.record(name, all, true)?;
    Ok(value)
}

/// Every profile's file, skipping those an earlier run finished.
fn render(
    job: &Job,
    ctx: &Context,
    tracker: &mut dyn Tracker,
    planned: &Planned,
    mix: &Mix,
) -> Result<Vec<PathBuf>, RenderError> {
    let finished: Vec<&Artifact> = job
        .stage(StageName::Render)
        .into_iter()
        .flat_map(|s| &s.artifacts)
        .filter(|a| a.kind == "output" && artifacts::intact(a))
        .collect();
    tracker.start(StageName::Render, true);
    let folder = Output::Folder(ctx.output_dir.to_path_buf());
    let count = ctx.profiles.len().max(1) as f64;
    let mut outputs = Vec::new();
    for (index, profile) in ctx.profiles.iter().enumerate() {
        let path = folder.path_for(&job.input, profile, false, job.options.variation);
        // A killed run may have left temp files of this profile's video or subtitles.
        for leftover in artifacts::leftovers(&path) {
            let _ = std::fs::remove_file(leftover);
        }
        if finished.iter().any(|a| a.path == path) {
            tracing::info!(profile = %profile.name, "reusing the finished file");
            outputs.push(path);
            continue;
        }
        let mut total = 1.0;
        let mut progress = |event: Progress| match event {
            Progress::Stage { total: t, .. } => total = t.max(1e-9),
            Progress::Advance(done) => tracker.progress(
                StageName::Render,
                (index as f64 + (done / total).clamp(0.0, 1.0)) / count,
            ),
        };
        let rendered = output::render_profile(
            planned,
            profile,
            &mix.path,
            &path,
            ctx.cache,
            ctx.cancel,
            &mut progress,
        )?;
        let mut files = vec![artifact("output", &rendered.path)?];
        for subtitle in &rendered.subtitles {
            files.push(artifact("subtitles", subtitle)?);
        }
        if !rendered.segments.is_empty() {
            // Which segments this run encoded and which it reused, for `Job.Segments`.
            let name = format!("segments-{}", profile.name);
            let mut list = artifacts::save(ctx.dir, &name, &rendered.segments)
                .map_err(|e| RenderError::io(ctx.dir, e))?;
            list.kind = SEGMENTS.into();
            files.push(list);
            tracing::info!(profile = %profile.name, "{}", crate::render::segments::summary(&rendered.segments));
        }
        tracker.record(StageName::Render, files, false)?;
        outputs.push(rendered.path);
    }
    let otio = timeline_export(planned, ctx, &outputs)?;
    tracker.record(StageName::Render, otio.into_iter().collect(), true)?;
    Ok(outputs)
}

/// The cut as an OpenTimelineIO file beside the first video (`<name>.otio`), at the first
/// profile's rate, so an editor can take the job's timeline on.
fn timeline_export(
    planned: &Planned,
    ctx: &Context,
    outputs: &[PathBuf],
) -> Result<Option<Artifact>, RenderError> {
    let (Some(first), Some(profile)) = (outputs.first(), ctx.profiles.first()) else {
        return Ok(None);
    };
    let path = first.with_extension("otio");
    crate::render::otio::write(&planned.timeline, f64::from(profile.fps), &path)
        .map_err(|e| RenderError::io(&path, e))?;
    artifact(OTIO, &path).map(Some)
}

/// The artifact kind of a job's OpenTimelineIO export.
pub const OTIO: &str = "otio";

fn artifact(kind: &str, path: &Path) -> Result<Artifact, RenderError> {
    artifacts::record(kind, path).map_err(|e| RenderError::io(path, e))
}

/// Turns the render functions' progress events into a fraction of `stage`.
fn reporter(tracker: &mut dyn Tracker, stage: StageName) -> impl FnMut(Progress) + '_ {
    let mut total = 1.0;
    move |event| match event {
        Progress::Stage { total: t, .. } => {
            total = t.max(1e-9);
            tracker.progress(stage, 0.0);
        }
        Progress::Advance(done) => tracker.progress(stage, (done / total).clamp(0.0, 1.0)),
    }
}
