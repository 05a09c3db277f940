//! The artifact cache: speech, title cards and audio mixes, keyed by a hash of what made them,
//! so a second render of the same input reuses them. Files appear by rename only.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// `$REEL_CACHE_DIR`, else `$XDG_CACHE_HOME/reel`, else `~/.cache/reel`.
    pub fn from_env() -> Cache {
        let root = std::env::var_os("REEL_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("reel")))
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/reel")))
            .unwrap_or_else(|| std::env::temp_dir().join("reel-cache"));
        Cache { root }
    }

    pub fn at(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    /// Where the artifact of `kind` made from `inputs` lives (it may not exist yet).
    pub fn path(&self, kind: &str, inputs: &[&[u8]], extension: &str) -> PathBuf {
        let mut hash = Sha256::new();
        for input in inputs {
            // Length-prefixed so ("ab", "c") and ("a", "bc") differ.
            hash.update((input.len() as u64).to_le_bytes());
            hash.update(input);
        }
        let hex: String = hash
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        self.root.join(kind).join(format!("{hex}.{extension}"))
    }
}

/// Lowercase hex SHA-256 of the file at `path`, read in 64 KiB pieces.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    sha256_read(&mut std::fs::File::open(path)?).map(|(hex, _)| hex)
}

/// Lowercase hex SHA-256 of everything `reader` gives, read in 64 KiB pieces, and how many
/// bytes that was.
pub fn sha256_read(reader: &mut impl std::io::Read) -> std::io::Result<(String, u64)> {
    let mut hash = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        hash.update(&buffer[..n]);
        total += n as u64;
    }
    let hex = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, total))
}

/// A path beside `target` to write into before renaming onto it (same folder, same disk).
pub fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per call, not only per process: two workers of one daemon making the same card or
    // mix at once must not write into one temp file and rename it from under each other.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    target.with_file_name(format!(".{name}.{}-{n}.part", std::process::id()))
}

/// Writes `bytes` to `target` atomically: a temp file, flushed, then renamed.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(target, |file| file.write_all(bytes))
}

/// [`write_atomic`] of what `write` puts out, buffered, so a large file need not be in memory
/// all at once.
pub fn write_atomic_with(
    target: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temp = temp_path(target);
    let result = (|| {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&temp)?);
        write(&mut file)?;
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// A file as its path, size and modification time: a replaced file (even under the same
/// name) gets a new identity, without reading long footage through on every render.
pub fn identity(path: &Path) -> String {
    let meta = std::fs::metadata(path).ok();
    let modified = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}|{}|{modified}",
        path.display(),
        meta.map_or(0, |m| m.len())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_every_input_and_its_boundaries() {
        let cache = Cache::at("/c");
        let a = cache.path("voice", &[b"ab", b"c"], "wav");
        assert_eq!(a, cache.path("voice", &[b"ab", b"c"], "wav"));
        assert_ne!(a, cache.path("voice", &[b"a", b"bc"], "wav"));
        assert!(a.starts_with("/c/voice"));
    }

    #[test]
    fn atomic_writes_leave_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub/x.txt");
        write_atomic(&target, b"hi").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"hi");
        assert_eq!(
            std::fs::read_dir(target.parent().unwrap()).unwrap().count(),
            1
        );
    }
}
