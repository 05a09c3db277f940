use super::pose::Pose;
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
    /// The camera of the `reelkenburns` shot of the portrait: at its start, its zoom at the
    /// end (a slow push-in), and the shot's length and place on the stream (ns).
    camera: Camera,
    zoom_to: f64,
    duration: u64,
    timestamp_offset: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            landmarks: None,
            visemes: None,
            seed: 0,
            camera: Camera {
                zoom: 1.0,
                x: 0.5,
                y: 0.5,
                rotate: 0.0,
            },
            zoom_to: 1.0,
            duration: 0,
            timestamp_offset: 0,
        }
    }
}

/// What the files said, read when the element starts.
struct Loaded {
    face: FaceFile,
    cues: Vec<Cue>,
    blinks: Blinks,
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
        let face: FaceFile = serde_json::from_str(&landmarks)
            .map_err(|e| e.to_string())
            .and_then(|face: FaceFile| {
                Rig::new(&face.points, |[x, y]| (x, y))?;
                Ok(face)
            })
            .map_err(|e| {
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
                    .blurb("Picks when the eyes blink")
                    .build(),
                glib::ParamSpecDouble::builder("zoom-from")
                    .nick("Zoom from")
                    .blurb("The zoom of the reelkenburns shot of the portrait at its start")
                    .minimum(0.01)
                    .maximum(100.0)
                    .default_value(1.0)
                    .build(),
                glib::ParamSpecDouble::builder("zoom-to")
                    .nick("Zoom to")
                    .blurb("Its zoom at the end (linear in between)")
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
                glib::ParamSpecUInt64::builder("duration")
                    .nick("Duration")
                    .blurb("Length of the reelkenburns shot, ns (0: the camera holds)")
                    .build(),
                glib::ParamSpecUInt64::builder("timestamp-offset")
                    .nick("Timestamp offset")
                    .blurb("Where the shot starts on the stream, ns")
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
            "zoom-from" => settings.camera.zoom = value.get().expect("type checked upstream"),
            "zoom-to" => settings.zoom_to = value.get().expect("type checked upstream"),
            "duration" => settings.duration = value.get().expect("type checked upstream"),
            "timestamp-offset" => {
                settings.timestamp_offset = value.get().expect("type checked upstream")
            }
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
            "zoom-from" => settings.camera.zoom.to_value(),
            "zoom-to" => settings.zoom_to.to_value(),
            "duration" => settings.duration.to_value(),
            "timestamp-offset" => settings.timestamp_offset.to_value(),
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
                "Animates the face of a portrait: mouth shapes from a viseme track, and blinks",
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
        let (camera, zoom_to, duration, offset) = {
            let settings = lock(&self.settings);
            (
                settings.camera,
                settings.zoom_to,
                settings.duration,
                settings.timestamp_offset,
            )
        };
        let fps = frame.info().fps();
        let frame_time = if fps.numer() > 0 {
            f64::from(fps.denom()) / f64::from(fps.numer())
        } else {
            1.0 / 30.0
        };
        let mut guard = lock(&self.loaded);
        let loaded = guard.as_mut().ok_or(gst::FlowError::Flushing)?;
        let moment = Moment {
            mouth: pose::mouth_at(&loaded.cues, t, frame_time),
            // Blinks keep to the shot's own clock, so a part of the shot rendered on its own
            // (a segment) blinks where the whole shot does.
            lids: loaded.blinks.closure(t - offset as f64 / 1e9),
        };
        if moment.mouth == Pose::REST && moment.lids <= 0.0 {
            return Ok(gst::FlowSuccess::Ok);
        }
        // Where the face is in this frame: where reelkenburns' camera is, part way through its
        // push-in as this frame is through the shot.
        let progress = if duration == 0 {
            0.0
        } else {
            (pts.nseconds().saturating_sub(offset) as f64 / duration as f64).min(1.0)
        };
        let camera = Camera {
            zoom: camera.zoom + (zoom_to - camera.zoom) * progress,
            ..camera
        };
        let face = &loaded.face;
        let place = rig::placement(
            (face.width, face.height),
            (frame.width(), frame.height()),
            &camera,
        );
        let rig = Rig::new(&face.points, place).map_err(|e| {
            gst::element_imp_error!(self, gst::StreamError::Format, ["Landmarks: {}", e]);
            gst::FlowError::Error
        })?;
        let format = frame.format_info();
        let (sizes, strides): (Vec<(usize, usize, usize)>, Vec<usize>) = (0..3u32)
            .map(|plane| {
                let i = plane as usize;
                (
                    (
                        frame.comp_width(plane) as usize,
                        frame.comp_height(plane) as usize,
                        1usize << format.w_sub()[i],
                    ),
                    frame.plane_stride()[i] as usize,
                )
            })
            .unzip();
        let [y_scratch, u_scratch, v_scratch] = &mut loaded.scratch;
        let [y, u, v, _] = frame.planes_data_mut();
        let plane = |data, i: usize| {
            let (width, height, sub) = sizes[i];
            PlaneMut {
                data,
                stride: strides[i],
                width,
                height,
                sub,
            }
        };
        // Luma alone; the two chroma planes share their map.
        warp::draw(&mut [(plane(y, 0), 0, y_scratch)], &rig, &moment);
        warp::draw(
            &mut [(plane(u, 1), 1, u_scratch), (plane(v, 2), 2, v_scratch)],
            &rig,
            &moment,
        );
        Ok(gst::FlowSuccess::Ok)
    }
}
