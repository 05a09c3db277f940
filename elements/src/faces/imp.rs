use super::{BlazeFace, Face, DEFAULT_THRESHOLD, MODEL_FILE};
use crate::onnx::RunOptions;
use crate::shared::lock;
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::prelude::*;
use gst_base::subclass::prelude::*;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "reelfaces",
        gst::DebugColorFlags::empty(),
        Some("reel face detection"),
    )
});

/// One CPU thread: the model is small enough that a frame takes a few milliseconds, and the
/// decoder next to it wants the other cores.
const RUN: RunOptions = RunOptions {
    threads: 1,
    try_cuda: true,
};

#[derive(Debug, Clone)]
struct Settings {
    model_dir: Option<String>,
    model: Option<String>,
    threshold: f64,
    interval: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            model_dir: None,
            model: None,
            threshold: f64::from(DEFAULT_THRESHOLD),
            interval: 1,
        }
    }
}

impl Settings {
    /// The model file: `model`, or `model.onnx` in `model-dir`.
    fn model_file(&self) -> Result<PathBuf, gst::ErrorMessage> {
        crate::shared::model_file(&self.model, &self.model_dir, MODEL_FILE, "face")
    }
}

struct State {
    detector: BlazeFace,
    threshold: f32,
    interval: u64,
    /// Buffers seen since start, looked at or not.
    seen: u64,
    info: Option<gst_video::VideoInfo>,
    frames: u64,
    with_faces: u64,
}

#[derive(Default)]
pub struct Faces {
    settings: Mutex<Settings>,
    state: Mutex<Option<State>>,
}

fn face_structure(face: &Face) -> gst::Structure {
    gst::Structure::builder("face")
        .field("x", f64::from(face.x))
        .field("y", f64::from(face.y))
        .field("width", f64::from(face.width))
        .field("height", f64::from(face.height))
        .field("score", f64::from(face.score))
        .build()
}

impl Faces {
    fn post(&self, structure: gst::Structure) {
        crate::shared::post(self.obj().upcast_ref(), structure);
    }

    /// At EOS: the totals; counting starts over afterwards.
    fn finish(&self) {
        let mut guard = lock(&self.state);
        let Some(state) = guard.as_mut() else {
            return;
        };
        let (frames, with_faces) = (state.frames, state.with_faces);
        state.frames = 0;
        state.with_faces = 0;
        drop(guard);
        gst::info!(CAT, imp = self, "faces in {with_faces} of {frames} frames");
        self.post(
            gst::Structure::builder("reelfaces-done")
                .field("frames", frames)
                .field("with-faces", with_faces)
                .build(),
        );
    }
}

#[glib::object_subclass]
impl ObjectSubclass for Faces {
    const NAME: &'static str = "GstReelFaces";
    type Type = super::Faces;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for Faces {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            let mut properties = crate::shared::model_properties("BlazeFace").to_vec();
            properties.extend([
                glib::ParamSpecDouble::builder("threshold")
                    .nick("Threshold")
                    .blurb("The score (0 to 1) a face needs")
                    .minimum(0.0)
                    .maximum(1.0)
                    .default_value(f64::from(DEFAULT_THRESHOLD))
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("interval")
                    .nick("Interval")
                    .blurb("Look at one frame in this many; the others pass unexamined")
                    .minimum(1)
                    .default_value(1)
                    .mutable_ready()
                    .build(),
            ]);
            properties
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = lock(&self.settings);
        match pspec.name() {
            "model-dir" => settings.model_dir = value.get().unwrap_or_default(),
            "model" => settings.model = value.get().unwrap_or_default(),
            "threshold" => settings.threshold = value.get().unwrap_or(f64::from(DEFAULT_THRESHOLD)),
            "interval" => settings.interval = value.get::<u32>().unwrap_or(1).max(1),
            // GLib only passes the properties registered above.
            other => gst::warning!(CAT, imp = self, "no property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "model-dir" => settings.model_dir.to_value(),
            "model" => settings.model.to_value(),
            "threshold" => settings.threshold.to_value(),
            "interval" => settings.interval.to_value(),
            _ => pspec.default_value().clone(),
        }
    }
}

impl GstObjectImpl for Faces {}

impl ElementImpl for Faces {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "reel face detection",
                "Filter/Analyzer/Video",
                "Finds faces in RGB video with BlazeFace and posts their boxes",
                "reel",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let caps = gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::Rgb)
                .build();
            crate::shared::passthrough_templates(&caps)
        });
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for Faces {
    // The picture goes through untouched; the element only reads it.
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = true;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = true;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        let settings = lock(&self.settings).clone();
        let file = settings.model_file()?;
        let detector = BlazeFace::open(&file, RUN).map_err(|err| {
            gst::error_msg!(
                gst::LibraryError::Settings,
                ("Cannot load the face model {}: {}", file.display(), err)
            )
        })?;
        gst::info!(
            CAT,
            imp = self,
            "model loaded from {} on {}",
            file.display(),
            detector.provider()
        );
        *lock(&self.state) = Some(State {
            detector,
            threshold: settings.threshold as f32,
            interval: u64::from(settings.interval),
            seen: 0,
            info: None,
            frames: 0,
            with_faces: 0,
        });
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = None;
        Ok(())
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let info = gst_video::VideoInfo::from_caps(incaps)
            .map_err(|_| gst::loggable_error!(CAT, "Not video caps: {}", incaps))?;
        if let Some(state) = lock(&self.state).as_mut() {
            state.info = Some(info);
        }
        Ok(())
    }

    fn sink_event(&self, event: gst::Event) -> bool {
        if let gst::EventView::Eos(_) = event.view() {
            self.finish();
        }
        self.parent_sink_event(event)
    }

    fn transform_ip_passthrough(
        &self,
        buffer: &gst::Buffer,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let mut guard = lock(&self.state);
        let Some(state) = guard.as_mut() else {
            drop(guard);
            gst::element_imp_error!(self, gst::CoreError::Failed, ["Data before start"]);
            return Err(gst::FlowError::Error);
        };
        state.seen += 1;
        if (state.seen - 1) % state.interval != 0 {
            return Ok(gst::FlowSuccess::Ok);
        }
        let Some(info) = state.info.clone() else {
            drop(guard);
            gst::element_imp_error!(self, gst::CoreError::Negotiation, ["Data before caps"]);
            return Err(gst::FlowError::NotNegotiated);
        };
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info)
            .map_err(|_| gst::FlowError::Error)?;
        let (width, height) = (info.width() as usize, info.height() as usize);
        let stride = info.stride()[0] as usize;
        let pixels = frame.plane_data(0).map_err(|_| gst::FlowError::Error)?;
        let threshold = state.threshold;
        let found = state
            .detector
            .detect(pixels, width, height, stride, threshold);
        let faces = match found {
            Ok(faces) => faces,
            Err(err) => {
                drop(guard);
                gst::element_imp_error!(
                    self,
                    gst::LibraryError::Failed,
                    ("Face detection failed: {}", err)
                );
                return Err(gst::FlowError::Error);
            }
        };
        state.frames += 1;
        if !faces.is_empty() {
            state.with_faces += 1;
        }
        drop(guard);
        // Stream time, as players and the other analyses count it (an edit list can start a
        // file's timestamps late).
        let segment = self.obj().segment();
        let time = buffer
            .pts()
            .and_then(|pts| {
                let segment = segment.downcast_ref::<gst::ClockTime>()?;
                segment.to_stream_time(pts).or(Some(pts))
            })
            .map_or(0.0, |t| t.nseconds() as f64 / 1e9);
        self.post(
            gst::Structure::builder("reelfaces")
                .field("time", time)
                .field(
                    "faces",
                    gst::Array::new(faces.iter().map(|f| face_structure(f).to_send_value())),
                )
                .build(),
        );
        Ok(gst::FlowSuccess::Ok)
    }
}
