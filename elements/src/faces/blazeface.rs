//! MediaPipe's BlazeFace (the back-camera model, 256×256) in ONNX: faces with their boxes and
//! six key points (eyes, nose tip, mouth, ears) in one picture. The back-camera model finds
//! faces down to about a twentieth of the picture's long side, where the front-camera one needs
//! a seventh, so a whole 16:9 frame goes in at once.
//!
//! The picture is letterboxed into the model's square input (its shape kept, the rest black),
//! scaled to -1..1. The model scores 896 anchors: a 16×16 grid with two anchors per cell and an
//! 8×8 grid with six. Each anchor's box is an offset from the cell's centre, in input pixels;
//! boxes that overlap by more than [`OVERLAP`] are blended into one, weighted by their scores,
//! as MediaPipe's weighted non-maximum suppression does.

use super::FacesError;
use crate::onnx::model::Value;
use crate::onnx::{runtime, DType, Model, Provider, RunOptions, TensorSpec};
use std::path::Path;

/// The model's input side, pixels.
pub const INPUT: usize = 256;
/// The file a model folder holds.
pub const MODEL_FILE: &str = "model.onnx";
/// Boxes overlapping by more than this (intersection over union) are one face.
pub const OVERLAP: f32 = 0.3;
/// The score a face needs by default.
pub const DEFAULT_THRESHOLD: f32 = 0.75;
/// Cells per row and anchors per cell of the model's two output layers.
const LAYERS: [(usize, usize); 2] = [(16, 2), (8, 6)];
/// Values per anchor in the box outputs: centre, size, then six (x, y) key points.
const BOX_VALUES: usize = 16;

/// One face, in fractions of the picture's width and height (0..1 from the top left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Face {
    /// Centre of the box.
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    /// How sure the model is, 0..1.
    pub score: f32,
    /// Right eye, left eye, nose tip, mouth centre, right ear, left ear (as seen by the
    /// person in the picture).
    pub keypoints: [(f32, f32); 6],
}

impl Face {
    fn left(&self) -> f32 {
        self.x - self.width / 2.0
    }
    fn top(&self) -> f32 {
        self.y - self.height / 2.0
    }

    /// Intersection over union of two boxes.
    pub fn overlap(&self, other: &Face) -> f32 {
        let w = (self.left() + self.width).min(other.left() + other.width)
            - self.left().max(other.left());
        let h = (self.top() + self.height).min(other.top() + other.height)
            - self.top().max(other.top());
        let inner = w.max(0.0) * h.max(0.0);
        let union = self.width * self.height + other.width * other.height - inner;
        if union > 0.0 {
            inner / union
        } else {
            0.0
        }
    }

    /// The geometry as one vector, for blending.
    fn values(&self) -> [f32; 16] {
        let mut v = [0.0; 16];
        v[..4].copy_from_slice(&[self.x, self.y, self.width, self.height]);
        for (i, (x, y)) in self.keypoints.iter().enumerate() {
            v[4 + 2 * i] = *x;
            v[5 + 2 * i] = *y;
        }
        v
    }

    fn from_values(v: &[f32; 16], score: f32) -> Face {
        let mut keypoints = [(0.0, 0.0); 6];
        for (i, point) in keypoints.iter_mut().enumerate() {
            *point = (v[4 + 2 * i], v[5 + 2 * i]);
        }
        Face {
            x: v[0],
            y: v[1],
            width: v[2],
            height: v[3],
            score,
            keypoints,
        }
    }
}

/// The faces the raw outputs hold, in fractions of the square input: `scores` one logit per
/// anchor and `boxes` [`BOX_VALUES`] per anchor, both for the two layers in order.
pub fn decode(scores: &[f32], boxes: &[f32], threshold: f32) -> Vec<Face> {
    let scale = 1.0 / INPUT as f32;
    let mut faces = Vec::new();
    let mut anchor = 0usize;
    for (cells, per_cell) in LAYERS {
        for cy in 0..cells {
            for cx in 0..cells {
                let centre = (
                    (cx as f32 + 0.5) / cells as f32,
                    (cy as f32 + 0.5) / cells as f32,
                );
                for _ in 0..per_cell {
                    let (Some(&logit), Some(b)) = (
                        scores.get(anchor),
                        boxes.get(anchor * BOX_VALUES..(anchor + 1) * BOX_VALUES),
                    ) else {
                        return faces;
                    };
                    anchor += 1;
                    let score = 1.0 / (1.0 + (-logit.clamp(-80.0, 80.0)).exp());
                    if score < threshold {
                        continue;
                    }
                    let mut keypoints = [(0.0, 0.0); 6];
                    for (i, point) in keypoints.iter_mut().enumerate() {
                        *point = (
                            centre.0 + b[4 + 2 * i] * scale,
                            centre.1 + b[5 + 2 * i] * scale,
                        );
                    }
                    faces.push(Face {
                        x: centre.0 + b[0] * scale,
                        y: centre.1 + b[1] * scale,
                        width: b[2] * scale,
                        height: b[3] * scale,
                        score,
                        keypoints,
                    });
                }
            }
        }
    }
    faces
}

/// One face per group of overlapping boxes, best first: each group's geometry is the
/// score-weighted mean of its boxes and its score the best of them.
pub fn blend_overlaps(mut faces: Vec<Face>) -> Vec<Face> {
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut taken = vec![false; faces.len()];
    let mut out = Vec::new();
    for i in 0..faces.len() {
        if taken[i] {
            continue;
        }
        let mut sum = [0.0f32; 16];
        let mut weight = 0.0;
        for j in i..faces.len() {
            if taken[j] || (j != i && faces[i].overlap(&faces[j]) < OVERLAP) {
                continue;
            }
            taken[j] = true;
            let values = faces[j].values();
            for (s, v) in sum.iter_mut().zip(values) {
                *s += v * faces[j].score;
            }
            weight += faces[j].score;
        }
        sum.iter_mut().for_each(|s| *s /= weight);
        out.push(Face::from_values(&sum, faces[i].score));
    }
    out
}

/// Where a picture sits in the square input: its scale and the black bars around it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Letterbox {
    /// Input pixels per picture pixel.
    scale: f32,
    /// Input pixels of bar left and above.
    pad_x: f32,
    pad_y: f32,
    /// The picture's size in input pixels.
    width: f32,
    height: f32,
}

impl Letterbox {
    fn new(width: usize, height: usize) -> Letterbox {
        let scale = INPUT as f32 / width.max(height).max(1) as f32;
        let (w, h) = (width as f32 * scale, height as f32 * scale);
        Letterbox {
            scale,
            pad_x: (INPUT as f32 - w) / 2.0,
            pad_y: (INPUT as f32 - h) / 2.0,
            width: w,
            height: h,
        }
    }

    /// `face` from fractions of the input to fractions of the picture.
    fn unbox(&self, face: &Face) -> Face {
        let n = INPUT as f32;
        let x = |v: f32| (v * n - self.pad_x) / self.width;
        let y = |v: f32| (v * n - self.pad_y) / self.height;
        let mut keypoints = face.keypoints;
        for point in &mut keypoints {
            *point = (x(point.0), y(point.1));
        }
        Face {
            x: x(face.x),
            y: y(face.y),
            width: face.width * n / self.width,
            height: face.height * n / self.height,
            score: face.score,
            keypoints,
        }
    }
}

/// The model's input for an RGB picture (`stride` bytes a row): letterboxed, each input pixel
/// the mean of the picture pixels under it (so small text and noise do not alias), -1..1.
fn input_tensor(rgb: &[u8], width: usize, height: usize, stride: usize) -> Vec<f32> {
    let fit = Letterbox::new(width, height);
    let mut input = vec![-1.0f32; INPUT * INPUT * 3];
    let step = 1.0 / fit.scale;
    for iy in 0..INPUT {
        let fy = (iy as f32 + 0.5 - fit.pad_y) * step;
        if fy < 0.0 || fy >= height as f32 {
            continue;
        }
        let (y0, y1) = span(fy, step, height);
        for ix in 0..INPUT {
            let fx = (ix as f32 + 0.5 - fit.pad_x) * step;
            if fx < 0.0 || fx >= width as f32 {
                continue;
            }
            let (x0, x1) = span(fx, step, width);
            let mut sum = [0u32; 3];
            for row in rgb[y0 * stride..].chunks(stride).take(y1 - y0) {
                for pixel in row[x0 * 3..x1 * 3].chunks_exact(3) {
                    for c in 0..3 {
                        sum[c] += u32::from(pixel[c]);
                    }
                }
            }
            let count = ((y1 - y0) * (x1 - x0)).max(1) as f32;
            let at = (iy * INPUT + ix) * 3;
            for c in 0..3 {
                input[at + c] = sum[c] as f32 / count / 127.5 - 1.0;
            }
        }
    }
    input
}

/// The picture pixels `[first, last)` an input pixel centred at `centre` and `step` wide
/// covers, at least one.
fn span(centre: f32, step: f32, len: usize) -> (usize, usize) {
    let first = ((centre - step / 2.0).floor().max(0.0) as usize).min(len - 1);
    let last = ((centre + step / 2.0).ceil() as usize).clamp(first + 1, len);
    (first, last)
}

fn spec(name: &str, shape: &[i64]) -> TensorSpec {
    TensorSpec {
        name: name.to_string(),
        dtype: DType::F32,
        shape: shape.to_vec(),
    }
}

/// A loaded BlazeFace model.
pub struct BlazeFace {
    model: Model,
}

impl std::fmt::Debug for BlazeFace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlazeFace")
            .field("provider", &self.model.provider)
            .finish()
    }
}

impl BlazeFace {
    /// Opens `path`, a `.onnx` file or a folder holding `model.onnx`.
    pub fn open(path: &Path, options: RunOptions) -> Result<BlazeFace, FacesError> {
        let file = if path.is_dir() {
            path.join(MODEL_FILE)
        } else {
            path.to_path_buf()
        };
        runtime::init(None)?;
        let model = Model::open(&file, "BlazeFace", options.try_cuda, options.threads)?;
        let side = INPUT as i64;
        model.check(
            &[spec("input:0", &[1, side, side, 3])],
            &[
                spec("Identity:0", &[1, 512, 1]),
                spec("Identity_1:0", &[1, 384, 1]),
                spec("Identity_2:0", &[1, 512, 16]),
                spec("Identity_3:0", &[1, 384, 16]),
            ],
        )?;
        Ok(BlazeFace { model })
    }

    /// Where the model runs.
    pub fn provider(&self) -> Provider {
        self.model.provider
    }

    /// The faces in an RGB picture (`stride` bytes a row) scoring at least `threshold`, best
    /// first, in fractions of the picture.
    pub fn detect(
        &mut self,
        rgb: &[u8],
        width: usize,
        height: usize,
        stride: usize,
        threshold: f32,
    ) -> Result<Vec<Face>, FacesError> {
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
        let side = INPUT as i64;
        let outputs = self.model.run(vec![(
            "input:0",
            Value::f32(
                &[1, side, side, 3],
                input_tensor(rgb, width, height, stride),
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
        let scores = [output("Identity:0", 512)?, output("Identity_1:0", 384)?].concat();
        let boxes = [
            output("Identity_2:0", 512 * BOX_VALUES)?,
            output("Identity_3:0", 384 * BOX_VALUES)?,
        ]
        .concat();
        let fit = Letterbox::new(width, height);
        Ok(blend_overlaps(decode(&scores, &boxes, threshold))
            .iter()
            .map(|face| fit.unbox(face))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, y: f32, size: f32, score: f32) -> Face {
        Face {
            x,
            y,
            width: size,
            height: size,
            score,
            keypoints: [(x, y); 6],
        }
    }

    #[test]
    fn an_anchor_box_is_an_offset_from_its_cell_in_input_pixels() {
        let mut scores = vec![-10.0; 896];
        let mut boxes = vec![0.0; 896 * BOX_VALUES];
        // Cell (3, 2) of the 16×16 grid, its second anchor: centre (3.5/16, 2.5/16).
        let anchor = (2 * 16 + 3) * 2 + 1;
        scores[anchor] = 3.0;
        let px = INPUT as f32;
        boxes[anchor * 16..anchor * 16 + 4].copy_from_slice(&[
            0.05 * px,
            -0.025 * px,
            0.25 * px,
            0.2 * px,
        ]);
        // The first anchor of the 8×8 grid's last cell: centre (7.5/8, 7.5/8).
        let last = 512 + 63 * 6;
        scores[last] = 2.0;
        let faces = decode(&scores, &boxes, 0.75);
        assert_eq!(faces.len(), 2);
        let f = faces[0];
        assert!((f.x - (3.5 / 16.0 + 0.05)).abs() < 1e-6);
        assert!((f.y - (2.5 / 16.0 - 0.025)).abs() < 1e-6);
        assert!((f.width - 0.25).abs() < 1e-6 && (f.height - 0.2).abs() < 1e-6);
        assert!((f.score - 1.0 / (1.0 + (-3.0f32).exp())).abs() < 1e-6);
        assert!((faces[1].x - 7.5 / 8.0).abs() < 1e-6);
        // Scores under the threshold are not faces.
        assert_eq!(decode(&scores, &boxes, 0.9).len(), 1);
    }

    #[test]
    fn overlapping_boxes_blend_by_score_and_apart_ones_stay() {
        let faces = vec![
            face(0.50, 0.5, 0.2, 0.8),
            face(0.52, 0.5, 0.2, 0.9),
            face(0.10, 0.1, 0.1, 0.95),
        ];
        let out = blend_overlaps(faces);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.95);
        assert!((out[1].x - (0.5 * 0.8 + 0.52 * 0.9) / 1.7).abs() < 1e-6);
        assert_eq!(out[1].score, 0.9);
    }

    #[test]
    fn letterboxing_keeps_the_picture_shape_and_maps_back() {
        // A 16:9 picture: 9/16 of the input high, 7/32 of it bar above and below.
        let n = INPUT as f32;
        let fit = Letterbox::new(1920, 1080);
        assert!((fit.pad_y - n * 7.0 / 32.0).abs() < 1e-3 && fit.pad_x.abs() < 1e-6);
        let in_input = face(0.5, 7.0 / 32.0 + 9.0 / 64.0, 9.0 / 32.0, 1.0);
        let back = fit.unbox(&in_input);
        assert!((back.y - 0.25).abs() < 1e-5);
        assert!((back.height - 0.5).abs() < 1e-5 && (back.width - 9.0 / 32.0).abs() < 1e-5);
    }

    #[test]
    fn the_input_averages_the_picture_and_blacks_the_bars() {
        // 1024×512 white: the top and bottom quarter of the input are bar (-1), the rest white.
        let rgb = vec![255u8; 1024 * 512 * 3];
        let input = input_tensor(&rgb, 1024, 512, 1024 * 3);
        let half = INPUT / 2;
        assert_eq!(input[0], -1.0);
        assert!((input[(half * INPUT + half) * 3] - 1.0).abs() < 1e-6);
        assert_eq!(input[((INPUT - 1) * INPUT) * 3], -1.0);
    }
}
