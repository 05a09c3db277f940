//! Picture sizes from PNG and JPEG headers: checking a still before a render must not cost a
//! full decode (a 1080p PNG takes ~0.1 s). Other formats go through Discoverer.

use std::io::Read;
use std::path::Path;

/// Why a file is not a usable picture.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderError {
    /// Neither PNG nor JPEG: another reader must judge it.
    UnknownFormat,
    /// PNG or JPEG signature, but a broken header.
    Broken(String),
}

/// (width, height) of a PNG or JPEG.
pub fn size(path: &Path) -> Result<(u32, u32), HeaderError> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(256 * 1024).read_to_end(&mut head))
        .map_err(|e| HeaderError::Broken(e.to_string()))?;
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(&head)
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        jpeg(&head)
    } else {
        Err(HeaderError::UnknownFormat)
    }
}

fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn png(head: &[u8]) -> Result<(u32, u32), HeaderError> {
    // Signature (8), chunk length (4), "IHDR", width (4), height (4).
    if head.len() < 24 || &head[12..16] != b"IHDR" {
        return Err(HeaderError::Broken("PNG without an IHDR header".into()));
    }
    nonzero(be32(&head[16..20]), be32(&head[20..24]))
}

fn jpeg(head: &[u8]) -> Result<(u32, u32), HeaderError> {
    let mut at = 2;
    while at + 4 <= head.len() {
        if head[at] != 0xff {
            return Err(HeaderError::Broken(format!(
                "JPEG marker expected at byte {at}"
            )));
        }
        let marker = head[at + 1];
        // Fill bytes, and markers that carry no length.
        if marker == 0xff {
            at += 1;
            continue;
        }
        if (0xd0..=0xd9).contains(&marker) || marker == 0x01 {
            at += 2;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([head[at + 2], head[at + 3]]));
        // Start-of-frame markers (all but DHT, JPG and DAC) hold the size.
        if (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker) {
            if at + 9 > head.len() {
                break;
            }
            let height = u32::from(u16::from_be_bytes([head[at + 5], head[at + 6]]));
            let width = u32::from(u16::from_be_bytes([head[at + 7], head[at + 8]]));
            return nonzero(width, height);
        }
        at += 2 + length;
    }
    Err(HeaderError::Broken(
        "JPEG ends before its frame header".into(),
    ))
}

fn nonzero(width: u32, height: u32) -> Result<(u32, u32), HeaderError> {
    if width == 0 || height == 0 {
        return Err(HeaderError::Broken(format!("size {width}x{height}")));
    }
    Ok((width, height))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_png_and_jpeg_sizes() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&360u32.to_be_bytes());
        let (_d, path) = write(&png);
        assert_eq!(size(&path), Ok((640, 360)));
        // SOI, an APP0 segment of 4 bytes, then SOF0 with height 480 and width 720.
        let jpeg = [
            0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2, 0xff, 0xc0, 0, 11, 8, 1, 0xe0, 2, 0xd0, 3,
        ];
        let (_d, path) = write(&jpeg);
        assert_eq!(size(&path), Ok((720, 480)));
    }

    #[test]
    fn text_is_unknown_and_truncated_headers_are_broken() {
        let (_d, path) = write(b"hello, not a picture");
        assert_eq!(size(&path), Err(HeaderError::UnknownFormat));
        let (_d, path) = write(b"\x89PNG\r\n\x1a\n\0\0");
        assert!(matches!(size(&path), Err(HeaderError::Broken(_))));
    }
}
