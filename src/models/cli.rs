//! `reel models ...`: the registry for people, on this machine's models folder.

use super::install::install;
use super::manifest::{self, DEFAULT_SET};
use super::{ModelError, Registry};

pub fn list(registry: &Registry) -> Result<(), ModelError> {
    println!("models folder: {}", registry.dir().display());
    println!(
        "{:24} {:5} {:9} {:>7}  DESCRIPTION",
        "ID", "TASK", "STATE", "MiB"
    );
    for entry in registry.catalogue()? {
        let state = if entry.state == "available" {
            "-"
        } else {
            entry.state
        };
        let mib = entry
            .installed
            .map(|i| i.files.iter().map(|f| f.size).sum::<u64>() as f64 / (1 << 20) as f64)
            .map(|m| format!("{m:.1}"))
            .unwrap_or_default();
        println!(
            "{:24} {:5} {:9} {:>7}  {}",
            entry.id, entry.task, state, mib, entry.description
        );
    }
    match super::runtime().and_then(|runtime| Ok((runtime, super::providers(registry)?))) {
        Ok((runtime, probe)) => print_runtime(
            &runtime.version,
            &runtime.path.display().to_string(),
            &probe.provider.to_string(),
            probe.fallback.as_deref(),
        ),
        Err(err) => println!("ONNX Runtime: {err}"),
    }
    Ok(())
}

/// The runtime in use and where models run, under a model list (here or the daemon's).
pub fn print_runtime(version: &str, path: &str, provider: &str, fallback: Option<&str>) {
    println!("ONNX Runtime {version} ({path})");
    match fallback {
        Some(why) => println!("execution provider: {provider} (CUDA not used: {why})"),
        None => println!("execution provider: {provider}"),
    }
}

/// Installs `ids`, or with `default` the default set.
pub fn install_models(
    registry: &Registry,
    ids: &[String],
    default: bool,
) -> Result<(), ModelError> {
    let ids: Vec<String> = if default {
        DEFAULT_SET.iter().map(|s| s.to_string()).collect()
    } else {
        ids.to_vec()
    };
    for id in ids {
        let manifest = manifest::find(&id)?;
        if registry.is_current(&manifest)? {
            println!("{id}: installed and intact");
            continue;
        }
        let installed = install(registry, &manifest, &mut |step| eprintln!("{id}: {step}"))?;
        let mib = installed.files.iter().map(|f| f.size).sum::<u64>() as f64 / (1 << 20) as f64;
        println!("{id}: installed from {} ({mib:.1} MiB)", installed.source);
    }
    Ok(())
}

/// Re-hashes every file; Err when any differs.
pub fn verify(registry: &Registry, ids: &[String]) -> Result<(), ModelError> {
    let ids: Vec<String> = if ids.is_empty() {
        registry.installed().into_iter().map(|i| i.id).collect()
    } else {
        ids.to_vec()
    };
    let mut broken = Vec::new();
    for id in &ids {
        for (file, check) in registry.verify(id)? {
            match check {
                Ok(()) => println!("{id}/{file}: ok"),
                Err(problem) => {
                    println!("{id}/{file}: {problem}");
                    broken.push(format!("{id}/{file}"));
                }
            }
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(ModelError::Install {
            id: broken.join(", "),
            reason: "files changed since install: `reel models install` them again".into(),
        })
    }
}

pub fn info(registry: &Registry, id: &str) -> Result<(), ModelError> {
    let manifest = manifest::find(id)?;
    println!("id           {}", manifest.id);
    println!("task         {}", manifest.task);
    println!("description  {}", manifest.description);
    println!("license      {}", manifest.license);
    if let Some(rate) = manifest.sample_rate {
        println!("sample rate  {rate} Hz");
    }
    let s = &manifest.source;
    println!("source       {}:{} {}", s.kind, s.package, s.version);
    if let Some(script) = &s.convert {
        println!("converted by {script}");
    }
    for file in &manifest.files {
        println!(
            "file         {} sha256 {}{}",
            file.name,
            file.sha256,
            file.from
                .as_ref()
                .map(|f| format!(" (from {f})"))
                .unwrap_or_default()
        );
    }
    for (kind, tensors) in [("input ", &manifest.inputs), ("output", &manifest.outputs)] {
        for t in tensors {
            println!(
                "{kind}       {}: {} {} {:?}",
                t.file, t.name, t.dtype, t.shape
            );
        }
    }
    match registry.get(id) {
        Some(installed) => println!(
            "installed    {} ({}){}",
            registry.model_dir(id).display(),
            installed.source,
            if registry.active().get(&installed.task) == Some(&installed.id) {
                ", active"
            } else {
                ""
            }
        ),
        None => println!("installed    no"),
    }
    Ok(())
}
