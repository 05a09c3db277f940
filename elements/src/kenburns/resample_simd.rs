//! AVX2 versions of the separable path's two inner loops ([`RowKernels`]), chosen at run time.
//!
//! Both give exactly the scalar results: the horizontal pass keeps 8-bit weights by multiplying
//! in 16 bits (`pmaddubsw` would only take 7-bit weights), and the vertical pass does the
//! scalar code's 32-bit arithmetic with `pmaddwd`.
//!
//! Horizontal: when the source is magnified (at most one source pixel per output pixel, the usual
//! Ken Burns zoom), 16 neighbouring outputs read from a window of at most 17 neighbouring source
//! bytes. Each such block is planned once per frame as the window's start, a `pshufb` pattern that
//! picks every output's left sample from the window (its right sample is the next byte: the same
//! pattern on the window shifted by one) and the 16 weights. Blocks whose taps spread wider
//! (downscaling) keep the scalar code.
#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

use super::resample::{blend_rows, interpolate, RowKernels, ONE};

/// Outputs per planned block: one 128-bit register of source bytes.
const LANES: usize = 16;
/// Source bytes a block may read: the left samples lie in the first 16, the right ones one further.
const WINDOW: usize = LANES + 1;

/// 16 neighbouring output columns whose taps all lie in `line[start..start + WINDOW]`: output `k`
/// is `line[start + pick[k]]` and the byte after it, weighted `256 - weights[k]`, `weights[k]`.
#[derive(Clone, Copy)]
struct Block {
    start: u32,
    pick: [u8; LANES],
    weights: [u16; LANES],
}

impl Block {
    /// Plans `columns` (exactly `LANES` of them), or `None` when their taps do not fit one window
    /// inside a source row of `width` (>= `WINDOW`) bytes.
    fn plan(columns: &[(u32, u16)], width: usize) -> Option<Block> {
        let lowest = columns.iter().map(|c| c.0 as usize).min()?;
        // The window may start before the lowest tap: at the right edge it must stay on the row.
        let start = lowest.min(width - WINDOW);
        let mut block = Block {
            start: start as u32,
            pick: [0; LANES],
            weights: [0; LANES],
        };
        for (k, &(index, weight)) in columns.iter().enumerate() {
            let offset = index as usize - start;
            // `tap` never gives weights over 256; larger ones would overflow the 16-bit lanes.
            if offset >= LANES || weight > ONE as u16 {
                return None;
            }
            block.pick[k] = offset as u8;
            block.weights[k] = weight;
        }
        Some(block)
    }
}

/// A frame's column table as [`Block`]s of `LANES` columns; the columns after the last whole
/// block, and blocks that could not be planned, use the scalar code.
#[derive(Default)]
pub struct Blocks {
    blocks: Vec<Option<Block>>,
}

impl Blocks {
    /// Plans `columns` for source rows of `width` bytes and returns the kernels that use the plan,
    /// or `None` when the CPU lacks AVX2.
    pub fn prepare(&mut self, columns: &[(u32, u16)], width: usize) -> Option<Avx2Kernels<'_>> {
        if !is_x86_feature_detected!("avx2") {
            return None;
        }
        self.blocks.clear();
        if width >= WINDOW {
            let planned = columns.chunks_exact(LANES).map(|c| Block::plan(c, width));
            self.blocks.extend(planned);
        }
        Some(Avx2Kernels { blocks: self })
    }
}

/// [`RowKernels`] for a CPU with AVX2; only [`Blocks::prepare`] makes one, after checking.
pub struct Avx2Kernels<'a> {
    blocks: &'a Blocks,
}

impl RowKernels for Avx2Kernels<'_> {
    fn interpolate(&self, line: &[u8], columns: &[(u32, u16)], out: &mut [u16]) {
        // SAFETY: an `Avx2Kernels` only exists once AVX2 was detected (`Blocks::prepare`).
        unsafe { interpolate_avx2(&self.blocks.blocks, line, columns, out) }
    }

    fn blend(&self, top: &[u16], bottom: &[u16], weight: u32, out: &mut [u8]) {
        // SAFETY: as above.
        unsafe { blend_avx2(top, bottom, weight, out) }
    }
}

#[target_feature(enable = "avx2")]
fn interpolate_avx2(
    blocks: &[Option<Block>],
    line: &[u8],
    columns: &[(u32, u16)],
    out: &mut [u16],
) {
    let len = out.len().min(columns.len());
    let (out, columns) = (&mut out[..len], &columns[..len]);
    let planned = blocks.len().min(len / LANES) * LANES;
    let chunks = out[..planned]
        .chunks_exact_mut(LANES)
        .zip(columns.chunks_exact(LANES));
    for (block, (out, columns)) in blocks.iter().zip(chunks) {
        match block {
            Some(block) => {
                // One bounds check per 16 outputs; it cannot fail when `line` is the row the
                // blocks were planned for (`start <= width - WINDOW`).
                let window = &line[block.start as usize..][..WINDOW];
                interpolate_block(block, window.try_into().unwrap(), out.try_into().unwrap());
            }
            None => interpolate(line, columns, out),
        }
    }
    interpolate(line, &columns[planned..], &mut out[planned..]);
}

/// `out[k] = left * (256 - w) + right * w` for the 16 outputs of `block`, computed as
/// `left * 256 + (right - left) * w` in wrapping 16-bit lanes: the true value lies in
/// `0..=65280`, so the result modulo 2^16 is exact.
#[target_feature(enable = "avx2")]
fn interpolate_block(block: &Block, window: &[u8; WINDOW], out: &mut [u16; LANES]) {
    // SAFETY: both 16-byte loads lie inside the 17-byte `window`; the 16-lane loads and the store
    // cover exactly `block.pick`, `block.weights` and `out`. Unaligned loads/stores throughout.
    unsafe {
        let first = _mm_loadu_si128(window.as_ptr().cast());
        let second = _mm_loadu_si128(window.as_ptr().add(1).cast());
        let pick = _mm_loadu_si128(block.pick.as_ptr().cast());
        let weights = _mm256_loadu_si256(block.weights.as_ptr().cast());
        let left = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(first, pick));
        let right = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(second, pick));
        let delta = _mm256_mullo_epi16(_mm256_sub_epi16(right, left), weights);
        let value = _mm256_add_epi16(_mm256_slli_epi16::<8>(left), delta);
        _mm256_storeu_si256(out.as_mut_ptr().cast(), value);
    }
}

#[target_feature(enable = "avx2")]
fn blend_avx2(top: &[u16], bottom: &[u16], weight: u32, out: &mut [u8]) {
    const STEP: usize = 32;
    let len = out.len().min(top.len()).min(bottom.len());
    let done = len / STEP * STEP;
    let (weight_top, weight_bottom) = (ONE - weight, weight);
    // Both weights as one i16 pair per 32-bit lane, the order `blend16` interleaves the rows in.
    let weights = _mm256_set1_epi32(((weight_bottom << 16) | weight_top) as i32);
    let rows = top[..done]
        .chunks_exact(STEP)
        .zip(bottom[..done].chunks_exact(STEP));
    for ((top, bottom), out) in rows.zip(out[..done].chunks_exact_mut(STEP)) {
        // SAFETY: each chunk holds `STEP` = 32 elements: two 16-lane loads per row, one 32-byte
        // store. Unaligned loads/stores.
        unsafe {
            let (top, bottom) = (top.as_ptr(), bottom.as_ptr());
            let (top_first, top_second) = (load16(top), load16(top.add(16)));
            let (bottom_first, bottom_second) = (load16(bottom), load16(bottom.add(16)));
            let first = blend16(top_first, bottom_first, weights);
            let second = blend16(top_second, bottom_second, weights);
            // packus interleaves the 128-bit lanes (first 0..8, second 0..8, first 8..16, ...):
            // put the quarters back in order.
            let bytes = _mm256_packus_epi16(first, second);
            let bytes = _mm256_permute4x64_epi64::<0b11_01_10_00>(bytes);
            _mm256_storeu_si256(out.as_mut_ptr().cast(), bytes);
        }
    }
    blend_rows(
        &top[done..len],
        &bottom[done..len],
        weight,
        &mut out[done..len],
    );
}

/// Loads 16 lanes from `lanes`.
///
/// # Safety
/// `lanes` must point at 16 readable `u16`s.
#[target_feature(enable = "avx2")]
unsafe fn load16(lanes: *const u16) -> __m256i {
    // SAFETY: the caller's promise.
    unsafe { _mm256_loadu_si256(lanes.cast()) }
}

/// `(top * wt + bottom * wb + 2^15) >> 16` for 16 lanes, as in `blend_rows`, returned as 16-bit
/// lanes in order. `pmaddwd` multiplies signed 16-bit values, so the rows (up to 65280) are
/// moved down by 2^15 first and the product sum up by 2^15 * 256 after (wt + wb = 256).
#[target_feature(enable = "avx2")]
fn blend16(top: __m256i, bottom: __m256i, weights: __m256i) -> __m256i {
    const BIAS: i32 = 1 << 15;
    let flip = _mm256_set1_epi16(i16::MIN);
    let (top, bottom) = (_mm256_xor_si256(top, flip), _mm256_xor_si256(bottom, flip));
    // Per 128-bit lane: outputs 0..4 (and 8..12) interleaved, then 4..8 (and 12..16).
    let low = _mm256_madd_epi16(_mm256_unpacklo_epi16(top, bottom), weights);
    let high = _mm256_madd_epi16(_mm256_unpackhi_epi16(top, bottom), weights);
    let unbias = _mm256_set1_epi32(BIAS * ONE as i32 + BIAS);
    let low = _mm256_srli_epi32::<16>(_mm256_add_epi32(low, unbias));
    let high = _mm256_srli_epi32::<16>(_mm256_add_epi32(high, unbias));
    // Undoes the interleave: lane order 0..4, 4..8 | 8..12, 12..16.
    _mm256_packus_epi32(low, high)
}
