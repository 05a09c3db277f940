//! Writing pictures reel makes itself (thumbnails, contact sheets) as PNG files, atomically.

use super::cache;
use super::error::RenderError;
use super::pipeline::{self, chain, make};
use gst::prelude::*;
use std::path::Path;

/// Writes tightly packed RGB `pixels` of `width` x `height` to `path` as a PNG.
pub fn write_rgb(path: &Path, width: u32, height: u32, pixels: &[u8]) -> Result<(), RenderError> {
    pipeline::init()?;
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Rgb, width, height)
        .fps(gst::Fraction::new(0, 1))
        .build()
        .map_err(|e| pipeline::internal(e.to_string()))?;
    // GStreamer pads each RGB row to four bytes.
    let (row, stride) = (width as usize * 3, info.stride()[0] as usize);
    let mut padded = vec![0u8; info.size()];
    for (y, line) in pixels.chunks_exact(row).take(height as usize).enumerate() {
        padded[y * stride..y * stride + row].copy_from_slice(line);
    }
    let source = still_source(&info)?;
    let convert = make("videoconvert")?;
    let encode = make("pngenc")?;
    let sink = make("filesink")?;
    let temp = cache::temp_path(path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| RenderError::io(dir, e))?;
    }
    sink.set_property("location", &temp);
    let graph = gst::Pipeline::new();
    chain(&graph, &[source.upcast_ref(), &convert, &encode, &sink])?;
    push_still(&source, padded)?;
    let written = pipeline::run(&graph, "picture", || {})
        .and_then(|()| std::fs::rename(&temp, path).map_err(|e| RenderError::io(path, e)));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// A source of one still frame of `info`'s format, for graphs that draw or encode a picture.
pub fn still_source(info: &gst_video::VideoInfo) -> Result<gst_app::AppSrc, RenderError> {
    let caps = info
        .to_caps()
        .map_err(|e| pipeline::internal(e.to_string()))?;
    Ok(gst_app::AppSrc::builder()
        .caps(&caps)
        .format(gst::Format::Time)
        .build())
}

/// Sends `pixels` as the one frame of `source`, then the end of the stream.
pub fn push_still(source: &gst_app::AppSrc, pixels: Vec<u8>) -> Result<(), RenderError> {
    let mut buffer = gst::Buffer::from_mut_slice(pixels);
    if let Some(b) = buffer.get_mut() {
        b.set_pts(gst::ClockTime::ZERO);
    }
    source
        .push_buffer(buffer)
        .map_err(|e| pipeline::internal(e.to_string()))?;
    let _ = source.end_of_stream();
    Ok(())
}
