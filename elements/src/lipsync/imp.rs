use super::pose::{self, Blinks, Cue};
use super::rig::{self, FaceFile, Rig};
use super::warp::{self, Moment, PlaneMut, Scratch};
use crate::kenburns::camera::Camera;
use crate::shared::lock;
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use gst_video::prelude::*;
use gst_video::subclass::prelude::*;
use std::sync::{LazyLock, Mutex};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "reellipsync",
        gst::DebugColorFlags::empty(),
        Some("reel talking face"),
    )
});

#[derive(Debug, Clone)]
struct Settings {
    landmarks: Option<String>,
    visemes: Option<String>,
    seed: u64,
    idle: f64,
    /// The camera `reelkenburns` holds on the portrait.
    camera: Camera,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            landmarks: None,
            visemes: None,
            seed: 0,
            idle: 1.0,
            camera: Camera {
                zoom: 1.0,
                x: 0.5,
                y: 0.5,
                rotate: 0.0,
            },
        }
    }
}

/// What the files said, read when the element starts.
struct Loaded {
    face: FaceFile,
    cues: Vec<Cue>,
    blinks: Blinks,
    /// The rig placed in frames of this size.
    rig: Option<((u32, u32), Rig)>,
    scratch: [Scratch; 3],
}

#[derive(Default)]
pub struct LipSync {
    settings: Mutex<Settings>,
    loaded: Mutex<Option<Loaded>>,
}

#[glib::object_subclass]
impl ObjectSubclass for LipSync {
    const NAME: &'static str = "GstReelLipSync";
    type Type = super::LipSync;
    type ParentType = gst_video::VideoFilter;
}

impl LipSync {
    fn load(&self) -> Result<Loaded, gst::ErrorMessage> {
        let settings = lock(&self.settings).clone();
        let read = |what: &str, path: &Option<String>| -> Result<String, gst::ErrorMessage> {
            let path = path.as_ref().ok_or_else(|| {
                gst::error_msg!(gst::ResourceError::NotFound, ["Set the {} property", what])
            })?;
            std::fs::read_to_string(path)
                .map_err(|e| gst::error_msg!(gst::ResourceError::OpenRead, ["{}: {}", path, e]))
        };
        let landmarks = read("landmarks", &settings.landmarks)?;
        let face: FaceFile = serde_json::from_str(&landmarks).map_err(|e| {
            gst::error_msg!(
                gst::StreamError::Format,
                [
                    "{}: not a landmarks file: {}",
                    settings.landmarks.as_deref().unwrap_or(""),
                    e
                ]
            )
        })?;
        let visemes = read("visemes", &settings.visemes)?;
        let cues = pose::read_tsv(&visemes).map_err(|e| {
            gst::error_msg!(
                gst::StreamError::Format,
                ["{}: {}", settings.visemes.as_deref().unwrap_or(""), e]
            )
        })?;
        Ok(Loaded {
            face,
            cues,
            blinks: Blinks::new(settings.seed),
            rig: None,
            scratch: Default::default(),
        })
    }
}

impl ObjectImpl for LipSync {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecString::builder("landmarks")
                    .nick("Landmarks")
                    .blurb("JSON file: the portrait's width, height and 468 Face Mesh points")
                    .build(),
                glib::ParamSpecString::builder("visemes")
                    .nick("Visemes")
                    .blurb("Rhubarb TSV file: time and mouth shape (A-H, X) a line")
                    .build(),
                glib::ParamSpecUInt64::builder("seed")
                    .nick("Seed")
                    .blurb("Picks the blinks and the sway")
                    .build(),
                glib::ParamSpecDouble::builder("zoom")
                    .nick("Zoom")
                    .blurb("The zoom of the reelkenburns camera showing the portrait")
                    .minimum(0.01)
                    .maximum(100.0)
                    .default_value(1.0)
                    .build(),
                glib::ParamSpecDouble::builder("x")
                    .nick("X")
                    .blurb("The camera's centre, a fraction of the portrait's width")
                    .minimum(0.0)
                    .maximum(1.0)
                    .default_value(0.5)
                    .build(),
                glib::ParamSpecDouble::builder("y")
                    .nick("Y")
                    .blurb("The camera's centre, a fraction of the portrait's height")
                    .minimum(0.0)
                    .maximum(1.0)
                    .default_value(0.5)
                    .build(),
                glib::ParamSpecDouble::builder("idle")
                    .nick("Idle")
                    .blurb("How much the head sways (0: not at all, 1: normal)")
                    .minimum(0.0)
                    .maximum(5.0)
                    .default_value(1.0)
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = lock(&self.settings);
        match pspec.name() {
            "landmarks" => settings.landmarks = value.get().expect("type checked upstream"),
            "visemes" => settings.visemes = value.get().expect("type checked upstream"),
            "seed" => settings.seed = value.get().expect("type checked upstream"),
            "idle" => settings.idle = value.get().expect("type checked upstream"),
            "zoom" => settings.camera.zoom = value.get().expect("type checked upstream"),
            "x" => settings.camera.x = value.get().expect("type checked upstream"),
            "y" => settings.camera.y = value.get().expect("type checked upstream"),
            _ => unimplemented!(),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "landmarks" => settings.landmarks.to_value(),
            "visemes" => settings.visemes.to_value(),
            "seed" => settings.seed.to_value(),
            "idle" => settings.idle.to_value(),
            "zoom" => settings.camera.zoom.to_value(),
            "x" => settings.camera.x.to_value(),
            "y" => settings.camera.y.to_value(),
            _ => unimplemented!(),
        }
    }
}

impl GstObjectImpl for LipSync {}

impl ElementImpl for LipSync {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "reel lip sync",
                "Filter/Effect/Video",
                "Animates the face of a portrait: mouth shapes from a viseme track, blinks, sway",
                "reel",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let caps = gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::I420)
                .build();
            crate::shared::passthrough_templates(&caps)
        });
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for LipSync {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        let loaded = self.load()?;
        gst::debug!(CAT, imp = self, "{} mouth cues", loaded.cues.len());
        *lock(&self.loaded) = Some(loaded);
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.loaded) = None;
        Ok(())
    }
}

impl VideoFilterImpl for LipSync {
    fn transform_frame_ip(
        &self,
        frame: &mut gst_video::VideoFrameRef<&mut gst::BufferRef>,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let Some(pts) = frame.buffer().pts() else {
            return Ok(gst::FlowSuccess::Ok);
        };
        let t = pts.nseconds() as f64 / 1e9;
        let (seed, idle, camera) = {
            let settings = lock(&self.settings);
            (settings.seed, settings.idle, settings.camera)
        };
        let fps = frame.info().fps();
        let frame_time = if fps.numer() > 0 {
            f64::from(fps.denom()) / f64::from(fps.numer())
        } else {
            1.0 / 30.0
        };
        let mut guard = lock(&self.loaded);
        let loaded = guard.as_mut().ok_or(gst::FlowError::Flushing)?;
        let size = (frame.width(), frame.height());
        if loaded.rig.as_ref().is_none_or(|(s, _)| *s != size) {
            let face = &loaded.face;
            let place = rig::placement((face.width, face.height), size, &camera);
            let rig = Rig::new(&face.points, place).map_err(|e| {
                gst::element_imp_error!(self, gst::StreamError::Format, ["Landmarks: {}", e]);
                gst::FlowError::Error
            })?;
            loaded.rig = Some((size, rig));
        }
        let moment = Moment {
            mouth: pose::mouth_at(&loaded.cues, t, frame_time),
            lids: loaded.blinks.closure(t),
            sway: pose::sway(t, seed, idle),
        };
        let Some((_, rig)) = &loaded.rig else {
            return Err(gst::FlowError::Error);
        };
        let format = frame.format_info();
        for (i, scratch) in loaded.scratch.iter_mut().enumerate() {
            let plane = i as u32;
            let (width, height) = (
                frame.comp_width(plane) as usize,
                frame.comp_height(plane) as usize,
            );
            let stride = frame.plane_stride()[i] as usize;
            let sub = 1usize << format.w_sub()[i];
            let data = frame
                .plane_data_mut(plane)
                .map_err(|_| gst::FlowError::Error)?;
            let target = PlaneMut {
                data,
                stride,
                width,
                height,
                sub,
            };
            warp::draw(target, i, rig, &moment, scratch);
        }
        Ok(gst::FlowSuccess::Ok)
    }
}
