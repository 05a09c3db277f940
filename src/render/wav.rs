//! Writing 16-bit PCM WAV files (speech and the final mix), atomically.

use super::cache::write_atomic_with;
use std::io::Write;
use std::path::Path;

/// Writes interleaved float samples (-1..1) as 16-bit PCM.
pub fn write(path: &Path, rate: u32, channels: u16, samples: &[f32]) -> std::io::Result<()> {
    let data_len = (samples.len() * 2) as u32;
    let mut header = Vec::with_capacity(44);
    header.extend_from_slice(b"RIFF");
    header.extend_from_slice(&(36 + data_len).to_le_bytes());
    header.extend_from_slice(b"WAVEfmt ");
    header.extend_from_slice(&16u32.to_le_bytes());
    header.extend_from_slice(&1u16.to_le_bytes()); // PCM
    header.extend_from_slice(&channels.to_le_bytes());
    header.extend_from_slice(&rate.to_le_bytes());
    header.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    header.extend_from_slice(&(channels * 2).to_le_bytes());
    header.extend_from_slice(&16u16.to_le_bytes());
    header.extend_from_slice(b"data");
    header.extend_from_slice(&data_len.to_le_bytes());
    // Converted a chunk at a time: a ten-minute mix is 115 MB of 16-bit samples.
    write_atomic_with(path, |file| {
        file.write_all(&header)?;
        let mut chunk = Vec::with_capacity(8192);
        for block in samples.chunks(4096) {
            chunk.clear();
            for s in block {
                let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
                chunk.extend_from_slice(&v.to_le_bytes());
            }
            file.write_all(&chunk)?;
        }
        Ok(())
    })
}

fn header(path: &Path) -> std::io::Result<[u8; 44]> {
    let mut header = [0u8; 44];
    std::io::Read::read_exact(&mut std::fs::File::open(path)?, &mut header)?;
    Ok(header)
}

/// Frames in a WAV file written by [`write`], from its header.
pub fn frames(path: &Path) -> std::io::Result<u64> {
    let header = header(path)?;
    let block = u64::from(u16::from_le_bytes([header[32], header[33]]).max(1));
    let data = u64::from(u32::from_le_bytes([
        header[40], header[41], header[42], header[43],
    ]));
    Ok(data / block)
}

/// Sample rate of a WAV file written by [`write`].
pub fn sample_rate(path: &Path) -> std::io::Result<u32> {
    let header = header(path)?;
    Ok(u32::from_le_bytes([
        header[24], header[25], header[26], header[27],
    ]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_round_trips_the_frame_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        super::write(&path, 8000, 2, &[0.0, 0.5, -0.5, 1.0, 0.25, 0.0]).unwrap();
        assert_eq!(super::frames(&path).unwrap(), 3);
        assert_eq!(super::sample_rate(&path).unwrap(), 8000);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 44 + 12);
    }
}
