//! Finding and loading `libonnxruntime.so`, once per process.
//!
//! Looked for, in order: the path the caller gives (reel.toml's `onnxruntime`),
//! `$ORT_DYLIB_PATH`, `.deps/onnxruntime/` in the folders above the running program (where
//! `make setup` puts it for a built tree), and `lib/reel/` beside an installed program.

use super::OnnxError;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The loaded runtime.
#[derive(Debug, Clone, PartialEq)]
pub struct Runtime {
    pub path: PathBuf,
    /// Version of the loaded library, e.g. `1.31.1`.
    pub version: String,
}

static RUNTIME: OnceLock<Result<Runtime, OnnxError>> = OnceLock::new();
/// The runtime's one environment; sessions are built in it and it lives as long as the process.
static ENVIRONMENT: OnceLock<ort::environment::Environment> = OnceLock::new();

/// The environment to build sessions in, once [`init`] succeeded.
pub(super) fn environment() -> Option<&'static ort::environment::Environment> {
    ENVIRONMENT.get()
}

/// Loads the runtime on first use; later calls return the same result whatever they pass
/// (ONNX Runtime allows one environment per process).
pub fn init(explicit: Option<&Path>) -> Result<&'static Runtime, OnnxError> {
    RUNTIME
        .get_or_init(|| load(explicit))
        .as_ref()
        .map_err(Clone::clone)
}

/// The runtime if it was loaded, without trying.
pub fn loaded() -> Option<&'static Runtime> {
    RUNTIME.get().and_then(|r| r.as_ref().ok())
}

fn load(explicit: Option<&Path>) -> Result<Runtime, OnnxError> {
    let path = locate(explicit)?;
    let failed = |reason: String| OnnxError::RuntimeLoad {
        path: path.clone(),
        reason,
    };
    let builder = ort::init_from(&path).map_err(|e| failed(e.to_string()))?;
    let environment = builder
        .with_name("reel")
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let _ = ENVIRONMENT.set(environment);
    let version = version_of(&path);
    tracing::info!(path = %path.display(), %version, "ONNX Runtime loaded");
    Ok(Runtime { path, version })
}

/// `libonnxruntime.so.1.31.1` → `1.31.1`.
fn version_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .and_then(|n| n.split_once(".so.").map(|(_, v)| v.to_string()))
        .unwrap_or_else(|| "unknown".into())
}

/// Where the library is, or every place looked.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, OnnxError> {
    let mut searched = Vec::new();
    if let Some(path) = explicit {
        if path.is_file() {
            return Ok(path.to_path_buf());
        }
        searched.push(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH").map(PathBuf::from) {
        if path.is_file() {
            return Ok(path);
        }
        searched.push(path);
    }
    for dir in candidate_dirs() {
        if let Some(found) = library_in(&dir) {
            return Ok(found);
        }
        searched.push(dir);
    }
    Err(OnnxError::RuntimeMissing { searched })
}

/// `.deps/onnxruntime` above the program or above the plugin holding this code (a built tree:
/// target/debug/reel, target/debug/deps for tests, target/debug/libgstreel.so under
/// gst-launch-1.0), then `lib/reel` beside an installed program.
fn candidate_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for file in [std::env::current_exe().ok(), this_library()]
        .into_iter()
        .flatten()
    {
        dirs.extend(
            file.ancestors()
                .skip(1)
                .map(|dir| dir.join(".deps/onnxruntime"))
                .filter(|dir| dir.is_dir()),
        );
        if let Some(prefix) = file.parent().and_then(Path::parent) {
            dirs.push(prefix.join("lib/reel"));
        }
    }
    dirs.dedup();
    dirs
}

/// The file this code was loaded from: the plugin's `.so` when GStreamer loaded it.
fn this_library() -> Option<PathBuf> {
    let mut info = std::mem::MaybeUninit::<libc::Dl_info>::uninit();
    let address = this_library as *const libc::c_void;
    // SAFETY: dladdr only reads the loader's tables and fills `info`; it returns 0 on failure,
    // and dli_fname then points at a NUL-terminated path owned by the loader.
    let found = unsafe { libc::dladdr(address, info.as_mut_ptr()) };
    if found == 0 {
        return None;
    }
    // SAFETY: dladdr succeeded, so `info` is initialised.
    let info = unsafe { info.assume_init() };
    if info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: non-null, NUL-terminated, valid while the library stays loaded.
    let name = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) };
    Some(PathBuf::from(name.to_string_lossy().into_owned()))
}

/// The newest `libonnxruntime.so*` in `dir`.
fn library_in(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("libonnxruntime.so"))
        })
        .collect();
    found.sort();
    found.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_the_file_name() {
        assert_eq!(
            version_of(Path::new("/x/libonnxruntime.so.1.31.1")),
            "1.31.1"
        );
        assert_eq!(version_of(Path::new("/x/libonnxruntime.so")), "unknown");
    }

    #[test]
    fn a_missing_explicit_path_is_named_in_the_error() {
        let err = locate(Some(Path::new("/nowhere/libonnxruntime.so"))).err();
        // Another copy may be found after it (the built tree's .deps); if not, the error names
        // the explicit path first.
        if let Some(OnnxError::RuntimeMissing { searched }) = err {
            assert_eq!(searched[0], PathBuf::from("/nowhere/libonnxruntime.so"));
        }
    }
}
