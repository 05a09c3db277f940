//! MediaPipe's Face Mesh in ONNX: 468 landmarks of one face (lips, eyes, brows, jaw line), from
//! a square crop around a face BlazeFace found.
//!
//! The crop is MediaPipe's: centred on the face box, 1.5 times its longer side, turned so the
//! eyes are level, sampled bilinearly to 192×192 RGB in 0..1. The model gives each point in crop
//! pixels (x, y, and a depth it is not used for here) and a face-presence logit; the points are
//! turned and scaled back into the picture.

use super::blazeface::Face;
use super::FacesError;
use crate::onnx::model::Value;
use crate::onnx::{runtime, DType, Model, Provider, RunOptions, TensorSpec};
use std::path::Path;

/// The model's input side, pixels.
pub const INPUT: usize = 192;
/// Landmarks the model gives.
pub const POINTS: usize = 468;
/// The crop's side over the face box's longer side.
const CROP_SCALE: f32 = 1.5;
/// The presence score (0..1) a crop needs to hold a face.
pub const PRESENCE: f32 = 0.5;

/// A face's landmarks in picture pixels, MediaPipe's numbering.
#[derive(Debug, Clone, PartialEq)]
pub struct Landmarks {
    pub points: Vec<(f32, f32)>,
    /// How sure the model is that the crop held a face, 0..1.
    pub presence: f32,
}

/// The square a face is read from: centre and side in picture pixels, and its turn (radians).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Crop {
    cx: f32,
    cy: f32,
    side: f32,
    angle: f32,
}

impl Crop {
    fn around(face: &Face, width: usize, height: usize) -> Crop {
        let (w, h) = (width as f32, height as f32);
        let (right_eye, left_eye) = (face.keypoints[0], face.keypoints[1]);
        let angle = ((left_eye.1 - right_eye.1) * h).atan2((left_eye.0 - right_eye.0) * w);
        Crop {
            cx: face.x * w,
            cy: face.y * h,
            side: (face.width * w).max(face.height * h) * CROP_SCALE,
            angle,
        }
    }

    /// The picture point under crop pixel (u, v), both measured from the top left.
    fn picture_point(&self, u: f32, v: f32) -> (f32, f32) {
        let scale = self.side / INPUT as f32;
        let (dx, dy) = (
            (u - INPUT as f32 / 2.0) * scale,
            (v - INPUT as f32 / 2.0) * scale,
        );
        let (sin, cos) = self.angle.sin_cos();
        (self.cx + dx * cos - dy * sin, self.cy + dx * sin + dy * cos)
    }
}

/// The model's NCHW input: the crop of an RGB picture, bilinear, 0..1, black outside it.
fn input_tensor(rgb: &[u8], width: usize, height: usize, stride: usize, crop: &Crop) -> Vec<f32> {
    let plane = INPUT * INPUT;
    let mut input = vec![0.0f32; plane * 3];
    let at = |x: isize, y: isize, c: usize| -> f32 {
        if x < 0 || y < 0 || x as usize >= width || y as usize >= height {
            0.0
        } else {
            f32::from(rgb[y as usize * stride + x as usize * 3 + c])
        }
    };
    for v in 0..INPUT {
        for u in 0..INPUT {
            let (x, y) = crop.picture_point(u as f32 + 0.5, v as f32 + 0.5);
            let (x, y) = (x - 0.5, y - 0.5);
            let (x0, y0) = (x.floor(), y.floor());
            let (fx, fy) = (x - x0, y - y0);
            let (x0, y0) = (x0 as isize, y0 as isize);
            for c in 0..3 {
                let top = at(x0, y0, c) * (1.0 - fx) + at(x0 + 1, y0, c) * fx;
                let bottom = at(x0, y0 + 1, c) * (1.0 - fx) + at(x0 + 1, y0 + 1, c) * fx;
                input[c * plane + v * INPUT + u] = (top * (1.0 - fy) + bottom * fy) / 255.0;
            }
        }
    }
    input
}

fn spec(name: &str, shape: &[i64]) -> TensorSpec {
    TensorSpec {
        name: name.to_string(),
        dtype: DType::F32,
        shape: shape.to_vec(),
    }
}

/// A loaded Face Mesh model.
pub struct FaceMesh {
    model: Model,
}

impl std::fmt::Debug for FaceMesh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceMesh")
            .field("provider", &self.model.provider)
            .finish()
    }
}

impl FaceMesh {
    /// Opens `path`, a `.onnx` file or a folder holding `model.onnx`.
    pub fn open(path: &Path, options: RunOptions) -> Result<FaceMesh, FacesError> {
        let file = if path.is_dir() {
            path.join(super::MODEL_FILE)
        } else {
            path.to_path_buf()
        };
        runtime::init(None)?;
        let model = Model::open(&file, "Face Mesh", options.try_cuda, options.threads)?;
        let side = INPUT as i64;
        model.check(
            &[spec("input_1", &[1, 3, side, side])],
            &[
                spec("conv2d_20", &[1, POINTS as i64 * 3, 1, 1]),
                spec("conv2d_30", &[1, 1, 1, 1]),
            ],
        )?;
        Ok(FaceMesh { model })
    }

    pub fn provider(&self) -> Provider {
        self.model.provider
    }

    /// The landmarks of `face` (found by BlazeFace in the same picture) in an RGB picture with
    /// `stride` bytes a row.
    pub fn landmarks(
        &mut self,
        rgb: &[u8],
        width: usize,
        height: usize,
        stride: usize,
        face: &Face,
    ) -> Result<Landmarks, FacesError> {
        if width == 0
            || height == 0
            || stride < width * 3
            || rgb.len() < stride * (height - 1) + width * 3
        {
            return Err(FacesError::Picture(format!(
                "{width}×{height} RGB with {stride} bytes a row does not fit {} bytes",
                rgb.len()
            )));
        }
        let crop = Crop::around(face, width, height);
        let side = INPUT as i64;
        let outputs = self.model.run(vec![(
            "input_1",
            Value::f32(
                &[1, 3, side, side],
                input_tensor(rgb, width, height, stride, &crop),
            ),
        )])?;
        let output = |name: &str, len: usize| -> Result<&[f32], FacesError> {
            outputs
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.as_f32())
                .filter(|v| v.len() == len)
                .ok_or_else(|| FacesError::Output(format!("no {len} floats in '{name}'")))
        };
        let raw = output("conv2d_20", POINTS * 3)?;
        let logit = output("conv2d_30", 1)?[0];
        let points = raw
            .chunks_exact(3)
            .map(|p| crop.picture_point(p[0], p[1]))
            .collect();
        Ok(Landmarks {
            points,
            presence: 1.0 / (1.0 + (-logit).exp()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, y: f32, size: f32, eyes: [(f32, f32); 2]) -> Face {
        let mut keypoints = [(x, y); 6];
        keypoints[0] = eyes[0];
        keypoints[1] = eyes[1];
        Face {
            x,
            y,
            width: size,
            height: size,
            score: 1.0,
            keypoints,
        }
    }

    #[test]
    fn the_crop_is_centred_half_again_the_box_and_level_with_the_eyes() {
        let level = face(0.5, 0.5, 0.2, [(0.45, 0.45), (0.55, 0.45)]);
        let crop = Crop::around(&level, 1000, 1000);
        assert!((crop.side - 300.0).abs() < 1e-3 && crop.angle.abs() < 1e-6);
        let centre = crop.picture_point(96.0, 96.0);
        assert!((centre.0 - 500.0).abs() < 1e-3 && (centre.1 - 500.0).abs() < 1e-3);
        let corner = crop.picture_point(0.0, 0.0);
        assert!((corner.0 - 350.0).abs() < 1e-3 && (corner.1 - 350.0).abs() < 1e-3);

        // Eyes on a 45° line: the crop turns with them, so its x axis runs along them.
        let tilted = face(0.5, 0.5, 0.2, [(0.45, 0.45), (0.55, 0.55)]);
        let crop = Crop::around(&tilted, 1000, 1000);
        assert!((crop.angle - std::f32::consts::FRAC_PI_4).abs() < 1e-5);
        let right = crop.picture_point(192.0, 96.0);
        let half = 150.0 / 2f32.sqrt();
        assert!((right.0 - (500.0 + half)).abs() < 1e-2 && (right.1 - (500.0 + half)).abs() < 1e-2);
    }

    #[test]
    fn the_input_samples_the_crop_and_is_black_outside_the_picture() {
        // A 100×100 picture, left half black and right half white, the crop centred on it and
        // twice as wide: its outer quarters fall outside the picture.
        let mut rgb = vec![0u8; 100 * 100 * 3];
        for row in rgb.chunks_mut(300) {
            row[150..].fill(255);
        }
        let crop = Crop {
            cx: 50.0,
            cy: 50.0,
            side: 200.0,
            angle: 0.0,
        };
        let input = input_tensor(&rgb, 100, 100, 300, &crop);
        let row = 96 * INPUT;
        assert_eq!(input[row + 10], 0.0);
        assert_eq!(input[row + 60], 0.0);
        assert!((input[row + 130] - 1.0).abs() < 1e-6);
        assert_eq!(input[row + 180], 0.0);
        // The other two channels say the same.
        assert!((input[INPUT * INPUT * 2 + row + 130] - 1.0).abs() < 1e-6);
    }
}
