//! Sub-pixel bilinear resampling of one 8-bit plane under an affine map.
//!
//! Integer crops move a slow zoom in whole-pixel steps (visible judder); here every output pixel
//! samples the source at its exact position with 1/256-pixel weights. Without rotation the map is
//! separable: columns are resolved once per frame and each source row is interpolated
//! horizontally at most once, so the vertical pass is a plain vectorisable blend of two rows.
//! On x86_64 CPUs with AVX2 both passes run as the `resample_simd` kernels, with the same results.

#[cfg(target_arch = "x86_64")]
use super::resample_simd;

/// A read-only 8-bit plane.
#[derive(Clone, Copy)]
pub struct Plane<'a> {
    pub data: &'a [u8],
    pub width: usize,
    pub height: usize,
    pub stride: usize,
}

/// A writable region of an 8-bit plane: `width` x `height` pixels at (`x`, `y`).
pub struct Target<'a> {
    pub data: &'a mut [u8],
    pub stride: usize,
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

/// Maps a target pixel centre (tx + 0.5, ty + 0.5), relative to the target's origin, to a source
/// position in pixel units whose pixel centres lie at integer + 0.5:
/// `sx = a*tx + b*ty + c`, `sy = d*tx + e*ty + f`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub d: f64,
    pub e: f64,
    pub f: f64,
}

impl Affine {
    fn is_axis_aligned(&self) -> bool {
        self.b.abs() < 1e-12 && self.d.abs() < 1e-12
    }
}

pub(super) const FRACTION_BITS: u32 = 8;
pub(super) const ONE: u32 = 1 << FRACTION_BITS;

/// Index of the left/top sample and the weight (0..=256) of the right/bottom one for a source
/// coordinate, clamped so both samples lie inside `0..len`.
fn tap(coord: f64, len: usize) -> (usize, u32) {
    let centre = coord - 0.5;
    if len < 2 || centre <= 0.0 {
        return (0, 0);
    }
    let last = (len - 1) as f64;
    if centre >= last {
        return (len - 2, ONE);
    }
    let index = centre.floor();
    let weight = ((centre - index) * f64::from(ONE)).round() as u32;
    (index as usize, weight)
}

/// Resamples `src` into `dst` under `map`, using `scratch` to keep interpolated rows between calls.
pub fn resample(src: Plane, dst: Target, map: &Affine, scratch: &mut Scratch) {
    if src.width == 0 || src.height == 0 || dst.width == 0 || dst.height == 0 {
        return;
    }
    if map.is_axis_aligned() {
        resample_separable(src, dst, map, scratch);
    } else {
        resample_affine(src, dst, map);
    }
}

/// Buffers reused from frame to frame so the hot path does not allocate.
#[derive(Default)]
pub struct Scratch {
    columns: Vec<(u32, u16)>,
    /// `columns` regrouped for the AVX2 kernels, rebuilt with them every frame.
    #[cfg(target_arch = "x86_64")]
    blocks: resample_simd::Blocks,
    rows: RowCache,
}

/// The two inner loops of the separable path. [`Scalar`] runs anywhere; `resample_simd` has AVX2
/// versions that give the same results.
pub(super) trait RowKernels {
    /// Interpolates `line` at each of `columns` (left sample index, weight of the right sample)
    /// into `out`, scaled by 256: exact, in `0..=65280`.
    fn interpolate(&self, line: &[u8], columns: &[(u32, u16)], out: &mut [u16]);
    /// Blends two interpolated rows, `weight`/256 of `bottom`, rounded back to 8 bits.
    fn blend(&self, top: &[u16], bottom: &[u16], weight: u32, out: &mut [u8]);
}

pub(super) struct Scalar;

impl RowKernels for Scalar {
    fn interpolate(&self, line: &[u8], columns: &[(u32, u16)], out: &mut [u16]) {
        interpolate(line, columns, out);
    }

    fn blend(&self, top: &[u16], bottom: &[u16], weight: u32, out: &mut [u8]) {
        blend_rows(top, bottom, weight, out);
    }
}

fn resample_separable(src: Plane, dst: Target, map: &Affine, scratch: &mut Scratch) {
    column_table(map, src.width, dst.width, &mut scratch.columns);
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = scratch.blocks.prepare(&scratch.columns, src.width) {
        return separable_rows(src, dst, map, &scratch.columns, &mut scratch.rows, &avx2);
    }
    separable_rows(src, dst, map, &scratch.columns, &mut scratch.rows, &Scalar);
}

/// The horizontal tap of every target column.
fn column_table(map: &Affine, src_width: usize, dst_width: usize, columns: &mut Vec<(u32, u16)>) {
    columns.clear();
    columns.extend((0..dst_width).map(|tx| {
        let (index, weight) = tap(map.a * (tx as f64 + 0.5) + map.c, src_width);
        (index as u32, weight as u16)
    }));
}

fn separable_rows(
    src: Plane,
    dst: Target,
    map: &Affine,
    columns: &[(u32, u16)],
    rows: &mut RowCache,
    kernels: &impl RowKernels,
) {
    rows.reset(dst.width);
    for ty in 0..dst.height {
        let (sy, wy) = tap(map.e * (ty as f64 + 0.5) + map.f, src.height);
        let mut fill = |line: &[u8], out: &mut [u16]| kernels.interpolate(line, columns, out);
        let top = rows.fetch(src, sy, &mut fill);
        let bottom = rows.fetch(src, sy + 1, &mut fill);
        let start = (dst.y + ty) * dst.stride + dst.x;
        let out = &mut dst.data[start..start + dst.width];
        kernels.blend(&rows.rows[top], &rows.rows[bottom], wy, out);
    }
}

/// The two horizontally interpolated source rows the current output row blends.
#[derive(Default)]
struct RowCache {
    rows: [Vec<u16>; 2],
    keys: [Option<usize>; 2],
}

impl RowCache {
    fn reset(&mut self, width: usize) {
        for row in &mut self.rows {
            row.resize(width, 0);
        }
        self.keys = [None, None];
    }

    /// Makes sure source row `sy` (clamped) is interpolated (by `fill`) into one of the two
    /// cached rows and returns which. Rows are only ever asked for top to bottom, so the cached
    /// row with the lower index is never needed again once a new row is wanted: that is the one
    /// to overwrite.
    fn fetch(&mut self, src: Plane, sy: usize, fill: &mut impl FnMut(&[u8], &mut [u16])) -> usize {
        let sy = sy.min(src.height - 1);
        if let Some(slot) = self.keys.iter().position(|k| *k == Some(sy)) {
            return slot;
        }
        let slot = match self.keys {
            [None, _] => 0,
            [_, None] => 1,
            [Some(a), Some(b)] => usize::from(a > b),
        };
        let line = &src.data[sy * src.stride..sy * src.stride + src.width];
        fill(line, &mut self.rows[slot]);
        self.keys[slot] = Some(sy);
        slot
    }
}

/// Scalar horizontal pass: see [`RowKernels::interpolate`].
pub(super) fn interpolate(line: &[u8], columns: &[(u32, u16)], out: &mut [u16]) {
    for (out, &(index, weight)) in out.iter_mut().zip(columns) {
        let i = index as usize;
        let left = u32::from(line[i]);
        let right = u32::from(line[(i + 1).min(line.len() - 1)]);
        let w = u32::from(weight);
        *out = (left * (ONE - w) + right * w) as u16;
    }
}

/// Scalar vertical pass: see [`RowKernels::blend`].
pub(super) fn blend_rows(top: &[u16], bottom: &[u16], weight: u32, out: &mut [u8]) {
    let (wt, wb) = (ONE - weight, weight);
    let round = 1u32 << (2 * FRACTION_BITS - 1);
    for ((o, &t), &b) in out.iter_mut().zip(top).zip(bottom) {
        *o = ((u32::from(t) * wt + u32::from(b) * wb + round) >> (2 * FRACTION_BITS)) as u8;
    }
}

/// General path for rotated views: every pixel walks the source in 16.16 fixed point.
fn resample_affine(src: Plane, dst: Target, map: &Affine) {
    const SHIFT: u32 = 16;
    let scale = f64::from(1u32 << SHIFT);
    let max_x = ((src.width - 1) as i64) << SHIFT;
    let max_y = ((src.height - 1) as i64) << SHIFT;
    let (dx, dy) = ((map.a * scale) as i64, (map.d * scale) as i64);
    for ty in 0..dst.height {
        let y = ty as f64 + 0.5;
        // Source position of the row's first pixel centre, moved to sample-index space.
        let mut sx = ((map.a * 0.5 + map.b * y + map.c - 0.5) * scale) as i64;
        let mut sy = ((map.d * 0.5 + map.e * y + map.f - 0.5) * scale) as i64;
        let start = (dst.y + ty) * dst.stride + dst.x;
        for out in &mut dst.data[start..start + dst.width] {
            let cx = sx.clamp(0, max_x);
            let cy = sy.clamp(0, max_y);
            let (ix, iy) = ((cx >> SHIFT) as usize, (cy >> SHIFT) as usize);
            let fx = ((cx >> (SHIFT - FRACTION_BITS)) & i64::from(ONE - 1)) as u32;
            let fy = ((cy >> (SHIFT - FRACTION_BITS)) & i64::from(ONE - 1)) as u32;
            let ix1 = (ix + 1).min(src.width - 1);
            let iy1 = (iy + 1).min(src.height - 1);
            let p = |x: usize, y: usize| u32::from(src.data[y * src.stride + x]);
            let top = p(ix, iy) * (ONE - fx) + p(ix1, iy) * fx;
            let bottom = p(ix, iy1) * (ONE - fx) + p(ix1, iy1) * fx;
            let round = 1u32 << (2 * FRACTION_BITS - 1);
            *out = ((top * (ONE - fy) + bottom * fy + round) >> (2 * FRACTION_BITS)) as u8;
            sx += dx;
            sy += dy;
        }
    }
}

/// Box-blurs a plane in place with three passes (close to a Gaussian), used for the blurred fill
/// behind letterboxed pictures. Runs once per clip, not per frame.
pub fn blur(data: &mut [u8], width: usize, height: usize, stride: usize, radius: usize) {
    if radius == 0 || width == 0 || height == 0 {
        return;
    }
    let mut line = vec![0u8; width.max(height)];
    for _ in 0..3 {
        for y in 0..height {
            let row = &mut data[y * stride..y * stride + width];
            box_pass(row, 1, width, radius, &mut line);
        }
        for x in 0..width {
            box_pass(&mut data[x..], stride, height, radius, &mut line);
        }
    }
}

fn box_pass(data: &mut [u8], step: usize, len: usize, radius: usize, line: &mut [u8]) {
    let at = |i: isize| -> u32 { u32::from(data[(i.clamp(0, len as isize - 1) as usize) * step]) };
    let window = (2 * radius + 1) as u32;
    let r = radius as isize;
    let mut sum: u32 = (-r..=r).map(at).sum();
    for (i, out) in line.iter_mut().enumerate().take(len) {
        *out = ((sum + window / 2) / window) as u8;
        let i = i as isize;
        sum = sum + at(i + r + 1) - at(i - r);
    }
    for (i, value) in line.iter().enumerate().take(len) {
        data[i * step] = *value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(width: usize, height: usize) -> Vec<u8> {
        (0..height)
            .flat_map(|_| (0..width).map(|x| (x * 255 / (width - 1)) as u8))
            .collect()
    }

    fn run(src: &[u8], sw: usize, sh: usize, dw: usize, dh: usize, map: Affine) -> Vec<u8> {
        let mut out = vec![0u8; dw * dh];
        let plane = Plane {
            data: src,
            width: sw,
            height: sh,
            stride: sw,
        };
        let target = Target {
            data: &mut out,
            stride: dw,
            x: 0,
            y: 0,
            width: dw,
            height: dh,
        };
        resample(plane, target, &map, &mut Scratch::default());
        out
    }

    #[test]
    fn identity_copies_the_plane() {
        let src: Vec<u8> = (0..64u8).map(|v| v * 3).collect();
        let map = Affine {
            a: 1.0,
            b: 0.0,
            c: 0.0,
            d: 0.0,
            e: 1.0,
            f: 0.0,
        };
        assert_eq!(run(&src, 8, 8, 8, 8, map), src);
    }

    #[test]
    fn half_pixel_shift_averages_neighbours() {
        let src = [0u8, 100, 200, 250];
        let map = Affine {
            a: 1.0,
            b: 0.0,
            c: 0.5,
            d: 0.0,
            e: 1.0,
            f: 0.0,
        };
        assert_eq!(run(&src, 4, 1, 3, 1, map), vec![50, 150, 225]);
    }

    #[test]
    fn rotated_path_matches_separable_path_without_rotation() {
        let src = ramp(64, 32);
        let map = Affine {
            a: 0.73,
            b: 0.0,
            c: 3.3,
            d: 0.0,
            e: 0.81,
            f: 1.7,
        };
        let separable = run(&src, 64, 32, 40, 20, map);
        // A rotation of ~1e-9 rad takes the general path yet maps to the same positions.
        let tilted = Affine { b: 1e-9, ..map };
        let general = run(&src, 64, 32, 40, 20, tilted);
        for (a, b) in separable.iter().zip(&general) {
            assert!(a.abs_diff(*b) <= 1, "{a} vs {b}");
        }
    }

    #[test]
    fn blur_keeps_flat_areas_and_softens_edges() {
        let mut data = vec![0u8; 32 * 32];
        for row in data.chunks_mut(32) {
            row[16..].fill(200);
        }
        blur(&mut data, 32, 32, 32, 2);
        assert_eq!(data[0], 0);
        assert_eq!(data[31], 200);
        assert!(data[16] > 0 && data[16] < 200);
    }

    /// A xorshift generator: reproducible noise without a dependency.
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Resamples with the kernels `resample` picks (AVX2 where the CPU has it) and with the scalar
    /// kernels, into targets that sit inside larger planes; returns both whole output planes.
    fn both_paths(src: Plane, dw: usize, dh: usize, map: &Affine) -> (Vec<u8>, Vec<u8>) {
        let (stride, x, y) = (dw + 7, 3, 2);
        let target = |data| Target {
            data,
            stride,
            x,
            y,
            width: dw,
            height: dh,
        };
        let mut picked = vec![7u8; stride * (dh + 4)];
        resample(src, target(&mut picked), map, &mut Scratch::default());
        let mut scalar = vec![7u8; stride * (dh + 4)];
        let mut columns = Vec::new();
        column_table(map, src.width, dw, &mut columns);
        let mut rows = RowCache::default();
        separable_rows(src, target(&mut scalar), map, &columns, &mut rows, &Scalar);
        (picked, scalar)
    }

    #[test]
    fn simd_kernels_match_scalar_kernels_on_random_planes_and_maps() {
        #[cfg(target_arch = "x86_64")]
        if !is_x86_feature_detected!("avx2") {
            eprintln!("no AVX2 here: both paths are the scalar code");
        }
        let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
        for case in 0..400 {
            let sw = 1 + noise.below(300);
            let sh = 1 + noise.below(40);
            let stride = sw + noise.below(20);
            let data: Vec<u8> = (0..stride * sh).map(|_| noise.next() as u8).collect();
            let src = Plane {
                data: &data,
                width: sw,
                height: sh,
                stride,
            };
            // Mostly magnification by 1..2 (the kernels' case), some reduction and some mirrored
            // maps (the fallback), and offsets that push taps past either edge.
            let scale = match case % 8 {
                0 => 1.0,
                1 => 0.3 + 2.0 * noise.unit(),
                2 => -1.0 / (1.0 + noise.unit()),
                _ => 1.0 / (1.0 + noise.unit()),
            };
            let dw = 1 + noise.below(sw * 2 + 40);
            let dh = 1 + noise.below(sh * 2 + 4);
            let c = match case % 3 {
                0 => sw as f64 * noise.unit() - dw as f64 * scale / 2.0,
                1 => sw as f64 - dw as f64 * scale + 2.0 * noise.unit() - 1.0,
                _ => 2.0 * noise.unit() - 1.0 - if scale < 0.0 { dw as f64 * scale } else { 0.0 },
            };
            let map = Affine {
                a: scale,
                b: 0.0,
                c,
                d: 0.0,
                e: 1.0 / (1.0 + noise.unit()),
                f: sh as f64 * noise.unit() - 1.0,
            };
            let (picked, scalar) = both_paths(src, dw, dh, &map);
            for (i, (p, s)) in picked.iter().zip(&scalar).enumerate() {
                // The AVX2 kernels are exact; the element itself would tolerate 1 off.
                assert!(
                    p == s,
                    "case {case}: {sw}x{sh} -> {dw}x{dh} {map:?}: byte {i}: {p} vs {s}"
                );
            }
        }
    }

    #[test]
    fn simd_kernels_match_scalar_kernels_on_full_hd_zooms() {
        let mut noise = Noise(0x1234_5678_9abc_def1);
        for (sw, sh) in [(1920, 1080), (960, 540), (1931, 37)] {
            let data: Vec<u8> = (0..sw * sh).map(|_| noise.next() as u8).collect();
            let src = Plane {
                data: &data,
                width: sw,
                height: sh,
                stride: sw,
            };
            for zoom in [1.0, 1.0001, 1.07, 1.15, 1.5, 2.0] {
                let s = 1.0 / zoom;
                let (dw, dh) = (sw, sh);
                let map = Affine {
                    a: s,
                    b: 0.0,
                    c: (sw as f64 - dw as f64 * s) * noise.unit(),
                    d: 0.0,
                    e: s,
                    f: (sh as f64 - dh as f64 * s) * noise.unit(),
                };
                let (picked, scalar) = both_paths(src, dw, dh, &map);
                assert!(picked == scalar, "{sw}x{sh} at zoom {zoom}: {map:?}");
            }
        }
    }

    /// Times the per-frame work of the element for a 1920x1080 I420 frame at zoom 1.07.
    /// Run with `cargo test -p gst-reel --release -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn time_1080p_frames() {
        use super::super::camera::{self, Camera};
        let (w, h) = (1920usize, 1080usize);
        let planes: Vec<(Vec<u8>, usize, usize)> = [(w, h), (w / 2, h / 2), (w / 2, h / 2)]
            .iter()
            .map(|&(pw, ph)| {
                let mut state = 0x2545_f491_4f6c_dd1du64;
                let data = (0..pw * ph)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        (state >> 24) as u8
                    })
                    .collect();
                (data, pw, ph)
            })
            .collect();
        let mut outs: Vec<Vec<u8>> = planes.iter().map(|(d, _, _)| vec![0; d.len()]).collect();
        let mut scratch: [Scratch; 3] = Default::default();
        let frames = 200;
        let start = std::time::Instant::now();
        for frame in 0..frames {
            let cam = Camera {
                zoom: 1.07 + frame as f64 * 1e-4,
                x: 0.5,
                y: 0.5,
                rotate: 0.0,
            };
            let luma = camera::view_map((w as f64, h as f64), (w as f64, h as f64), &cam, 0.0);
            for (i, ((data, pw, ph), out)) in planes.iter().zip(&mut outs).enumerate() {
                let sub = if i == 0 { 1.0 } else { 2.0 };
                let map = camera::subsampled(&luma, sub, sub);
                let src = Plane {
                    data,
                    width: *pw,
                    height: *ph,
                    stride: *pw,
                };
                let dst = Target {
                    data: out,
                    stride: *pw,
                    x: 0,
                    y: 0,
                    width: *pw,
                    height: *ph,
                };
                resample(src, dst, &map, &mut scratch[i]);
            }
        }
        let per_frame = start.elapsed().as_secs_f64() * 1e3 / frames as f64;
        println!("resample: {per_frame:.3} ms per 1920x1080 I420 frame");
        std::hint::black_box(&outs);
    }
}
