//! Renders a timeline as segments and joins them: each stretch shown by one clip, and each
//! transition, is encoded on its own (closed GOPs, the profile's settings, timed from 0) into
//! the cache under a key of everything it shows ([`part::key`]); a render encodes only the
//! segments whose keys are not there yet, on several workers when the machine has cores to
//! spare, and [`join`] puts them together without re-encoding, with the sound track encoded
//! once for the whole timeline so loudness and ducking run on across the joins.

pub mod join;
pub mod part;
pub mod split;

use super::cache::{self, Cache};
use super::error::RenderError;
use super::graph::{self, ClipMedia};
use super::pipeline::{self, Cancel};
use super::profile::Profile;
use crate::plan::timeline::Timeline;
use serde::{Deserialize, Serialize};
use split::Segment;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

/// Workers asked for (config `segment_workers`); 0 lets [`workers`] choose.
static WORKERS: AtomicUsize = AtomicUsize::new(0);
/// Whether renders skip segments and draw the timeline in one graph.
static ONE_PASS: AtomicBool = AtomicBool::new(false);

/// Renders from now on draw every timeline in one graph (`true`) or in segments.
pub fn set_one_pass(one_pass: bool) {
    ONE_PASS.store(one_pass, Ordering::Relaxed);
}

/// Sets how many segments render at once (0: one per two cores).
pub fn set_workers(count: usize) {
    WORKERS.store(count, Ordering::Relaxed);
}

/// How many segments render at once: as set, or one per two cores (each encoder then has two
/// threads, and a single worker keeps every core when the machine has two).
pub fn workers() -> usize {
    match WORKERS.load(Ordering::Relaxed) {
        0 => (encoder_cores() / 2).max(1),
        n => n,
    }
}

fn encoder_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// What became of one segment in a render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRun {
    /// `clip 3`, or `clips 3+4` for a transition.
    pub label: String,
    pub first_frame: u64,
    pub frames: u64,
    /// Encoded in this render (false: reused from an earlier one).
    pub encoded: bool,
}

/// Names an error of a clip's branch by the clip (a timeline index).
pub type Blame<'a> = dyn Fn(RenderError, usize) -> RenderError + Sync + 'a;

/// Everything a segmented render reads.
pub struct Job<'a> {
    pub timeline: &'a Timeline,
    pub media: &'a [ClipMedia],
    pub profile: &'a Profile,
    pub mix: &'a Path,
    pub cache: &'a Cache,
    pub blame: &'a Blame<'a>,
}

/// Renders `job` into `output` through segments, reporting the fraction done (0–1). `None`
/// when the timeline cannot be split (some frames show no clip): render it in one piece.
pub fn render(
    job: &Job,
    output: &Path,
    cancel: &Cancel,
    progress: &mut dyn FnMut(f64),
) -> Result<Option<Vec<SegmentRun>>, RenderError> {
    let fps = job.profile.fps;
    if ONE_PASS.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let Some(segments) = split::split(job.timeline, fps) else {
        return Ok(None);
    };
    let parts: Vec<(part::Part, PathBuf)> = segments
        .iter()
        .map(|segment| {
            let part = part::part(job.timeline, job.media, segment, fps);
            let key = part::key(&part, segment, job.profile);
            let path = job.cache.path("segments", &[&key], "mp4");
            (part, path)
        })
        .collect();
    if let Some(dir) = parts.first().and_then(|(_, path)| path.parent()) {
        sweep_dead_writers(dir);
    }
    let missing: Vec<usize> = (0..segments.len())
        .filter(|&i| !parts[i].1.is_file())
        .collect();
    for &i in &missing {
        tracing::info!(segment = %segments[i].label(), "encoding");
    }
    encode_missing(job, &segments, &parts, &missing, cancel, progress)?;
    let files: Vec<PathBuf> = parts.iter().map(|(_, path)| path.clone()).collect();
    join::join(&files, job.timeline, job.profile, job.mix, output, cancel)?;
    progress(1.0);
    Ok(Some(
        segments
            .iter()
            .enumerate()
            .map(|(i, s)| SegmentRun {
                label: s.label(),
                first_frame: s.first,
                frames: s.end - s.first,
                encoded: missing.contains(&i),
            })
            .collect(),
    ))
}

/// `segments: 2 of 11 encoded (clip 3, clips 3+4), 9 reused`.
pub fn summary(runs: &[SegmentRun]) -> String {
    format!(
        "segments: {}",
        tally(runs.iter().map(|r| (r.label.as_str(), r.encoded)))
    )
}

/// A [`tally`] per profile, in the order the profiles first appear, from `Job.Segments`
/// (profile, segment, encoded) rows.
pub fn tallies(segments: &[(String, String, bool)]) -> Vec<(&str, String)> {
    let mut profiles: Vec<&str> = Vec::new();
    for (profile, _, _) in segments {
        if !profiles.contains(&profile.as_str()) {
            profiles.push(profile);
        }
    }
    profiles
        .into_iter()
        .map(|profile| {
            let runs = segments
                .iter()
                .filter(|(p, _, _)| p == profile)
                .map(|(_, label, encoded)| (label.as_str(), *encoded));
            (profile, tally(runs))
        })
        .collect()
}

/// Encoded segments named in a tally; more are counted.
const LISTED: usize = 12;

/// `2 of 11 encoded (clip 3, clips 3+4), 9 reused`, from each segment's label and whether this
/// render encoded it.
pub fn tally<'a>(runs: impl IntoIterator<Item = (&'a str, bool)>) -> String {
    let (mut total, mut encoded) = (0, Vec::new());
    for (label, fresh) in runs {
        total += 1;
        if fresh {
            encoded.push(label);
        }
    }
    // A long timeline has hundreds: name the first few and count the rest.
    let list = match encoded.len() {
        0 => String::new(),
        n if n <= LISTED => format!(" ({})", encoded.join(", ")),
        n => format!(
            " ({}, and {} more)",
            encoded[..LISTED].join(", "),
            n - LISTED
        ),
    };
    format!(
        "{} of {total} encoded{list}, {} reused",
        encoded.len(),
        total - encoded.len()
    )
}

/// Removes temp files in `dir` whose writer is gone (a render killed mid-segment), leaving
/// those of segments another process is encoding now.
fn sweep_dead_writers(dir: &Path) {
    let writer = |name: &str| -> Option<u32> {
        let rest = name.strip_prefix('.')?.strip_suffix(".part")?;
        let (_, counter) = rest.rsplit_once('.')?;
        counter.split_once('-')?.0.parse().ok()
    };
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = writer(&name) {
            if !Path::new("/proc").join(pid.to_string()).exists() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// What a worker tells the render.
enum Report {
    /// Seconds of output that segment has done.
    Advance(usize, f64),
    Done(usize, Result<(), RenderError>),
}

/// Encodes segments `missing` on [`workers`] threads; the join's share of the progress is the
/// last tenth.
fn encode_missing(
    job: &Job,
    segments: &[Segment],
    parts: &[(part::Part, PathBuf)],
    missing: &[usize],
    cancel: &Cancel,
    progress: &mut dyn FnMut(f64),
) -> Result<(), RenderError> {
    if missing.is_empty() {
        return Ok(());
    }
    let fps = job.profile.fps;
    let total: f64 = missing
        .iter()
        .map(|&i| (segments[i].end - segments[i].first) as f64)
        .sum::<f64>()
        / f64::from(fps);
    let workers = workers().min(missing.len());
    let threads = (encoder_cores() / workers).max(1) as u32;
    let queue = Mutex::new(missing.iter().copied().collect::<VecDeque<usize>>());
    let (tell, hear) = mpsc::channel::<Report>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tell = tell.clone();
            let queue = &queue;
            scope.spawn(move || loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some(i) = next else { break };
                let segment = &segments[i];
                let (part, path) = &parts[i];
                let window = graph::Window {
                    start: segment.start_s(fps),
                    end: segment.end_s(fps),
                    threads,
                };
                let result = encode_one(job, segment, part, path, window, cancel, &mut |done| {
                    let _ = tell.send(Report::Advance(i, done));
                });
                let failed = result.is_err();
                let _ = tell.send(Report::Done(i, result));
                if failed {
                    // The others finish what they have; nothing more is started.
                    if let Ok(mut q) = queue.lock() {
                        q.clear();
                    }
                }
            });
        }
        drop(tell);
        let mut done = vec![0.0; segments.len()];
        let mut first_error = None;
        for report in hear {
            match report {
                Report::Advance(i, seconds) => done[i] = seconds,
                Report::Done(i, Ok(())) => {
                    done[i] = segments[i].end_s(fps) - segments[i].start_s(fps);
                    tracing::info!(segment = %segments[i].label(), "encoded");
                }
                Report::Done(_, Err(err)) => {
                    first_error.get_or_insert(err);
                }
            }
            progress(0.9 * done.iter().sum::<f64>() / total.max(1e-9));
        }
        first_error.map_or(Ok(()), Err)
    })
}

/// Encodes one segment into the cache at `path` (through a temp file, so the cache never holds
/// a part of one), checking it holds every frame.
fn encode_one(
    job: &Job,
    segment: &Segment,
    part: &part::Part,
    path: &Path,
    window: graph::Window,
    cancel: &Cancel,
    advance: &mut dyn FnMut(f64),
) -> Result<(), RenderError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| RenderError::io(dir, e))?;
    }
    let temp = cache::temp_path(path);
    let result = (|| {
        let mut graph = graph::build(&graph::Job {
            timeline: &part.timeline,
            starts: &part.starts,
            media: &part.media,
            profile: job.profile,
            output: &temp,
            part: graph::Part::Window(window),
        })?;
        graph.preroll()?;
        let (position, pipeline) = (graph.position.clone(), graph.pipeline.clone());
        pipeline::run_until(&pipeline, "rendering a segment", cancel, || {
            graph.close_finished();
            advance((position.seconds() - window.start).max(0.0));
        })
        .map_err(|err| match &err {
            RenderError::Pipeline { element, .. } => match graph.clip_of(element) {
                Some(local) => (job.blame)(err, segment.clips[local]),
                None => err,
            },
            _ => err,
        })?;
        check_frames(&temp, segment, job.profile.fps)?;
        std::fs::rename(&temp, path).map_err(|e| RenderError::io(path, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// The segment's file lasts its frames, to half a frame.
fn check_frames(path: &Path, segment: &Segment, fps: u32) -> Result<(), RenderError> {
    let info = super::probe::probe(path).map_err(|problem| RenderError::Verify {
        path: path.to_path_buf(),
        problem,
    })?;
    let expected = (segment.end - segment.first) as f64 / f64::from(fps);
    if (info.duration - expected).abs() > 0.5 / f64::from(fps) {
        return Err(RenderError::Verify {
            path: path.to_path_buf(),
            problem: format!(
                "segment {} lasts {:.3} s, not {expected:.3} s",
                segment.label(),
                info.duration
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::tally;

    #[test]
    fn a_tally_names_what_was_encoded_and_counts_past_a_dozen() {
        let few = [("clip 1", false), ("clips 1+2", true), ("clip 2", true)];
        assert_eq!(tally(few), "2 of 3 encoded (clips 1+2, clip 2), 1 reused");
        let labels: Vec<String> = (1..=20).map(|n| format!("clip {n}")).collect();
        let many = tally(labels.iter().map(|l| (l.as_str(), true)));
        assert!(
            many.starts_with("20 of 20 encoded (clip 1, clip 2,")
                && many.ends_with("clip 12, and 8 more), 0 reused"),
            "{many}"
        );
    }

    #[test]
    fn tallies_come_per_profile_in_their_order() {
        let row = |p: &str, l: &str, e| (p.to_string(), l.to_string(), e);
        let rows = [
            row("square-1080", "clip 1", true),
            row("preview-480p", "clip 1", false),
            row("square-1080", "clip 2", false),
        ];
        assert_eq!(
            super::tallies(&rows),
            [
                (
                    "square-1080",
                    "1 of 2 encoded (clip 1), 1 reused".to_string()
                ),
                ("preview-480p", "0 of 1 encoded, 1 reused".to_string()),
            ]
        );
    }
}
