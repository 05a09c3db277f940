//! A character's portrait and the face in it: BlazeFace finds the face, Face Mesh its 468
//! landmarks, which `reellipsync` animates. Kept in the cache by the picture's content and the
//! models', so each portrait is looked at once.

use crate::models::Registry;
use crate::plan::timeline::{Curve, Motion, View};
use crate::render::cache::{self, Cache};
use crate::render::error::RenderError;
use crate::render::pipeline::{self, capsfilter, chain, make};
use gst::prelude::*;
use gstreel::faces::{BlazeFace, FaceMesh, DEFAULT_THRESHOLD};
use gstreel::onnx::RunOptions;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Bumped when what is stored changes meaning.
const CACHE_VERSION: &str = "portrait-face-1";

/// The face in a portrait: what `reellipsync` reads (`landmarks=`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortraitFace {
    /// The picture's size, pixels.
    pub width: u32,
    pub height: u32,
    /// The face box, pixels: left, top, width, height.
    pub face: [f32; 4],
    /// Face Mesh's 468 landmarks in picture pixels, MediaPipe's numbering.
    pub points: Vec<[f32; 2]>,
}

/// The face of the portrait at `path`, from the cache or found now; the file of it in the cache
/// is what `reellipsync` is given. A picture without a face is an error naming it.
pub fn face_of(path: &Path, cache: &Cache) -> Result<(PortraitFace, PathBuf), RenderError> {
    let registry = Registry::locate();
    let model = |task: &str| {
        registry.active_for(task).ok_or_else(|| RenderError::Input {
            path: path.to_path_buf(),
            message: format!(
                "a portrait needs a {task} model to find its face: run \
                 `reel models install --default`"
            ),
        })
    };
    let (detector, mesh) = (model("face")?, model("face-landmarks")?);
    let content = cache::sha256_file(path).map_err(|e| RenderError::io(path, e))?;
    let entry = cache.path(
        "portrait-face",
        &[
            content.as_bytes(),
            model_key(&detector).as_bytes(),
            model_key(&mesh).as_bytes(),
            CACHE_VERSION.as_bytes(),
        ],
        "json",
    );
    if let Some(face) = std::fs::read(&entry)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<PortraitFace>(&bytes).ok())
    {
        return Ok((face, entry));
    }
    crate::models::runtime().map_err(|e| RenderError::Input {
        path: path.to_path_buf(),
        message: format!("cannot look for the face: {e}"),
    })?;
    let face = find(
        path,
        &registry.model_dir(&detector.id),
        &registry.model_dir(&mesh.id),
    )?;
    let json = serde_json::to_vec(&face).map_err(|e| pipeline::internal(e.to_string()))?;
    cache::write_atomic(&entry, &json).map_err(|e| RenderError::io(&entry, e))?;
    Ok((face, entry))
}

/// How much of the view's height the face box takes in a talking shot, at its start.
const FACE_SHARE: f64 = 0.42;
/// How much closer the shot is at its end: a push-in slow enough to feel like breathing.
const PUSH_IN: f64 = 1.06;
/// The closest a talking shot comes (more would show the portrait's pixels).
const MAX_ZOOM: f64 = 3.0;

/// The shot of a talking face: [`framing`], pushing in by [`PUSH_IN`] over the clip, so the
/// picture is never still (a held frame with only a mouth moving reads as a frozen one).
pub fn shot(face: &PortraitFace, panel: (u32, u32)) -> Motion {
    let from = framing(face, panel);
    Motion {
        from,
        to: View {
            zoom: from.zoom * PUSH_IN,
            ..from
        },
        curve: Curve::Linear,
    }
}

/// The camera that frames the face for a panel of `panel` pixels: centred on it, a little
/// above the middle (room for the chin and the captions), the face about two fifths of the
/// height, never closer than [`MAX_ZOOM`] or wider than the whole portrait.
pub fn framing(face: &PortraitFace, panel: (u32, u32)) -> View {
    let (iw, ih) = (f64::from(face.width.max(1)), f64::from(face.height.max(1)));
    let aspect = f64::from(panel.0.max(1)) / f64::from(panel.1.max(1));
    // The view's height at zoom 1: the largest window of the panel's shape in the portrait.
    let widest = if iw / ih > aspect { ih } else { iw / aspect };
    let [left, top, width, height] = face.face.map(f64::from);
    let zoom = (FACE_SHARE * widest / height.max(1.0)).clamp(1.0, MAX_ZOOM);
    let view_height = widest / zoom;
    View {
        zoom,
        x: (left + width / 2.0) / iw,
        y: (top + height / 2.0 + view_height * 0.06) / ih,
        rotate: 0.0,
    }
}

fn model_key(model: &crate::models::registry::Installed) -> String {
    let hashes: Vec<&str> = model.files.iter().map(|f| f.sha256.as_str()).collect();
    format!("{}:{}", model.id, hashes.join(","))
}

/// Finds the face of `path` with the models in `detector` and `mesh` (folders).
pub fn find(path: &Path, detector: &Path, mesh: &Path) -> Result<PortraitFace, RenderError> {
    let (rgb, width, height, stride) = decode_rgb(path)?;
    let model_error = |e: gstreel::faces::FacesError| RenderError::Input {
        path: path.to_path_buf(),
        message: format!("cannot look for the face: {e}"),
    };
    let options = RunOptions::default();
    let mut blazeface = BlazeFace::open(detector, options).map_err(model_error)?;
    let faces = blazeface
        .detect(&rgb, width, height, stride, DEFAULT_THRESHOLD)
        .map_err(model_error)?;
    let no_face = || RenderError::Input {
        path: path.to_path_buf(),
        message: "no face found in this portrait: use a picture where one face looks at the \
                  camera, at least a tenth of the picture high"
            .into(),
    };
    let face = faces.first().ok_or_else(no_face)?;
    let landmarks = FaceMesh::open(mesh, options)
        .and_then(|mut m| m.landmarks(&rgb, width, height, stride, face))
        .map_err(model_error)?;
    if landmarks.presence < gstreel::faces::mesh::PRESENCE {
        return Err(no_face());
    }
    let (w, h) = (width as f32, height as f32);
    Ok(PortraitFace {
        width: width as u32,
        height: height as u32,
        face: [
            (face.x - face.width / 2.0) * w,
            (face.y - face.height / 2.0) * h,
            face.width * w,
            face.height * h,
        ],
        points: landmarks.points.iter().map(|&(x, y)| [x, y]).collect(),
    })
}

/// The picture at `path` as RGB: the bytes, width, height and bytes a row.
fn decode_rgb(path: &Path) -> Result<(Vec<u8>, usize, usize, usize), RenderError> {
    pipeline::init()?;
    let pipeline = gst::Pipeline::new();
    let source = make("filesrc")?;
    source.set_property("location", path);
    let decode = make("decodebin")?;
    let convert = make("videoconvert")?;
    let caps = gst_video::VideoCapsBuilder::new()
        .format(gst_video::VideoFormat::Rgb)
        .build();
    let filter = capsfilter(&caps)?;
    let sink = gst_app::AppSink::builder().caps(&caps).sync(false).build();
    chain(&pipeline, &[&source, &decode])?;
    chain(&pipeline, &[&convert, &filter, sink.upcast_ref()])?;
    pipeline::link_decoded(&decode, &convert, "video");
    let unreadable = |why: String| RenderError::Input {
        path: path.to_path_buf(),
        message: format!("the portrait cannot be read as a picture: {why}"),
    };
    let _ = pipeline.set_state(gst::State::Paused);
    let sample = sink.try_pull_preroll(gst::ClockTime::from_seconds(20));
    let bus_error = pipeline.bus().and_then(|bus| {
        bus.pop_filtered(&[gst::MessageType::Error])
            .and_then(|m| match m.view() {
                gst::MessageView::Error(e) => Some(e.error().to_string()),
                _ => None,
            })
    });
    let _ = pipeline.set_state(gst::State::Null);
    let sample = match (sample, bus_error) {
        (Some(sample), _) => sample,
        (None, Some(error)) => return Err(unreadable(error)),
        (None, None) => return Err(unreadable("no picture came out of it".into())),
    };
    let info = sample
        .caps()
        .and_then(|caps| gst_video::VideoInfo::from_caps(caps).ok())
        .ok_or_else(|| unreadable("no picture size".into()))?;
    let buffer = sample
        .buffer()
        .ok_or_else(|| unreadable("an empty picture".into()))?;
    let map = buffer
        .map_readable()
        .map_err(|_| unreadable("unmappable".into()))?;
    Ok((
        map.to_vec(),
        info.width() as usize,
        info.height() as usize,
        info.stride()[0] as usize,
    ))
}
