//! What a media file holds, as GStreamer's Discoverer sees it: used to check inputs before a
//! render and outputs after one.

use super::error::RenderError;
use super::image_header::{self, HeaderError};
use gst_pbutils::prelude::*;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct MediaInfo {
    /// Seconds; zero for stills.
    pub duration: f64,
    pub video: Option<VideoStream>,
    pub audio: Option<AudioStream>,
    /// Decoders the file needs that are not installed, as GStreamer describes them.
    pub missing_decoders: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VideoStream {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    /// The frame rate as stated: (30000, 1001); (0, 1) when it varies or is unknown.
    pub rate: (i32, i32),
    /// Clockwise degrees the picture is to be shown turned by (0, 90, 180, 270).
    pub rotation: u32,
    pub is_image: bool,
    pub codec: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AudioStream {
    pub rate: u32,
    pub channels: u32,
    pub codec: String,
}

/// Inspects `path`; the error says why the file cannot be read as media.
pub fn probe(path: &Path) -> Result<MediaInfo, String> {
    let absolute = std::path::absolute(path).map_err(|e| e.to_string())?;
    let uri = gst::glib::filename_to_uri(&absolute, None).map_err(|e| e.to_string())?;
    let discoverer = gst_pbutils::Discoverer::new(gst::ClockTime::from_seconds(15))
        .map_err(|e| e.to_string())?;
    let info = discoverer
        .discover_uri(&uri)
        .map_err(|e| short(&e.to_string()))?;
    let codec = |caps: Option<gst::Caps>| {
        caps.and_then(|c| c.structure(0).map(|s| s.name().to_string()))
            .unwrap_or_default()
    };
    let video = info.video_streams().first().map(|v| {
        let (numer, denom) = (v.framerate().numer(), v.framerate().denom());
        let known = numer > 0 && denom > 0;
        VideoStream {
            width: v.width(),
            height: v.height(),
            fps: if known {
                f64::from(numer) / f64::from(denom)
            } else {
                0.0
            },
            rate: if known { (numer, denom) } else { (0, 1) },
            rotation: v
                .tags()
                .and_then(|t| {
                    t.get::<gst::tags::ImageOrientation>()
                        .map(|o| rotation_of(o.get()))
                })
                .unwrap_or(0),
            is_image: v.is_image(),
            codec: codec(v.caps()),
        }
    });
    let audio = info.audio_streams().first().map(|a| AudioStream {
        rate: a.sample_rate(),
        channels: a.channels(),
        codec: codec(a.caps()),
    });
    let duration = info.duration().map_or(0.0, |d| d.nseconds() as f64 / 1e9);
    Ok(MediaInfo {
        duration,
        video,
        audio,
        missing_decoders: info
            .missing_elements_installer_details()
            .iter()
            .filter_map(|d| d.split('|').nth(3).map(str::to_string))
            .collect(),
    })
}

/// Degrees from GStreamer's image-orientation tag (`rotate-90`; flips count as their rotation).
fn rotation_of(orientation: &str) -> u32 {
    orientation
        .rsplit('-')
        .next()
        .and_then(|d| d.parse::<u32>().ok())
        .filter(|d| matches!(d, 90 | 180 | 270))
        .unwrap_or(0)
}

impl VideoStream {
    /// The picture as it is shown, after its rotation.
    pub fn shown_size(&self) -> (u32, u32) {
        if self.rotation % 180 == 90 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

fn short(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

/// Checks that `path` is a still picture; returns its size. PNG and JPEG are judged by their
/// headers (their data is checked when the graph decodes them), anything else by Discoverer.
pub fn image_size(path: &Path, place: &str) -> Result<(u32, u32), RenderError> {
    let fail = |reason: String| RenderError::Image {
        place: place.to_string(),
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(fail("the file does not exist".into()));
    }
    match image_header::size(path) {
        Ok(size) => return Ok(size),
        Err(HeaderError::Broken(reason)) => {
            return Err(fail(format!("not a readable image ({reason})")))
        }
        Err(HeaderError::UnknownFormat) => {}
    }
    let info = probe(path).map_err(|e| fail(format!("not a readable image ({e})")))?;
    match info.video {
        Some(v) if v.is_image && v.width > 0 && v.height > 0 => Ok((v.width, v.height)),
        Some(_) => Err(fail("it is a video, not a still image".into())),
        None => Err(fail("it holds no picture".into())),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rotations_come_from_the_orientation_tag() {
        assert_eq!(super::rotation_of("rotate-90"), 90);
        assert_eq!(super::rotation_of("flip-rotate-270"), 270);
        assert_eq!(super::rotation_of("rotate-0"), 0);
        assert_eq!(super::rotation_of("flip-rotate-0"), 0);
    }
}
