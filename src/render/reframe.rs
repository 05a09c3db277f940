//! Footage of another shape in the frame: a window that follows the faces of the shot
//! ([`crate::plan::reframe`]) moved frame by frame on `reelcrop`, or, for a shot padded
//! because its people do not fit one window, the whole picture over a blurred copy of itself:
//!
//! ```text
//! tee ─ queue ─ videocrop (frame shape) ─ videoscale (1/24) ─ videoscale (frame) ─┐ compositor
//!     └ queue ─ videoscale (whole picture fitted) ───────────────────────────────┘
//! ```

use super::error::RenderError;
use super::pipeline::{self, capsfilter, chain, make};
use super::profile::{Profile, Reframe};
use crate::plan::reframe::{self, CropPath, Mode, ShotSubjects};
use gst::prelude::*;
use std::sync::Mutex;

/// How much smaller the blurred copy is made before it is scaled back up.
const BLUR_SHRINK: u32 = 24;

/// Whether a `size` picture has another shape than `profile`'s frame.
pub fn other_shape(size: (u32, u32), profile: &Profile) -> bool {
    let aspect = f64::from(profile.width) / f64::from(profile.height);
    reframe::window(size, aspect) != size
}

/// The window for a clip of a `size` picture with `framing`, when the profile crops to fill
/// and the faces of the clip's shot are known.
pub fn crop_path(
    framing: Option<&ShotSubjects>,
    size: (u32, u32),
    profile: &Profile,
) -> Option<CropPath> {
    let subjects = framing.filter(|_| profile.reframe == Reframe::Crop)?;
    if !other_shape(size, profile) {
        return None;
    }
    let aspect = f64::from(profile.width) / f64::from(profile.height);
    Some(reframe::frame_shot(subjects, size, aspect))
}

/// Moves `crop`'s (a `reelcrop`) window along `path` for a `size` picture: before each frame
/// goes in, its corner is set for that frame's time, to the sub-pixel, so a slow pan glides.
pub fn steer(crop: &gst::Element, path: CropPath, size: (u32, u32)) -> Result<(), RenderError> {
    crop.set_property("width", f64::from(path.width));
    crop.set_property("height", f64::from(path.height));
    let set = |element: &gst::Element, (left, top): (f64, f64)| {
        element.set_property("left", left);
        element.set_property("top", top);
    };
    let first = path.corner_at(path.start, size);
    set(crop, first);
    if path.mode != Mode::Track {
        return Ok(());
    }
    let sink = crop
        .static_pad("sink")
        .ok_or_else(|| pipeline::internal("reelcrop without sink".into()))?;
    let element = crop.clone();
    let last = Mutex::new(first);
    sink.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        let Some(pts) = info.buffer().and_then(|b| b.pts()) else {
            return gst::PadProbeReturn::Ok;
        };
        // The path is in stream time, as the analysis that made it counted.
        let time = pipeline::time_segment(pad)
            .and_then(|segment| segment.to_stream_time(pts))
            .unwrap_or(pts);
        let corner = path.corner_at(time.nseconds() as f64 / 1e9, size);
        let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
        if *last != corner {
            set(&element, corner);
            *last = corner;
        }
        gst::PadProbeReturn::Ok
    });
    Ok(())
}

/// The elements of a padded shot, from the tee that takes the picture to the compositor that
/// gives out `profile`'s frame (I420, any rate), all added to `pipeline` and linked.
pub struct Padded {
    pub head: gst::Element,
    pub tail: gst::Element,
    pub elements: Vec<gst::Element>,
}

/// Builds [`Padded`] for a `size` picture.
pub fn padded(
    pipeline: &gst::Pipeline,
    size: (u32, u32),
    profile: &Profile,
) -> Result<Padded, RenderError> {
    let frame = (profile.width, profile.height);
    let caps = |(w, h): (u32, u32)| {
        gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::I420)
            .width(w as i32)
            .height(h as i32)
            .pixel_aspect_ratio(gst::Fraction::new(1, 1))
            .build()
    };
    let even = |v: f64| ((v.round() as u32).max(2) + 1) & !1;
    let tee = make("tee")?;
    let compositor = make("compositor")?;
    compositor.set_property_from_str("background", "black");
    let out = capsfilter(&caps(frame))?;

    // The blurred fill: the middle of the picture in the frame's shape, shrunk and grown back.
    let fill_queue = make("queue")?;
    let fill_crop = make("videocrop")?;
    let (left, top) = super::graph::crop_for(size, frame);
    fill_crop.set_property("left", left as i32);
    fill_crop.set_property("right", left as i32);
    fill_crop.set_property("top", top as i32);
    fill_crop.set_property("bottom", top as i32);
    let shrink = make("videoscale")?;
    let small = capsfilter(&caps((
        even(f64::from(frame.0) / f64::from(BLUR_SHRINK)),
        even(f64::from(frame.1) / f64::from(BLUR_SHRINK)),
    )))?;
    let grow = make("videoscale")?;
    grow.set_property_from_str("method", "bilinear");
    // Rounding to even sizes leaves the shapes a hair apart; a border line would show.
    for scale in [&shrink, &grow] {
        scale.set_property("add-borders", false);
    }
    let filled = capsfilter(&caps(frame))?;

    // The whole picture, as big as fits.
    let scale = f64::min(
        f64::from(frame.0) / f64::from(size.0),
        f64::from(frame.1) / f64::from(size.1),
    );
    let fitted_size = (
        even(f64::from(size.0) * scale).min(frame.0),
        even(f64::from(size.1) * scale).min(frame.1),
    );
    let fit_queue = make("queue")?;
    let fit_scale = make("videoscale")?;
    fit_scale.set_property("add-borders", false);
    let fitted = capsfilter(&caps(fitted_size))?;

    chain(pipeline, &[&tee])?;
    chain(
        pipeline,
        &[&fill_queue, &fill_crop, &shrink, &small, &grow, &filled],
    )?;
    chain(pipeline, &[&fit_queue, &fit_scale, &fitted])?;
    chain(pipeline, &[&compositor, &out])?;
    let link = |from: &gst::Element, to: &gst::Element, what: &str| {
        from.link(to)
            .map_err(|e| pipeline::internal(format!("padded shot, {what}: {e}")))
    };
    link(&tee, &fill_queue, "fill")?;
    link(&tee, &fit_queue, "picture")?;
    for (zorder, (element, at)) in [
        (&filled, (0, 0)),
        (
            &fitted,
            ((frame.0 - fitted_size.0) / 2, (frame.1 - fitted_size.1) / 2),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let pad = compositor
            .request_pad_simple("sink_%u")
            .ok_or_else(|| pipeline::internal("compositor gave no pad".into()))?;
        pad.set_property("zorder", zorder as u32);
        pad.set_property("xpos", at.0 as i32);
        pad.set_property("ypos", at.1 as i32);
        let src = element
            .static_pad("src")
            .ok_or_else(|| pipeline::internal("capsfilter without src".into()))?;
        src.link(&pad)
            .map_err(|e| pipeline::internal(format!("padded shot: {e}")))?;
    }
    Ok(Padded {
        head: tee.clone(),
        tail: out.clone(),
        elements: vec![
            tee, fill_queue, fill_crop, shrink, small, grow, filled, fit_queue, fit_scale, fitted,
            compositor, out,
        ],
    })
}
