//! What the element tests share: the workspace, what `make setup` and `make models` install
//! there, and one start of GStreamer, the plugin and the ONNX runtime per test binary.
#![allow(dead_code)]

use gst::prelude::*;
use gstreel::onnx::runtime;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Something `make setup` or `make models` installs, under the workspace.
pub fn installed(relative: &str) -> PathBuf {
    let path = workspace().join(relative);
    assert!(
        path.exists(),
        "{} is missing: run `make setup` and `make models`",
        path.display()
    );
    path
}

/// Model-heavy tests take turns: two at once on two cores would make timings meaningless.
pub fn one_at_a_time() -> MutexGuard<'static, ()> {
    static HEAVY: Mutex<()> = Mutex::new(());
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}

/// GStreamer, reel's elements and the ONNX runtime, once.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        gst::init().expect("GStreamer initialises");
        gstreel::register_static().expect("reel elements register");
        // init(None) finds .deps/onnxruntime above a test binary under the workspace's target/.
        // It keeps its first answer, so ask `locate` whether that works before relying on it;
        // if not (CARGO_TARGET_DIR outside the workspace), name the newest library there.
        let explicit = runtime::locate(None).is_err().then(|| {
            let deps = workspace().join(".deps/onnxruntime");
            let entries = std::fs::read_dir(&deps).into_iter().flatten().flatten();
            // The highest version: `libonnxruntime.so.1.31.1` → [1, 31, 1].
            let versioned = entries.filter_map(|e| {
                let name = e
                    .file_name()
                    .to_str()?
                    .strip_prefix("libonnxruntime.so")?
                    .to_owned();
                let version: Vec<u32> = name.split('.').filter_map(|n| n.parse().ok()).collect();
                Some((version, e.path()))
            });
            let newest = versioned.max().map(|(_, path)| path);
            newest.unwrap_or_else(|| panic!("no libonnxruntime.so* in {}", deps.display()))
        });
        runtime::init(explicit.as_deref()).expect("the ONNX runtime loads");
    });
}

/// Plays a `gst-launch` line to EOS; returns every element message's structure in order, and
/// the error that ended it instead (or a timeout after `seconds`).
pub fn play(description: &str, seconds: u64) -> (Vec<gst::Structure>, Option<String>) {
    let pipeline = gst::parse::launch(description).expect("the pipeline parses");
    let bus = pipeline.bus().expect("a bus");
    let _ = pipeline.set_state(gst::State::Playing);
    let mut structures = Vec::new();
    let mut error = Some(format!("no EOS within {seconds} s"));
    while let Some(message) = bus.timed_pop(gst::ClockTime::from_seconds(seconds)) {
        match message.view() {
            gst::MessageView::Eos(_) => {
                error = None;
                break;
            }
            gst::MessageView::Error(err) => {
                error = Some(format!("{} ({:?})", err.error(), err.debug()));
                break;
            }
            gst::MessageView::Element(element) => {
                structures.extend(element.structure().map(|s| s.to_owned()))
            }
            _ => {}
        }
    }
    let _ = pipeline.set_state(gst::State::Null);
    (structures, error)
}
