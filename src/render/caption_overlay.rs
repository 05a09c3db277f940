//! Captions burned into the picture: a textoverlay fed by an appsrc that carries every
//! screen (or karaoke state) of [`caption_layout`] at its time, as Pango markup.

use super::caption_layout::{self, Metrics, Shown};
use super::error::RenderError;
use super::pipeline::{self, clock, make};
use super::profile::Profile;
use crate::plan::timeline::{CaptionStyle, Timeline};
use gst::prelude::*;

/// Share of the frame's width kept clear on each side (title-safe).
const SIDE_MARGIN: f64 = 0.05;
/// Room for the outline textoverlay draws around the glyphs, as a share of the font size.
const OUTLINE_ROOM: f64 = 0.25;

/// The overlay and its text source, when the timeline has captions to burn in.
pub fn burned(
    timeline: &Timeline,
    profile: &Profile,
) -> Result<Option<(gst::Element, gst::Element)>, RenderError> {
    let style = &timeline.caption_style;
    if !style.burn || timeline.captions.is_empty() {
        return Ok(None);
    }
    let font = font(style, profile);
    let metrics = Metrics::new(&font);
    let room = line_room(style, profile);
    let shown = caption_layout::lay_out(&timeline.captions, style.highlight, |line| {
        metrics.width(line) <= room
    });
    let overlay = overlay(style, profile, &font)?;
    let caps = gst::Caps::builder("text/x-raw")
        .field("format", "pango-markup")
        .build();
    let source = gst_app::AppSrc::builder()
        .caps(&caps)
        .format(gst::Format::Time)
        .build();
    source.set_max_bytes(0);
    for screen in &shown {
        source
            .push_buffer(buffer(screen))
            .map_err(|e| pipeline::internal(e.to_string()))?;
    }
    let _ = source.end_of_stream();
    Ok(Some((overlay, source.upcast())))
}

/// The captions' font size in the profile's pixels (the style gives it per short side).
fn font_px(style: &CaptionStyle, profile: &Profile) -> f64 {
    (style.size * f64::from(profile.width.min(profile.height))).round()
}

/// The Pango font description captions are drawn and measured in, sized for the profile.
fn font(style: &CaptionStyle, profile: &Profile) -> String {
    format!("{} {}px", style.font, font_px(style, profile))
}

/// Pixels a caption line may be wide: the title-safe width less room for the outline.
fn line_room(style: &CaptionStyle, profile: &Profile) -> f64 {
    f64::from(profile.width) * (1.0 - 2.0 * SIDE_MARGIN) - font_px(style, profile) * OUTLINE_ROOM
}

fn buffer(shown: &Shown) -> gst::Buffer {
    let mut buffer = gst::Buffer::from_mut_slice(shown.markup.clone().into_bytes());
    if let Some(b) = buffer.get_mut() {
        b.set_pts(clock(shown.start));
        b.set_duration(clock(shown.end - shown.start));
    }
    buffer
}

fn overlay(
    style: &CaptionStyle,
    profile: &Profile,
    font: &str,
) -> Result<gst::Element, RenderError> {
    let overlay = make("textoverlay")?;
    overlay.set_property("font-desc", font);
    overlay.set_property("color", style.color.argb());
    overlay.set_property("outline-color", style.outline_color.argb());
    overlay.set_property("draw-outline", true);
    overlay.set_property("draw-shadow", false);
    // The size is already in frame pixels; auto-resize would scale it again by width / 640.
    overlay.set_property("auto-resize", false);
    overlay.set_property_from_str("halignment", "center");
    overlay.set_property_from_str("valignment", "bottom");
    overlay.set_property_from_str("line-alignment", "center");
    // Lines are already broken to fit; this only guards a single word wider than the frame.
    overlay.set_property_from_str("wrap-mode", "wordchar");
    overlay.set_property("xpad", (f64::from(profile.width) * SIDE_MARGIN) as i32);
    overlay.set_property(
        "ypad",
        (style.bottom_margin * f64::from(profile.height)).round() as i32,
    );
    Ok(overlay)
}
