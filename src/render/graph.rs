//! The video graph for one export profile:
//!
//! ```text
//! still ─ decodebin ─ videoconvert ─ reelkenburns ─ caps ─┐
//! still ─ ...                                            ├ compositor ─ caps ─ textoverlay ─ queue ─ x264enc ─ mux ─ filesink
//! video ─ decodebin ─ videorate ─ reelcrop ──────────────┘                       ▲                        ▲
//!                                              captions appsrc ──────────────────┘   mix.wav ─ avenc_aac ─┘
//! ```
//!
//! Everything is I420 at the output size from the clip onwards, so the compositor copies
//! rather than converts, and a clip fully covering the frame hides the others without
//! blending. Transitions are GstController keyframes on compositor pad properties. A still
//! that appears later is not decoded at start: its branch waits behind a blocking probe,
//! a GAP event tells the compositor it has nothing to show until then, and the probe opens a
//! little before the clip is due; a branch whose clip has ended is shut down. So only the
//! clips on screen hold decoded pictures. A video clip seeks its own branch to its in point
//! (`seek`), so nothing before it is decoded.

use super::error::RenderError;
use super::pipeline::{self, capsfilter, chain, clock, make, Position};
use super::probe;
use super::profile::{Profile, Reframe};
use super::{caption_overlay, encode, reframe, seek, transitions, watermark};
use crate::plan::reframe::{Mode, ShotSubjects};
use crate::plan::timeline::Timeline;
use gst::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Seconds before its start at which a waiting still is decoded.
const DECODE_AHEAD: f64 = 1.0;

/// What a clip shows once its source is resolved to a file.
#[derive(Debug, Clone)]
pub enum ClipMedia {
    Still(PathBuf),
    Video(VideoMedia),
    /// One or two portraits talking.
    Talking(Vec<TalkingMedia>),
}

/// A portrait, the face found in it and its mouth track, as `reellipsync` reads them.
#[derive(Debug, Clone)]
pub struct TalkingMedia {
    pub path: PathBuf,
    pub face: crate::lipsync::portrait::PortraitFace,
    pub landmarks: PathBuf,
    /// Rhubarb TSV on the timeline's clock.
    pub visemes: PathBuf,
    /// Picks when the face blinks.
    pub seed: u64,
}

/// A clip of a video file.
#[derive(Debug, Clone)]
pub struct VideoMedia {
    pub path: PathBuf,
    /// Where the clip starts in the file, seconds.
    pub in_s: f64,
    /// The picture's size as shown (turned as its rotation tag says).
    pub size: (u32, u32),
    /// The faces of its shot, for a frame of another shape.
    pub framing: Option<ShotSubjects>,
}

/// A built graph, ready to play.
pub struct Graph {
    pub pipeline: gst::Pipeline,
    /// Output time reached, for progress.
    pub position: Position,
    waiting: Vec<WaitingClip>,
    branches: Vec<Branch>,
}

/// A clip whose decoding waits until shortly before it appears.
struct WaitingClip {
    /// The pad that feeds the compositor, where the GAP goes.
    tail: gst::Pad,
    caps: gst::Caps,
    start: f64,
}

/// The elements of one clip, shut down once it is over.
struct Branch {
    elements: Vec<gst::Element>,
    /// The clip's `reelkenburns`, for a still.
    kenburns: Option<gst::Element>,
    end: f64,
    closed: bool,
}

/// What a clip's branch is made of.
struct Parts {
    elements: Vec<gst::Element>,
    /// The pad that feeds the compositor.
    tail: gst::Pad,
    kenburns: Option<gst::Element>,
}

/// Input for [`build`].
pub struct Job<'a> {
    pub timeline: &'a Timeline,
    /// Where each clip starts, seconds on the clock of the whole timeline (`timeline` may hold
    /// only the clips of one segment of it).
    pub starts: &'a [f64],
    pub media: &'a [ClipMedia],
    pub profile: &'a Profile,
    pub output: &'a Path,
    pub part: Part<'a>,
}

/// What a graph makes of its timeline.
pub enum Part<'a> {
    /// The finished file: all of the video with the sound track at `mix`, tagged.
    Whole { mix: &'a Path },
    /// Only the frames of `window`, video alone, timed from 0: a segment to be joined.
    Window(Window),
}

/// Frames `[start, end)` of a timeline, as seconds on its clock (on the frame grid), and how
/// many threads their encoder may use.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: f64,
    pub end: f64,
    pub threads: u32,
}

pub fn build(job: &Job) -> Result<Graph, RenderError> {
    pipeline::init()?;
    let profile = job.profile;
    let pipeline = gst::Pipeline::new();
    let frame_caps = gst_video::VideoCapsBuilder::new()
        .format(gst_video::VideoFormat::I420)
        .width(profile.width as i32)
        .height(profile.height as i32)
        .framerate(gst::Fraction::new(profile.fps as i32, 1))
        .pixel_aspect_ratio(gst::Fraction::new(1, 1))
        .build();

    let compositor = make("compositor")?;
    compositor.set_property_from_str("background", "black");
    let window = match &job.part {
        Part::Window(window) => Some(*window),
        Part::Whole { .. } => None,
    };
    if let Some(window) = window {
        // The first frame is the window's; nothing before it is composed.
        compositor.set_property_from_str("start-time-selection", "set");
        compositor.set_property("start-time", clock(window.start).nseconds());
    }
    let from = window.map_or(0.0, |w| w.start);
    let out_caps = capsfilter(&frame_caps)?;
    let mut video_tail = vec![compositor.clone(), out_caps];
    let captions = caption_overlay::burned(job.timeline, profile)?;
    if let Some((overlay, _)) = &captions {
        video_tail.push(overlay.clone());
    }
    if let Some(mark) = &job.timeline.watermark {
        video_tail.push(match mark.image {
            Some(_) => watermark::picture_overlay(mark, profile)?,
            None => watermark::text_overlay(mark, profile)?,
        });
    }
    let queue = make("queue")?;
    // Slack between compositing and encoding; raw 1080p frames are 3 MB each and the encoder
    // already holds a dozen or more for its lookahead.
    queue.set_property("max-size-buffers", 2u32);
    queue.set_property("max-size-bytes", 0u32);
    queue.set_property("max-size-time", 0u64);
    if let Some(window) = window {
        keep_window(&queue, window, profile.fps)?;
    }
    video_tail.push(queue);
    let threads = window.map_or_else(encode::encoder_threads, |w| w.threads);
    video_tail.extend(encode::video_encoder(profile, threads)?);
    let mux = match job.part {
        Part::Whole { .. } => {
            let mux = encode::muxer(profile)?;
            encode::tag(&mux, job.timeline);
            mux
        }
        Part::Window(_) => make("mp4mux")?,
    };
    let sink = make("filesink")?;
    sink.set_property("location", job.output);
    video_tail.push(mux.clone());
    video_tail.push(sink);
    chain(&pipeline, &video_tail.iter().collect::<Vec<_>>())?;
    if let Some((overlay, text_source)) = captions {
        pipeline
            .add(&text_source)
            .map_err(|e| pipeline::internal(e.to_string()))?;
        text_source
            .link_pads(Some("src"), &overlay, Some("text_sink"))
            .map_err(|e| pipeline::internal(e.to_string()))?;
    }
    if let Part::Whole { mix } = job.part {
        encode::add_audio(&pipeline, profile, mix, &mux)?;
    }

    let position = Position::default();
    let comp_src = compositor
        .static_pad("src")
        .ok_or_else(|| pipeline::internal("compositor without src".into()))?;
    position.watch(&comp_src);

    let starts = job.starts;
    let mut pads = Vec::new();
    let mut waiting = Vec::new();
    let mut branches = Vec::new();
    let mut gates = Vec::new();
    for (i, (clip, media)) in job.timeline.clips.iter().zip(job.media).enumerate() {
        let start = starts[i];
        // How much of the clip lies before the window: not drawn.
        let skip = (from - start).max(0.0);
        let Parts {
            elements,
            tail,
            kenburns,
        } = match media {
            ClipMedia::Still(path) => {
                still_branch(&pipeline, path, clip, (start, skip), profile, &frame_caps)?
            }
            ClipMedia::Video(video) => {
                let span = seek::Span {
                    in_s: video.in_s + skip,
                    out_s: video.in_s + clip.duration,
                    start: start + skip,
                };
                video_branch(&pipeline, video, span, profile, &frame_caps)?
            }
            ClipMedia::Talking(faces) => {
                talking_branch(&pipeline, faces, clip, (start, skip), profile, &frame_caps)?
            }
        };
        let pad = compositor
            .request_pad_simple("sink_%u")
            .ok_or_else(|| pipeline::internal("compositor gave no pad".into()))?;
        pad.set_property("zorder", (i + 1) as u32);
        tail.link(&pad)
            .map_err(|e| pipeline::internal(format!("clip {i}: {e}")))?;
        if can_wait(media) && start - from > DECODE_AHEAD {
            let head = elements[0]
                .static_pad("src")
                .ok_or_else(|| pipeline::internal("filesrc without src".into()))?;
            let probe = head
                .add_probe(gst::PadProbeType::BLOCK_DOWNSTREAM, |_, _| {
                    gst::PadProbeReturn::Ok
                })
                .ok_or_else(|| pipeline::internal("cannot hold back a clip".into()))?;
            gates.push((start - DECODE_AHEAD, head, Some(probe)));
            waiting.push(WaitingClip {
                tail: tail.clone(),
                caps: frame_caps.clone(),
                start,
            });
        }
        branches.push(Branch {
            elements,
            kenburns,
            end: start + clip.duration,
            closed: false,
        });
        pads.push(pad);
    }
    open_gates_on_time(&comp_src, gates);
    let kenburns: Vec<Option<gst::Element>> = branches.iter().map(|b| b.kenburns.clone()).collect();
    transitions::animate(job.timeline, starts, &pads, &kenburns, profile)?;
    Ok(Graph {
        pipeline,
        position,
        waiting,
        branches,
    })
}

impl Graph {
    /// Pauses the graph and tells the compositor when each waiting clip's data begins, so it
    /// composes the frames before that without it.
    pub fn preroll(&self) -> Result<(), RenderError> {
        self.pipeline
            .set_state(gst::State::Paused)
            .map_err(|_| pipeline::internal("the graph would not start".into()))?;
        for clip in &self.waiting {
            let id = format!("reel-clip-{}", clip.start);
            let segment = gst::FormattedSegment::<gst::ClockTime>::new();
            let events = [
                gst::event::StreamStart::new(&id),
                gst::event::Caps::new(&clip.caps),
                gst::event::Segment::new(&segment),
                // A gap covering only the last millisecond before the clip: the compositor keeps
                // it queued as future data until then, instead of consuming it at once and
                // waiting for more (it never waits on a pad whose next data is later).
                gst::event::Gap::builder(clock(clip.start - 0.001))
                    .duration(clock(0.001))
                    .build(),
            ];
            for event in events {
                clip.tail.push_event(event);
            }
        }
        Ok(())
    }

    /// Which clip an element (by name) belongs to, to name the clip's file in errors.
    pub fn clip_of(&self, element: &str) -> Option<usize> {
        self.branches
            .iter()
            .position(|b| b.elements.iter().any(|e| e.name() == element))
    }

    /// Shuts down the branches of clips that are over, releasing their pictures.
    pub fn close_finished(&mut self) {
        let now = self.position.seconds();
        for branch in self
            .branches
            .iter_mut()
            .filter(|b| !b.closed && now > b.end + 0.1)
        {
            for element in &branch.elements {
                element.set_locked_state(true);
                let _ = element.set_state(gst::State::Null);
            }
            branch.closed = true;
        }
    }
}

/// Opens each gate once the compositor's output passes its time. The check runs on the
/// compositor's thread, so it can never be late by more than a frame.
fn open_gates_on_time(comp_src: &gst::Pad, gates: Vec<(f64, gst::Pad, Option<gst::PadProbeId>)>) {
    let gates = Arc::new(Mutex::new(gates));
    let open = move |now: f64| {
        if let Ok(mut gates) = gates.lock() {
            for (at, pad, probe) in gates.iter_mut() {
                if now >= *at {
                    if let Some(probe) = probe.take() {
                        pad.remove_probe(probe);
                    }
                }
            }
        }
    };
    open(0.0);
    comp_src.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        if let Some(pts) = info.buffer().and_then(|b| b.pts()) {
            open(pts.nseconds() as f64 / 1e9);
        }
        gst::PadProbeReturn::Ok
    });
}

/// A still moved by its clip's camera, from `skip` seconds into the clip placed at `start`.
fn still_branch(
    pipeline: &gst::Pipeline,
    path: &Path,
    clip: &crate::plan::timeline::Clip,
    (start, skip): (f64, f64),
    profile: &Profile,
    frame_caps: &gst::Caps,
) -> Result<Parts, RenderError> {
    let source = make("filesrc")?;
    source.set_property("location", path);
    // The whole file as one buffer: the decoder would otherwise gather 4 KiB reads and copy
    // them into one piece, holding the picture's bytes twice.
    if let Ok(meta) = std::fs::metadata(path) {
        source.set_property(
            "blocksize",
            meta.len().clamp(4096, u64::from(u32::MAX)) as u32,
        );
    }
    let convert = make("videoconvert")?;
    let i420 = capsfilter(
        &gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::I420)
            .build(),
    )?;
    let kenburns = make("reelkenburns")?;
    let m = &clip.motion;
    kenburns.set_property("duration", clock(clip.duration).nseconds());
    kenburns.set_property("timestamp-offset", clock(start).nseconds());
    kenburns.set_property("skip", clock(skip).nseconds());
    for (name, value) in [
        ("zoom-from", m.from.zoom),
        ("zoom-to", m.to.zoom),
        ("x-from", m.from.x),
        ("x-to", m.to.x),
        ("y-from", m.from.y),
        ("y-to", m.to.y),
        ("rotate-from", m.from.rotate),
        ("rotate-to", m.to.rotate),
    ] {
        kenburns.set_property(name, value);
    }
    let curve = serde_json::to_value(m.curve)
        .ok()
        .and_then(|v| v.as_str().map(String::from));
    kenburns.set_property_from_str("curve", curve.as_deref().unwrap_or("linear"));
    kenburns.set_property_from_str(
        "fit",
        match profile.reframe {
            Reframe::Crop => "cover",
            Reframe::Blur => "contain-blur",
        },
    );
    let sized = capsfilter(frame_caps)?;
    // PNG and JPEG get their decoder straight away: decodebin only finishes starting once it
    // has seen data, which a held-back clip has not.
    let decode = match still_decoder(path) {
        Some(factory) => {
            let decode = make(factory)?;
            chain(pipeline, &[&source, &decode, &convert])?;
            decode
        }
        None => {
            let decode = make("decodebin")?;
            chain(pipeline, &[&source, &decode])?;
            pipeline
                .add(&convert)
                .map_err(|e| pipeline::internal(e.to_string()))?;
            pipeline::link_decoded(&decode, &convert, "video");
            decode
        }
    };
    chain(pipeline, &[&i420, &kenburns, &sized])?;
    convert
        .link(&i420)
        .map_err(|e| pipeline::internal(e.to_string()))?;
    let tail = sized
        .static_pad("src")
        .ok_or_else(|| pipeline::internal("capsfilter without src".into()))?;
    Ok(Parts {
        elements: vec![source, decode, convert, i420, kenburns.clone(), sized],
        tail,
        kenburns: Some(kenburns),
    })
}

/// Talking portraits: each a still shot pushing in slowly on the face, animated by
/// `reellipsync` (told the same camera); two share the frame side by side through a
/// compositor of their own.
fn talking_branch(
    pipeline: &gst::Pipeline,
    faces: &[TalkingMedia],
    clip: &crate::plan::timeline::Clip,
    (start, skip): (f64, f64),
    profile: &Profile,
    frame_caps: &gst::Caps,
) -> Result<Parts, RenderError> {
    let panel_width = if faces.len() > 1 {
        (profile.width / faces.len() as u32) & !1
    } else {
        profile.width
    };
    let mut panel_caps = frame_caps.clone();
    panel_caps
        .make_mut()
        .set("width", i32::try_from(panel_width).unwrap_or(i32::MAX));
    let mut elements = Vec::new();
    let mut tails = Vec::new();
    for face in faces {
        let motion = crate::lipsync::portrait::shot(&face.face, (panel_width, profile.height));
        let shot = crate::plan::timeline::Clip {
            motion,
            ..clip.clone()
        };
        let still = still_branch(
            pipeline,
            &face.path,
            &shot,
            (start, skip),
            profile,
            &panel_caps,
        )?;
        let lipsync = make("reellipsync")?;
        lipsync.set_property("zoom-from", motion.from.zoom);
        lipsync.set_property("zoom-to", motion.to.zoom);
        lipsync.set_property("x", motion.from.x);
        lipsync.set_property("y", motion.from.y);
        lipsync.set_property("duration", clock(clip.duration).nseconds());
        lipsync.set_property("timestamp-offset", clock(start).nseconds());
        lipsync.set_property("landmarks", face.landmarks.to_string_lossy().as_ref());
        lipsync.set_property("visemes", face.visemes.to_string_lossy().as_ref());
        lipsync.set_property("seed", face.seed);
        pipeline
            .add(&lipsync)
            .map_err(|e| pipeline::internal(e.to_string()))?;
        still
            .tail
            .link(
                &lipsync
                    .static_pad("sink")
                    .ok_or_else(|| pipeline::internal("reellipsync without sink".into()))?,
            )
            .map_err(|e| pipeline::internal(format!("talking face: {e}")))?;
        tails.push(
            lipsync
                .static_pad("src")
                .ok_or_else(|| pipeline::internal("reellipsync without src".into()))?,
        );
        elements.extend(still.elements);
        elements.push(lipsync);
    }
    if tails.len() == 1 {
        let tail = tails.remove(0);
        return Ok(Parts {
            elements,
            tail,
            kenburns: None,
        });
    }
    let panels = make("compositor")?;
    panels.set_property_from_str("background", "black");
    let sized = capsfilter(frame_caps)?;
    chain(pipeline, &[&panels, &sized])?;
    for (i, tail) in tails.iter().enumerate() {
        let pad = panels
            .request_pad_simple("sink_%u")
            .ok_or_else(|| pipeline::internal("compositor gave no pad".into()))?;
        pad.set_property("xpos", (i as u32 * panel_width) as i32);
        tail.link(&pad)
            .map_err(|e| pipeline::internal(format!("talking face {i}: {e}")))?;
    }
    let tail = sized
        .static_pad("src")
        .ok_or_else(|| pipeline::internal("capsfilter without src".into()))?;
    elements.push(panels);
    elements.push(sized);
    Ok(Parts {
        elements,
        tail,
        kenburns: None,
    })
}

/// The decoder for a PNG or JPEG file, known from its first bytes.
fn still_decoder(path: &Path) -> Option<&'static str> {
    let mut magic = [0u8; 4];
    std::io::Read::read_exact(&mut std::fs::File::open(path).ok()?, &mut magic).ok()?;
    match magic {
        [0x89, b'P', b'N', b'G'] => Some("pngdec"),
        [0xff, 0xd8, 0xff, _] => Some("jpegdec"),
        _ => None,
    }
}

/// Whether a still's branch can wait undecoded (its decoder starts without data).
fn can_wait(media: &ClipMedia) -> bool {
    matches!(media, ClipMedia::Still(path) if still_decoder(path).is_some())
}

/// A video file cropped to the frame's shape (following the faces of its shot when they are
/// known, whole over a blurred fill when they do not fit and for `blur`), scaled, at the
/// profile's rate, the file's `span` placed on the timeline.
fn video_branch(
    pipeline: &gst::Pipeline,
    video: &VideoMedia,
    span: seek::Span,
    profile: &Profile,
    frame_caps: &gst::Caps,
) -> Result<Parts, RenderError> {
    let source = make("filesrc")?;
    source.set_property("location", &video.path);
    let decode = make("decodebin")?;
    pipeline::decode_only(&decode, "video");
    pipeline::decode_into_pool(&decode);
    let convert = make("videoconvert")?;
    // Turns the picture as its rotation tag says (phone footage), so `size` is as shown.
    let flip = make("videoflip")?;
    flip.set_property_from_str("video-direction", "auto");
    // The rate is matched before the crop, not after: videorate keeps the frame it last
    // passed on and hands downstream a copy sharing its memory, and a pooled frame whose
    // memory is still shared when it comes back is thrown away; so after reelcrop, every
    // frame of reelcrop's pool would be allocated afresh. Here only the decoded frame is
    // shared, and reelcrop is done with it before videorate lets go. A faster source also
    // sends reelcrop only the frames that are shown.
    let rate = make("videorate")?;
    chain(pipeline, &[&source, &decode])?;
    chain(pipeline, &[&convert, &flip, &rate])?;
    let mut elements = vec![
        source,
        decode.clone(),
        convert.clone(),
        flip.clone(),
        rate.clone(),
    ];
    let path = reframe::crop_path(video.framing.as_ref(), video.size, profile);
    let pad = match profile.reframe {
        Reframe::Crop => path.as_ref().is_some_and(|p| p.mode == Mode::Pad),
        Reframe::Blur => reframe::other_shape(video.size, profile),
    };
    let framed = if pad {
        let padded = reframe::padded(pipeline, video.size, profile)?;
        rate.link(&padded.head)
            .map_err(|e| pipeline::internal(format!("padded clip: {e}")))?;
        elements.extend(padded.elements);
        padded.tail
    } else {
        // Crops and scales in one pass, to the sub-pixel; no faces known means the middle.
        let crop = make("reelcrop")?;
        if let Some(path) = path {
            reframe::steer(&crop, path, video.size)?;
        }
        pipeline
            .add(&crop)
            .map_err(|e| pipeline::internal(e.to_string()))?;
        rate.link(&crop)
            .map_err(|e| pipeline::internal(format!("video clip: {e}")))?;
        elements.push(crop.clone());
        crop
    };
    let sized = capsfilter(frame_caps)?;
    pipeline
        .add(&sized)
        .map_err(|e| pipeline::internal(e.to_string()))?;
    framed
        .link(&sized)
        .map_err(|e| pipeline::internal(format!("video clip: {e}")))?;
    let tail = sized
        .static_pad("src")
        .ok_or_else(|| pipeline::internal("capsfilter without src".into()))?;
    seek::link_from(&decode, &convert, &tail, span);
    elements.push(sized);
    Ok(Parts {
        elements,
        tail,
        kenburns: None,
    })
}

/// Lets through only the frames of `window`, timed from 0 in a segment of their own, and ends
/// the stream after its last frame (the clips' branches may run a few frames longer).
fn keep_window(queue: &gst::Element, window: Window, fps: u32) -> Result<(), RenderError> {
    let pad = queue
        .static_pad("src")
        .ok_or_else(|| pipeline::internal("queue without src".into()))?;
    // Frame times are rounded to nanoseconds on the way, so a frame counts as the window's
    // when it lies within half a frame of the grid inside it.
    let half = 0.5 / f64::from(fps.max(1));
    let (start, first, end) = (
        clock(window.start),
        clock(window.start - half),
        clock(window.end - half),
    );
    let ended = Arc::new(std::sync::atomic::AtomicBool::new(false));
    pad.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
        move |pad, info| {
            use std::sync::atomic::Ordering;
            match &mut info.data {
                Some(gst::PadProbeData::Event(event)) => {
                    if let gst::EventView::Segment(_) = event.view() {
                        let segment = gst::FormattedSegment::<gst::ClockTime>::new();
                        *event = gst::event::Segment::new(&segment);
                    }
                    gst::PadProbeReturn::Ok
                }
                Some(gst::PadProbeData::Buffer(_)) if ended.load(Ordering::SeqCst) => {
                    gst::PadProbeReturn::Drop
                }
                Some(gst::PadProbeData::Buffer(buffer)) => {
                    let Some(pts) = buffer.pts() else {
                        return gst::PadProbeReturn::Drop;
                    };
                    if pts >= end {
                        ended.store(true, Ordering::SeqCst);
                        pad.push_event(gst::event::Eos::new());
                        return gst::PadProbeReturn::Drop;
                    }
                    if pts < first {
                        return gst::PadProbeReturn::Drop;
                    }
                    let buffer = buffer.make_mut();
                    buffer.set_pts(pts.saturating_sub(start));
                    gst::PadProbeReturn::Ok
                }
                _ => gst::PadProbeReturn::Ok,
            }
        },
    )
    .ok_or_else(|| pipeline::internal("cannot watch the segment's frames".into()))?;
    Ok(())
}

/// Pixels to cut from each side (left/right, top/bottom) so `size` gets `frame`'s shape.
pub fn crop_for(size: (u32, u32), frame: (u32, u32)) -> (u32, u32) {
    let (w, h) = (f64::from(size.0), f64::from(size.1));
    let aspect = f64::from(frame.0) / f64::from(frame.1);
    if w / h > aspect {
        (((w - h * aspect) / 2.0).floor() as u32, 0)
    } else {
        (0, ((h - w / aspect) / 2.0).floor() as u32)
    }
}

/// The size of a video file, for cropping it to the frame's shape.
pub fn video_size(path: &Path, place: &str) -> Result<(u32, u32), RenderError> {
    let info = probe::probe(path).map_err(|e| RenderError::Input {
        path: path.to_path_buf(),
        message: format!("{place}cannot read video: {e}"),
    })?;
    match info.video {
        Some(v) if !v.is_image => Ok(v.shown_size()),
        _ => Err(RenderError::Input {
            path: path.to_path_buf(),
            message: format!("{place}not a video"),
        }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn crops_to_the_frame_shape() {
        assert_eq!(super::crop_for((1920, 1080), (1080, 1920)), (656, 0));
        assert_eq!(super::crop_for((1080, 1920), (1920, 1080)), (0, 656));
        assert_eq!(super::crop_for((1920, 1080), (1280, 720)), (0, 0));
    }
}
