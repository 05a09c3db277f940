//! The watermark: text drawn by a `textoverlay`, or a picture blended by `gdkpixbufoverlay`,
//! after the captions, in one corner for the whole video at the mark's opacity.

use super::error::RenderError;
use super::pipeline::{self, make};
use super::probe;
use super::profile::Profile;
use crate::plan::timeline::{Corner, Watermark};
use gst::prelude::*;

/// Distance from the frame's edges, as a fraction of its shorter side.
const MARGIN: f64 = 0.03;

fn short_side(profile: &Profile) -> f64 {
    f64::from(profile.width.min(profile.height))
}

/// A `textoverlay` that draws `mark`'s text in its corner.
pub fn text_overlay(mark: &Watermark, profile: &Profile) -> Result<gst::Element, RenderError> {
    let overlay = make("textoverlay")?;
    let px = (mark.size * short_side(profile)).round().max(8.0);
    overlay.set_property("text", mark.text.as_str());
    overlay.set_property("font-desc", format!("DejaVu Sans Bold {px}px"));
    let alpha = ((mark.opacity.clamp(0.0, 1.0) * 255.0).round() as u32) << 24;
    overlay.set_property("color", alpha | 0x00ff_ffff);
    overlay.set_property("outline-color", alpha);
    overlay.set_property("draw-outline", true);
    overlay.set_property("draw-shadow", false);
    overlay.set_property("auto-resize", false);
    let (horizontal, vertical) = match mark.corner {
        Corner::TopLeft => ("left", "top"),
        Corner::TopRight => ("right", "top"),
        Corner::BottomLeft => ("left", "bottom"),
        Corner::BottomRight => ("right", "bottom"),
    };
    overlay.set_property_from_str("halignment", horizontal);
    overlay.set_property_from_str("valignment", vertical);
    let pad = (MARGIN * short_side(profile)).round() as i32;
    overlay.set_property("xpad", pad);
    overlay.set_property("ypad", pad);
    Ok(overlay)
}

/// A `gdkpixbufoverlay` that blends `mark`'s picture (with its own transparency) in its
/// corner.
pub fn picture_overlay(mark: &Watermark, profile: &Profile) -> Result<gst::Element, RenderError> {
    let Some(path) = &mark.image else {
        return Err(pipeline::internal(
            "a picture watermark without a picture".into(),
        ));
    };
    let (w, h) = probe::image_size(path, "watermark: ")?;
    let width = ((mark.size * short_side(profile)).round() as i32).max(2);
    let height = ((f64::from(width) * f64::from(h) / f64::from(w.max(1))).round() as i32).max(2);
    let overlay = make("gdkpixbufoverlay")?;
    overlay.set_property("location", path);
    overlay.set_property("overlay-width", width);
    overlay.set_property("overlay-height", height);
    overlay.set_property("alpha", mark.opacity.clamp(0.0, 1.0));
    // Negative offsets count from the right and bottom edges.
    let margin = (MARGIN * short_side(profile)).round() as i32;
    let (x, y) = match mark.corner {
        Corner::TopLeft => (margin, margin),
        Corner::TopRight => (-margin, margin),
        Corner::BottomLeft => (margin, -margin),
        Corner::BottomRight => (-margin, -margin),
    };
    overlay.set_property("offset-x", x);
    overlay.set_property("offset-y", y);
    Ok(overlay)
}
