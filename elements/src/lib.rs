//! GStreamer plugin `reel`: the elements reel builds its graphs from.
//!
//! The daemon and the CLI register them statically with [`register_static`]; `gst-inspect-1.0`
//! and `gst-launch-1.0` find them in the built `libgstreel.so` through `GST_PLUGIN_PATH`.
#![allow(clippy::non_send_fields_in_send_ty)]

use gst::glib;

pub mod asr;
pub mod beats;
pub mod crop;
pub mod faces;
pub mod kenburns;
pub mod lipsync;
pub mod music;
pub mod onnx;
mod shared;
pub mod speech;
pub mod vad;

fn plugin_init(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    asr::register(plugin)?;
    beats::register(plugin)?;
    crop::register(plugin)?;
    faces::register(plugin)?;
    kenburns::register(plugin)?;
    lipsync::register(plugin)?;
    music::register(plugin)?;
    vad::register(plugin)?;
    speech::register(plugin)?;
    Ok(())
}

gst::plugin_define!(
    reel,
    env!("CARGO_PKG_DESCRIPTION"),
    plugin_init,
    env!("CARGO_PKG_VERSION"),
    "MIT/X11",
    env!("CARGO_PKG_NAME"),
    env!("CARGO_PKG_NAME"),
    "https://github.com/reel-video/reel",
    "2026-11-21"
);

/// Registers every element of the plugin in this process, without loading a shared object.
pub fn register_static() -> Result<(), glib::BoolError> {
    plugin_register_static()
}
