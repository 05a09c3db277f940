//! Title cards: a solid or gradient background with the title and subtitle typeset by Pango
//! (`textoverlay`, so CJK and every installed font work), saved as a PNG at the frame's size.

use super::cache::{self, Cache};
use super::error::RenderError;
use super::pipeline::{self, chain, make};
use crate::plan::captions;
use crate::plan::timeline::{Background, Color};
use gst::prelude::*;
use std::path::PathBuf;

pub struct Card<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    pub background: &'a Background,
    pub text_color: Color,
}

/// The card as a PNG of `width` x `height`, made once per content and size.
pub fn render(card: &Card, width: u32, height: u32, cache: &Cache) -> Result<PathBuf, RenderError> {
    let key = format!(
        "{}\n{}\n{}\n{:?}\n{width}x{height}",
        card.title,
        card.subtitle,
        serde_json::to_string(card.background).unwrap_or_default(),
        card.text_color
    );
    let path = cache.path("cards", &[key.as_bytes()], "png");
    if path.is_file() {
        return Ok(path);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| RenderError::io(dir, e))?;
    }
    let temp = cache::temp_path(&path);
    let result = typeset(card, width, height, &temp)
        .and_then(|()| std::fs::rename(&temp, &path).map_err(|e| RenderError::io(&path, e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map(|()| path)
}

fn typeset(card: &Card, width: u32, height: u32, out: &std::path::Path) -> Result<(), RenderError> {
    pipeline::init()?;
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Bgrx, width, height)
        .fps(gst::Fraction::new(0, 1))
        .build()
        .map_err(|e| pipeline::internal(e.to_string()))?;
    let source = super::png::still_source(&info)?;
    let short_side = f64::from(width.min(height));
    let title_px = short_side * 0.075;
    let title = text_layer(
        &fit_width(card.title, width, title_px),
        "Bold",
        title_px,
        card.text_color,
    )?;
    title.set_property_from_str("valignment", "center");
    let subtitle_px = short_side * 0.04;
    let subtitle = text_layer(
        &fit_width(card.subtitle, width, subtitle_px),
        "",
        subtitle_px,
        card.text_color,
    )?;
    subtitle.set_property_from_str("valignment", "position");
    subtitle.set_property("ypos", 0.68f64);
    for layer in [&title, &subtitle] {
        layer.set_property("xpad", (f64::from(width) * 0.1) as i32);
    }
    let convert = make("videoconvert")?;
    let encode = make("pngenc")?;
    let sink = make("filesink")?;
    sink.set_property("location", out);
    let pipeline = gst::Pipeline::new();
    chain(
        &pipeline,
        &[
            source.upcast_ref(),
            &title,
            &subtitle,
            &convert,
            &encode,
            &sink,
        ],
    )?;

    super::png::push_still(&source, background(card.background, width, height))?;
    pipeline::run(&pipeline, "title card", || {})
}

/// Wraps `text` to the middle 70% of the card, so camera moves never crop it (textoverlay
/// itself wraps at the full frame width). A bold Latin glyph averages ~0.62 of the font size.
fn fit_width(text: &str, width: u32, font_px: f64) -> String {
    let columns = (f64::from(width) * 0.7 / (font_px * 0.62)).floor().max(8.0) as usize;
    captions::wrap(text, columns).join("\n")
}

fn text_layer(
    text: &str,
    weight: &str,
    size: f64,
    color: Color,
) -> Result<gst::Element, RenderError> {
    let layer = make("textoverlay")?;
    layer.set_property("text", gst::glib::markup_escape_text(text).as_str());
    layer.set_property(
        "font-desc",
        format!("DejaVu Sans, Noto Sans CJK SC {weight} {}px", size.round()),
    );
    layer.set_property("color", color.argb());
    layer.set_property("draw-shadow", true);
    layer.set_property("draw-outline", false);
    // Sizes are in frame pixels already (auto-resize would scale them by width / 640).
    layer.set_property("auto-resize", false);
    layer.set_property_from_str("halignment", "center");
    layer.set_property_from_str("line-alignment", "center");
    layer.set_property_from_str("wrap-mode", "wordchar");
    Ok(layer)
}

/// BGRx pixels of the background.
fn background(background: &Background, width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let mut pixels = vec![0u8; w * h * 4];
    let (from, to, angle) = match *background {
        Background::Solid { color } => (color, color, 0.0),
        Background::Gradient {
            from,
            to,
            angle_deg,
        } => (from, to, angle_deg),
    };
    let (sin, cos) = angle.to_radians().sin_cos();
    // Project each pixel on the gradient's direction, normalised to 0..1 over the frame.
    let half = (w as f64 * cos.abs() + h as f64 * sin.abs()) / 2.0;
    let mix =
        |a: u8, b: u8, t: f64| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    for (y, row) in pixels.chunks_exact_mut(w * 4).enumerate() {
        for (x, px) in row.chunks_exact_mut(4).enumerate() {
            let d = (x as f64 - w as f64 / 2.0) * cos + (y as f64 - h as f64 / 2.0) * sin;
            let t = if half > 0.0 {
                (d / half * 0.5 + 0.5).clamp(0.0, 1.0)
            } else {
                0.0
            };
            px.copy_from_slice(&[
                mix(from.b, to.b, t),
                mix(from.g, to.g, t),
                mix(from.r, to.r, t),
                255,
            ]);
        }
    }
    pixels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_runs_from_one_colour_to_the_other() {
        let bg = Background::Gradient {
            from: Color::rgb(0, 0, 0),
            to: Color::rgb(200, 100, 50),
            angle_deg: 0.0,
        };
        let px = background(&bg, 100, 2);
        assert_eq!(&px[0..3], &[0, 0, 0]);
        assert_eq!(&px[99 * 4..99 * 4 + 3], &[50, 99, 198]);
    }
}
