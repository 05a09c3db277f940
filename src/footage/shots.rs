//! The `shots` stage: where the footage cuts from one shot to the next, from colour histograms
//! of a small decoded copy (ten frames a second), one thumbnail per shot plus a contact sheet
//! of them all, as PNG files, and the faces in every frame of that copy (`reelfaces`, when a
//! face model is installed), which reframing follows. One decode serves all three.
//!
//! A boundary is a frame whose histogram differs from the one before by at least
//! [`Params::threshold`] and by [`Params::ratio`] times the usual difference of the frames just
//! before it (so a pan or a flicker through a busy shot is not taken for a cut), at least
//! [`Params::min_shot`] after the last boundary.

use super::probe::Footage;
use super::FootageError;
use crate::plan::reframe::{FaceBox, FaceSample};
use crate::render::pipeline::{self, capsfilter, chain, make, Cancel};
use crate::render::png;
use gst::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Frames a second looked at.
const RATE: i32 = 10;
/// Width of the decoded copy (and the thumbnails), pixels.
const WIDTH: u32 = 320;
/// Frames of [`RATE`] per face detection.
const FACE_INTERVAL: u32 = 2;
/// Bins per channel.
const BINS: usize = 16;
/// Thumbnails per row of the contact sheet.
const SHEET_COLUMNS: usize = 4;
/// Part of the cache key of a file's shots: a change to how they are found makes it new.
pub const CACHE_VERSION: &str = "shots 1: 10 fps, 320 px, faces every 2nd, bins 16";

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Least histogram difference (0 to 1, half the L1 distance) of a cut.
    pub threshold: f64,
    /// How many times the median difference of the last second a cut must reach.
    pub ratio: f64,
    /// Shortest shot, seconds.
    pub min_shot: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            threshold: 0.3,
            ratio: 3.0,
            min_shot: 0.5,
        }
    }
}

/// One shot of one file, in its seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shot {
    pub start: f64,
    pub end: f64,
    /// A frame from early in the shot.
    pub thumbnail: PathBuf,
}

/// The shots of a file and the sheet of their thumbnails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shots {
    pub shots: Vec<Shot>,
    pub contact_sheet: PathBuf,
    /// The faces of every analysed frame; empty without a face model.
    #[serde(default)]
    pub faces: Vec<FaceSample>,
}

/// Indices of the frames that start a new shot, from the differences between each frame and
/// the one before (`diffs[i]` is frame `i + 1` against frame `i`).
pub fn boundaries(diffs: &[f64], fps: f64, params: &Params) -> Vec<usize> {
    let window = fps.round().max(1.0) as usize;
    let min_gap = (params.min_shot * fps).round() as usize;
    let mut out = Vec::new();
    let mut last = 0usize;
    for (i, &diff) in diffs.iter().enumerate() {
        let frame = i + 1;
        let mut recent: Vec<f64> = diffs[i.saturating_sub(window)..i].to_vec();
        recent.sort_by(f64::total_cmp);
        let usual = recent.get(recent.len() / 2).copied().unwrap_or(0.0);
        if diff >= params.threshold && diff >= params.ratio * usual && frame - last >= min_gap {
            out.push(frame);
            last = frame;
        }
    }
    out
}

/// Half the L1 distance of two normalised histograms: 0 for the same colours, 1 for none alike.
fn difference(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / 2.0
}

/// Red, green and blue histograms of an RGB frame, every other pixel of every other row.
fn histogram(rgb: &[u8], width: usize, height: usize, stride: usize) -> Vec<f64> {
    let mut bins = vec![0.0; 3 * BINS];
    let mut count = 0.0f64;
    for y in (0..height).step_by(2) {
        let row = &rgb[y * stride..y * stride + width * 3];
        for pixel in row.chunks_exact(3).step_by(2) {
            for (channel, &value) in pixel.iter().enumerate() {
                bins[channel * BINS + usize::from(value) * BINS / 256] += 1.0;
            }
            count += 1.0;
        }
    }
    // All three channels together sum to 1, so two histograms differ by 0 to 1.
    bins.iter_mut().for_each(|b| *b /= (3.0 * count).max(1.0));
    bins
}

/// A decoded frame kept as a thumbnail candidate.
struct Frame {
    time: f64,
    rgb: Vec<u8>,
}

/// What the appsink callback gathers: one histogram per frame and the frames that may become
/// thumbnails (every frame half a second after a possible cut would be too many: only the
/// first frame of each second is kept).
#[derive(Default)]
struct Gathered {
    times: Vec<f64>,
    histograms: Vec<Vec<f64>>,
    keyframes: Vec<Frame>,
    faces: Vec<FaceSample>,
}

/// Finds the shots of `footage` and writes their thumbnails and contact sheet into `folder`,
/// named after the file; with `faces`, a BlazeFace model folder, finds the faces too.
pub fn detect(
    footage: &Footage,
    folder: &Path,
    faces: Option<&Path>,
    cancel: &Cancel,
) -> Result<Shots, FootageError> {
    let (shown_w, shown_h) = footage.shown_size();
    let height =
        ((f64::from(WIDTH) * f64::from(shown_h) / f64::from(shown_w.max(1))).round() as u32).max(2)
            & !1;
    let mut gathered = decode(&footage.path, height, faces, cancel)?;
    let diffs: Vec<f64> = gathered
        .histograms
        .windows(2)
        .map(|w| difference(&w[0], &w[1]))
        .collect();
    let starts: Vec<usize> = std::iter::once(0)
        .chain(boundaries(&diffs, f64::from(RATE), &Params::default()))
        .collect();
    let stem = stem(footage);
    let mut shots = Vec::new();
    let mut thumbnails = Vec::new();
    for (n, &first) in starts.iter().enumerate() {
        let start = if n == 0 { 0.0 } else { gathered.times[first] };
        let end = starts
            .get(n + 1)
            .map_or(footage.duration, |&next| gathered.times[next]);
        // The kept frame nearest half a second into the shot.
        let wanted = (start + 0.5).min((start + end) / 2.0);
        let Some(frame) = gathered
            .keyframes
            .iter()
            .filter(|f| f.time >= start - 1e-6 && f.time < end)
            .min_by(|a, b| (a.time - wanted).abs().total_cmp(&(b.time - wanted).abs()))
        else {
            continue;
        };
        let path = folder.join(format!("{stem}-shot-{:03}.png", n + 1));
        png::write_rgb(&path, WIDTH, height, &frame.rgb)?;
        thumbnails.push(&frame.rgb);
        shots.push(Shot {
            start,
            end,
            thumbnail: path,
        });
    }
    let contact_sheet = folder.join(format!("{stem}-contact-sheet.png"));
    let (sheet_w, sheet_h, sheet) = contact_sheet_pixels(&thumbnails, WIDTH, height);
    png::write_rgb(&contact_sheet, sheet_w, sheet_h, &sheet)?;
    Ok(Shots {
        shots,
        contact_sheet,
        faces: std::mem::take(&mut gathered.faces),
    })
}

/// What a file's thumbnails are named after.
pub fn stem(footage: &Footage) -> String {
    footage
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "footage".into())
}

/// The thumbnails in rows of [`SHEET_COLUMNS`], 4 px apart on black.
fn contact_sheet_pixels(thumbnails: &[&Vec<u8>], width: u32, height: u32) -> (u32, u32, Vec<u8>) {
    const GAP: usize = 4;
    let (w, h) = (width as usize, height as usize);
    let columns = thumbnails.len().clamp(1, SHEET_COLUMNS);
    let rows = thumbnails.len().div_ceil(columns).max(1);
    let sheet_w = columns * w + (columns + 1) * GAP;
    let sheet_h = rows * h + (rows + 1) * GAP;
    let mut sheet = vec![0u8; sheet_w * sheet_h * 3];
    for (i, thumb) in thumbnails.iter().enumerate() {
        let (x0, y0) = (
            GAP + (i % columns) * (w + GAP),
            GAP + (i / columns) * (h + GAP),
        );
        for y in 0..h {
            let from = &thumb[y * w * 3..(y + 1) * w * 3];
            let at = ((y0 + y) * sheet_w + x0) * 3;
            sheet[at..at + w * 3].copy_from_slice(from);
        }
    }
    (sheet_w as u32, sheet_h as u32, sheet)
}

/// Decodes `path` to small RGB frames at [`RATE`], turned as its rotation tag says, through
/// `reelfaces` when there is a face model.
fn decode(
    path: &Path,
    height: u32,
    faces: Option<&Path>,
    cancel: &Cancel,
) -> Result<Gathered, FootageError> {
    pipeline::init()?;
    let pipeline = gst::Pipeline::new();
    let source = make("filesrc")?;
    source.set_property("location", path);
    let decode = make("decodebin")?;
    pipeline::decode_only(&decode, "video");
    pipeline::decode_into_pool(&decode);
    let convert = make("videoconvert")?;
    let flip = make("videoflip")?;
    flip.set_property_from_str("video-direction", "auto");
    let scale = make("videoscale")?;
    let rate = make("videorate")?;
    let caps = gst_video::VideoCapsBuilder::new()
        .format(gst_video::VideoFormat::Rgb)
        .width(WIDTH as i32)
        .height(height as i32)
        .pixel_aspect_ratio(gst::Fraction::new(1, 1))
        .framerate(gst::Fraction::new(RATE, 1))
        .build();
    let filter = capsfilter(&caps)?;
    let sink = gst_app::AppSink::builder().caps(&caps).sync(false).build();
    // Frames are dropped to the analysis rate first and scaled down before they are turned
    // into RGB, so only a third of the decoded frames are touched, and only small.
    let sampled = capsfilter(
        &gst::Caps::builder("video/x-raw")
            .field("framerate", gst::Fraction::new(RATE, 1))
            .build(),
    )?;
    let mut elements = vec![rate, sampled, scale, convert, flip, filter];
    if let Some(model) = faces {
        let detector = make("reelfaces")?;
        detector.set_property("model-dir", model.to_string_lossy().as_ref());
        // Faces move slower than cuts: 5 a second are plenty for framing, and detection is
        // most of this stage's time.
        detector.set_property("interval", FACE_INTERVAL);
        elements.push(detector);
    }
    elements.push(sink.clone().upcast());
    chain(&pipeline, &[&source, &decode])?;
    chain(&pipeline, &elements.iter().collect::<Vec<_>>())?;
    pipeline::link_decoded(&decode, &elements[0], "video");
    let gathered = Arc::new(Mutex::new(Gathered::default()));
    collect_faces(&pipeline, gathered.clone());
    let into = gathered.clone();
    let (w, h) = (WIDTH as usize, height as usize);
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let buffer = sample.buffer().ok_or(gst::FlowError::Error)?;
                // Stream time, where the render's seeks land (an edit list can start a file's
                // timestamps late).
                let time = buffer
                    .pts()
                    .and_then(|pts| {
                        let segment = sample.segment()?.downcast_ref::<gst::ClockTime>()?;
                        segment.to_stream_time(pts).or(Some(pts))
                    })
                    .map_or(0.0, |t| t.nseconds() as f64 / 1e9);
                let map = buffer.map_readable().map_err(|_| gst::FlowError::Error)?;
                // RGB rows are padded to 4 bytes.
                let stride = (w * 3).div_ceil(4) * 4;
                let mut into = into.lock().map_err(|_| gst::FlowError::Error)?;
                into.histograms.push(histogram(&map, w, h, stride));
                into.times.push(time);
                let frame = into.times.len() - 1;
                if frame % (RATE as usize / 2) == 0 {
                    let rgb = (0..h)
                        .flat_map(|y| map[y * stride..y * stride + w * 3].iter().copied())
                        .collect();
                    into.keyframes.push(Frame { time, rgb });
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    pipeline::run_until(&pipeline, "shot detection", cancel, || {})?;
    let mut gathered = std::mem::take(&mut *gathered.lock().unwrap_or_else(|p| p.into_inner()));
    gathered.faces.sort_by(|a, b| a.time.total_cmp(&b.time));
    if gathered.times.is_empty() {
        return Err(FootageError::Unusable {
            path: path.to_path_buf(),
            problem: "no picture could be decoded".into(),
        });
    }
    Ok(gathered)
}

/// Takes `reelfaces` messages off the bus as they are posted (the main loop only looks for the
/// end and errors).
fn collect_faces(pipeline: &gst::Pipeline, into: Arc<Mutex<Gathered>>) {
    let Some(bus) = pipeline.bus() else { return };
    bus.set_sync_handler(move |_, message| {
        let gst::MessageView::Element(element) = message.view() else {
            return gst::BusSyncReply::Pass;
        };
        let Some(structure) = element.structure().filter(|s| s.name() == "reelfaces") else {
            return gst::BusSyncReply::Pass;
        };
        if let Some(sample) = face_sample(structure) {
            into.lock()
                .unwrap_or_else(|p| p.into_inner())
                .faces
                .push(sample);
        }
        gst::BusSyncReply::Drop
    });
}

/// A `reelfaces` message as a sample.
fn face_sample(structure: &gst::StructureRef) -> Option<FaceSample> {
    let time = structure.get::<f64>("time").ok()?;
    let array = structure.get::<gst::Array>("faces").ok()?;
    let faces = array
        .iter()
        .filter_map(|value| value.get::<gst::Structure>().ok())
        .filter_map(|face| {
            Some(FaceBox {
                x: face.get("x").ok()?,
                y: face.get("y").ok()?,
                width: face.get("width").ok()?,
                height: face.get("height").ok()?,
                score: face.get("score").ok()?,
            })
        })
        .collect();
    Some(FaceSample { time, faces })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_in_colour_is_a_cut_and_steady_motion_is_not() {
        // Ten frames a second: small differences (motion), one jump at frame 20, a busy
        // stretch from 40 where every frame differs a lot, and a second jump too soon after
        // the first to be a shot of its own.
        let mut diffs = vec![0.02; 80];
        diffs[19] = 0.8; // frame 20
        diffs[22] = 0.7; // frame 23: 0.3 s later, shorter than a shot
        for d in &mut diffs[40..60] {
            *d = 0.35;
        }
        diffs[69] = 0.9; // frame 70
        let cuts = boundaries(&diffs, 10.0, &Params::default());
        assert_eq!(cuts, [20, 41, 70]);
    }

    #[test]
    fn histograms_tell_colours_apart() {
        let red = [255u8, 0, 0].repeat(16);
        let blue = [0u8, 0, 255].repeat(16);
        let (a, b) = (histogram(&red, 4, 4, 12), histogram(&blue, 4, 4, 12));
        assert!((difference(&a, &a)).abs() < 1e-12);
        assert!((difference(&a, &b) - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn the_contact_sheet_holds_every_thumbnail_in_rows() {
        let thumb = vec![200u8; 8 * 6 * 3];
        let thumbs: Vec<&Vec<u8>> = std::iter::repeat_n(&thumb, 5).collect();
        let (w, h, pixels) = contact_sheet_pixels(&thumbs, 8, 6);
        assert_eq!((w, h), (4 * 8 + 5 * 4, 2 * 6 + 3 * 4));
        assert_eq!(pixels.len(), (w * h * 3) as usize);
        // The fifth thumbnail starts the second row; the sixth place stays black.
        let at = |x: u32, y: u32| pixels[((y * w + x) * 3) as usize];
        assert_eq!(at(4, 4 + 6 + 4), 200);
        assert_eq!(at(4 + 12, 4 + 6 + 4), 0);
    }
}
