//! The fallback voice: the `espeak-ng` program speaking a line into a WAV file on its standard
//! output, read back as mono f32 samples.
//!
//! espeak-ng streams its WAV, so the header's sizes are placeholders (about 2 GB); the data
//! chunk is read up to the end of what was actually written.

use std::process::Command;

/// The program run for the fallback voice (looked up in `PATH`).
pub const PROGRAM: &str = "espeak-ng";

/// espeak-ng's own sample rate, used when nothing is spoken and no WAV tells it.
pub const SAMPLE_RATE: u32 = 22_050;

/// What went wrong speaking with espeak-ng.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EspeakError {
    #[error("cannot run {PROGRAM}: {0}")]
    Run(String),
    #[error("{PROGRAM} -v {voice} failed: {message}")]
    Failed { voice: String, message: String },
    #[error("{PROGRAM} wrote an unreadable WAV: {0}")]
    Wav(#[from] WavError),
}

/// Why a WAV could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WavError {
    #[error("no RIFF/WAVE header")]
    NotWav,
    #[error("no fmt chunk before the data")]
    NoFormat,
    #[error("no data chunk")]
    NoData,
    #[error("format {format} with {bits} bits per sample (only 16-bit PCM is read)")]
    Unsupported { format: u16, bits: u16 },
    #[error("{0} channels")]
    Channels(u16),
}

/// Mono audio and its sample rate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub rate: u32,
}

/// espeak-ng's pitch (0..=99, 50 by default) for a pitch offset of -100..=100 (0 by default).
pub fn pitch(offset: i32) -> u32 {
    let from_zero = (offset.clamp(-100, 100) + 100) as u32;
    // Rounded to the nearest: 0 → 50, ±100 → 99 or 0.
    (from_zero * 99 + 100) / 200
}

/// `text` spoken by espeak-ng's `voice` (e.g. `en-us`) at `pitch_offset` (-100..=100).
pub fn speak(text: &str, voice: &str, pitch_offset: i32) -> Result<Audio, EspeakError> {
    let output = Command::new(PROGRAM)
        .args(["-v", voice, "-p"])
        .arg(pitch(pitch_offset).to_string())
        // `--` so that a line starting with a dash is spoken, not taken for an option.
        .args(["--stdout", "--", text])
        .output()
        .map_err(|e| EspeakError::Run(e.to_string()))?;
    if !output.status.success() {
        // espeak-ng says what went wrong on stderr (an unknown voice, say).
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        let message = if stderr.is_empty() {
            output.status.to_string()
        } else {
            stderr
        };
        return Err(EspeakError::Failed {
            voice: voice.to_string(),
            message,
        });
    }
    Ok(parse_wav(&output.stdout)?)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The `fmt ` chunk's fields that matter here.
struct Format {
    channels: u16,
    rate: u32,
}

fn read_format(chunk: &[u8]) -> Result<Format, WavError> {
    let field = |at| u16_at(chunk, at).ok_or(WavError::NoFormat);
    let (format, channels, bits) = (field(0)?, field(2)?, field(14)?);
    let rate = u32_at(chunk, 4).ok_or(WavError::NoFormat)?;
    if format != 1 || bits != 16 {
        return Err(WavError::Unsupported { format, bits });
    }
    if channels == 0 {
        return Err(WavError::Channels(channels));
    }
    Ok(Format { channels, rate })
}

/// A 16-bit PCM WAV as mono f32 in -1..1; several channels are averaged.
pub fn parse_wav(bytes: &[u8]) -> Result<Audio, WavError> {
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Err(WavError::NotWav);
    }
    let mut format = None;
    let mut at = 12;
    while let (Some(id), Some(size)) = (bytes.get(at..at + 4), u32_at(bytes, at + 4)) {
        let body = at + 8;
        // A streamed WAV claims more than was written: the chunk ends where the bytes do.
        let end = body.saturating_add(size as usize).min(bytes.len());
        let chunk = &bytes[body..end];
        match id {
            b"fmt " => format = Some(read_format(chunk)?),
            b"data" => {
                let format = format.ok_or(WavError::NoFormat)?;
                return Ok(Audio {
                    samples: mono(chunk, format.channels),
                    rate: format.rate,
                });
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        at = end + (end - body) % 2;
    }
    Err(WavError::NoData)
}

/// Interleaved S16LE frames averaged to one channel; a trailing partial frame is dropped.
fn mono(data: &[u8], channels: u16) -> Vec<f32> {
    let scale = 1.0 / (32768.0 * f32::from(channels));
    data.chunks_exact(2 * usize::from(channels))
        .map(|frame| {
            let sum: f32 = frame
                .chunks_exact(2)
                .map(|s| f32::from(i16::from_le_bytes([s[0], s[1]])))
                .sum();
            sum * scale
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV header as espeak-ng streams it (placeholder sizes), then `data`.
    fn wav(channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&0x7fff_f024_u32.to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16_u32.to_le_bytes());
        out.extend_from_slice(&1_u16.to_le_bytes());
        out.extend_from_slice(&channels.to_le_bytes());
        out.extend_from_slice(&rate.to_le_bytes());
        let block = channels * bits / 8;
        out.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
        out.extend_from_slice(&block.to_le_bytes());
        out.extend_from_slice(&bits.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&0x7fff_f000_u32.to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    fn s16(values: &[i16]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn a_streamed_wav_is_read_to_its_end() {
        let audio = parse_wav(&wav(1, 22050, 16, &s16(&[0, 16384, -32768, 32767]))).unwrap();
        assert_eq!(audio.rate, 22050);
        assert_eq!(audio.samples, vec![0.0, 0.5, -1.0, 32767.0 / 32768.0]);
    }

    #[test]
    fn stereo_is_averaged_and_partial_frames_dropped() {
        let mut data = s16(&[16384, 0, -16384, -16384]);
        data.push(7);
        let audio = parse_wav(&wav(2, 16000, 16, &data)).unwrap();
        assert_eq!(audio.samples, vec![0.25, -0.5]);
    }

    #[test]
    fn other_chunks_are_skipped_with_their_padding() {
        let plain = wav(1, 22050, 16, &s16(&[100, 200]));
        // A 3-byte LIST chunk (padded to 4) between the header and fmt.
        let mut with_list = plain[..12].to_vec();
        with_list.extend_from_slice(b"LIST");
        with_list.extend_from_slice(&3_u32.to_le_bytes());
        with_list.extend_from_slice(&[1, 2, 3, 0]);
        with_list.extend_from_slice(&plain[12..]);
        assert_eq!(parse_wav(&with_list), parse_wav(&plain));
    }

    #[test]
    fn what_is_not_16_bit_pcm_is_refused() {
        assert_eq!(parse_wav(b"not a wav at all"), Err(WavError::NotWav));
        assert_eq!(
            parse_wav(&wav(1, 22050, 8, &[1, 2])),
            Err(WavError::Unsupported { format: 1, bits: 8 })
        );
        assert_eq!(
            parse_wav(&wav(1, 22050, 16, &[])[..36]),
            Err(WavError::NoData)
        );
        assert_eq!(
            parse_wav(&wav(0, 22050, 16, &[])),
            Err(WavError::Channels(0))
        );
    }

    #[test]
    fn pitch_offsets_map_onto_espeak_range() {
        assert_eq!(pitch(-100), 0);
        assert_eq!(pitch(0), 50);
        assert_eq!(pitch(100), 99);
        assert_eq!(pitch(-1000), 0);
        assert_eq!(pitch(50), 74);
    }
}
