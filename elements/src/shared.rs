//! Small pieces every reel element uses the same way.

use gst::prelude::*;
use std::sync::{Mutex, MutexGuard};

/// A poisoned lock only means another thread panicked mid-update; the data is still usable
/// and a panic here would take the pipeline down with it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Posts `structure` on the bus as an element message from `element`. A pipeline without a
/// bus has nobody to tell, so a failed post is not an error.
pub fn post(element: &gst::Element, structure: gst::Structure) {
    let message = gst::message::Element::builder(structure)
        .src(element)
        .build();
    let _ = element.post_message(message);
}

/// `src` and `sink` templates, always present, for mono 32-bit float audio at `rate`: the
/// analysers that pass audio through untouched (`reelasr`, `reelvad`).
pub fn mono_f32_passthrough_templates(rate: u32) -> Vec<gst::PadTemplate> {
    let caps = gst_audio::AudioCapsBuilder::new_interleaved()
        .format(gst_audio::AudioFormat::F32le)
        .rate(rate as i32)
        .channels(1)
        .build();
    passthrough_templates(&caps)
}

/// `src` and `sink` templates, always present, both with `caps`.
pub fn passthrough_templates(caps: &gst::Caps) -> Vec<gst::PadTemplate> {
    [
        ("src", gst::PadDirection::Src),
        ("sink", gst::PadDirection::Sink),
    ]
    .into_iter()
    // Valid caps always make a template.
    .filter_map(|(name, direction)| {
        gst::PadTemplate::new(name, direction, gst::PadPresence::Always, caps).ok()
    })
    .collect()
}

/// The model file an element's `model` and `model-dir` properties name: `model` itself, or
/// `file_name` in `model-dir`; one of them must be set. `what` names the model in errors.
pub fn model_file(
    model: &Option<String>,
    model_dir: &Option<String>,
    file_name: &str,
    what: &str,
) -> Result<std::path::PathBuf, gst::ErrorMessage> {
    let given = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
    match (given(model), given(model_dir)) {
        (Some(file), None) => Ok(file.into()),
        (None, Some(dir)) => Ok(std::path::PathBuf::from(dir).join(file_name)),
        (Some(file), Some(dir)) => Err(gst::error_msg!(
            gst::LibraryError::Settings,
            (
                "Both model ({}) and model-dir ({}) are set: set one",
                file,
                dir
            )
        )),
        (None, None) => Err(gst::error_msg!(
            gst::LibraryError::Settings,
            (
                "No {} model: set model-dir to a folder with {}, or model to the file",
                what,
                file_name
            )
        )),
    }
}

/// The `model-dir` and `model` properties of an element that loads one ONNX model, `what`
/// naming it in their descriptions.
pub fn model_properties(what: &str) -> [gst::glib::ParamSpec; 2] {
    [
        gst::glib::ParamSpecString::builder("model-dir")
            .nick("Model folder")
            .blurb(&format!("Folder with model.onnx ({what}); or set model"))
            .mutable_ready()
            .build(),
        gst::glib::ParamSpecString::builder("model")
            .nick("Model file")
            .blurb(&format!("The {what} .onnx file; or set model-dir"))
            .mutable_ready()
            .build(),
    ]
}
