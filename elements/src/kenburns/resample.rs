//! Sub-pixel bilinear resampling of one 8-bit plane under an affine map.
//!
//! Integer crops move a slow zoom in whole-pixel steps (visible judder); here every output pixel
//! samples the source at its exact position with 1/256-pixel weights. Without rotation the map is
//! separable: columns are resolved once per frame and each source row is interpolated
//! horizontally at most once, so the vertical pass is a plain vectorisable blend of two rows.

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

const FRACTION_BITS: u32 = 8;
const ONE: u32 = 1 << FRACTION_BITS;

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
    rows: [Vec<u16>; 2],
    row_keys: [Option<usize>; 2],
}

fn resample_separable(src: Plane, dst: Target, map: &Affine, scratch: &mut Scratch) {
    scratch.columns.clear();
    scratch.columns.extend((0..dst.width).map(|tx| {
        let (index, weight) = tap(map.a * (tx as f64 + 0.5) + map.c, src.width);
        (index as u32, weight as u16)
    }));
    for row in &mut scratch.rows {
        row.resize(dst.width, 0);
    }
    scratch.row_keys = [None, None];

    for ty in 0..dst.height {
        let (sy, wy) = tap(map.e * (ty as f64 + 0.5) + map.f, src.height);
        let top = horizontal_row(src, sy, scratch);
        let bottom = horizontal_row(src, sy + 1, scratch);
        let start = (dst.y + ty) * dst.stride + dst.x;
        let out = &mut dst.data[start..start + dst.width];
        let (top, bottom) = (&scratch.rows[top], &scratch.rows[bottom]);
        blend_rows(top, bottom, wy, out);
    }
}

/// Makes sure source row `sy` (clamped) is interpolated into one of the two cached rows and
/// returns which. Rows are only ever asked for top to bottom, so the cached row with the lower
/// index is never needed again once a new row is wanted: that is the one to overwrite.
fn horizontal_row(src: Plane, sy: usize, scratch: &mut Scratch) -> usize {
    let sy = sy.min(src.height - 1);
    if let Some(slot) = scratch.row_keys.iter().position(|k| *k == Some(sy)) {
        return slot;
    }
    let slot = match scratch.row_keys {
        [None, _] => 0,
        [_, None] => 1,
        [Some(a), Some(b)] => usize::from(a > b),
    };
    let line = &src.data[sy * src.stride..sy * src.stride + src.width];
    let row = &mut scratch.rows[slot];
    for (out, &(index, weight)) in row.iter_mut().zip(&scratch.columns) {
        let i = index as usize;
        let left = u32::from(line[i]);
        let right = u32::from(line[(i + 1).min(line.len() - 1)]);
        let w = u32::from(weight);
        *out = (left * (ONE - w) + right * w) as u16;
    }
    scratch.row_keys[slot] = Some(sy);
    slot
}

fn blend_rows(top: &[u16], bottom: &[u16], weight: u32, out: &mut [u8]) {
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
}
