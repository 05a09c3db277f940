//! The daemon's configuration: TOML from `/etc/reel/reel.toml`, then
//! `$XDG_CONFIG_HOME/reel/reel.toml` (later files override earlier keys), or only the file
//! given with `--config`. Unknown keys are refused with the key and its line named.

use crate::jobs::Settings;
use crate::render::profile;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One config file as written; every key optional.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Jobs rendered at once (default: one per two cores).
    pub workers: Option<usize>,
    /// Segments of one render encoded at once (default: one per two cores).
    pub segment_workers: Option<usize>,
    /// Seconds a stage may report no progress before the job fails.
    pub stall_timeout_s: Option<f64>,
    /// Folder for outputs of jobs that name none (default `<state>/outbox`).
    pub outbox: Option<PathBuf>,
    /// Profiles for jobs that name none (default `["youtube-1080p"]`).
    pub profiles: Option<Vec<String>>,
    /// The ONNX Runtime library to load (default: found by searching; see `reel models list`).
    pub onnxruntime: Option<PathBuf>,
    /// Where models are installed (default `<state>/models` under systemd).
    pub models_dir: Option<PathBuf>,
    /// Seconds after which finished jobs are forgotten (default 30 days; 0 keeps them).
    pub forget_jobs_after_s: Option<f64>,
    /// The watched folder (default `<state>/inbox`; `""` watches none).
    pub inbox: Option<PathBuf>,
    /// Seconds between full rescans of the inbox (default 10).
    pub inbox_rescan_s: Option<f64>,
    /// Seconds a file must hold still before it is taken (default 2).
    pub inbox_settle_s: Option<f64>,
    /// Larger inbox scripts are refused (default 16 MiB).
    pub inbox_max_bytes: Option<u64>,
    /// Larger inbox footage is refused (default 8 GiB).
    pub inbox_max_footage_bytes: Option<u64>,
    /// `report` (default) or `render` for a file with the content of one already taken.
    pub inbox_duplicates: Option<String>,
    /// Jobs one D-Bus user may have queued or running at once (default: no limit).
    pub quota_queued_jobs: Option<usize>,
    /// Bytes of output one D-Bus user's finished jobs may keep (default: no limit).
    pub quota_output_bytes: Option<u64>,
    /// The longest video any job may make, in seconds (default: no limit).
    pub max_video_seconds: Option<f64>,
}

/// Paths for the model runtime: read at start only, since ONNX Runtime stays loaded for the
/// life of the process.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ModelPaths {
    pub onnxruntime: Option<PathBuf>,
    pub models_dir: Option<PathBuf>,
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub settings: Settings,
    pub models: ModelPaths,
    /// The watched folder, when there is one.
    pub inbox: Option<crate::watch::Settings>,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl File {
    fn overlay(self, over: File) -> File {
        File {
            workers: over.workers.or(self.workers),
            segment_workers: over.segment_workers.or(self.segment_workers),
            stall_timeout_s: over.stall_timeout_s.or(self.stall_timeout_s),
            outbox: over.outbox.or(self.outbox),
            profiles: over.profiles.or(self.profiles),
            onnxruntime: over.onnxruntime.or(self.onnxruntime),
            models_dir: over.models_dir.or(self.models_dir),
            forget_jobs_after_s: over.forget_jobs_after_s.or(self.forget_jobs_after_s),
            inbox: over.inbox.or(self.inbox),
            inbox_rescan_s: over.inbox_rescan_s.or(self.inbox_rescan_s),
            inbox_settle_s: over.inbox_settle_s.or(self.inbox_settle_s),
            inbox_max_bytes: over.inbox_max_bytes.or(self.inbox_max_bytes),
            inbox_max_footage_bytes: over
                .inbox_max_footage_bytes
                .or(self.inbox_max_footage_bytes),
            inbox_duplicates: over.inbox_duplicates.or(self.inbox_duplicates),
            quota_queued_jobs: over.quota_queued_jobs.or(self.quota_queued_jobs),
            quota_output_bytes: over.quota_output_bytes.or(self.quota_output_bytes),
            max_video_seconds: over.max_video_seconds.or(self.max_video_seconds),
        }
    }
}

/// The files read, in order: `explicit` alone when given, else the system and user files
/// that exist.
pub fn sources(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(path) = explicit {
        return vec![path.to_path_buf()];
    }
    let system = std::env::var_os("CONFIGURATION_DIRECTORY")
        .map(|d| PathBuf::from(d).join("reel.toml"))
        .unwrap_or_else(|| PathBuf::from("/etc/reel/reel.toml"));
    let user = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|d| d.join("reel/reel.toml"));
    std::iter::once(system)
        .chain(user)
        .filter(|p| p.is_file())
        .collect()
}

/// Reads and checks the config into engine settings; `state_dir` places the default outbox.
pub fn load(explicit: Option<&Path>, state_dir: &Path) -> Result<Loaded, ConfigError> {
    let files = sources(explicit);
    let mut merged = File::default();
    for path in &files {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.clone(),
            message: e.to_string(),
        })?;
        merged = merged.overlay(parse(&text, path)?);
    }
    let path = files
        .last()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("(defaults)"));
    let inbox = check_inbox(&merged, state_dir, &path)?;
    let (settings, models) = check(merged, state_dir, &path)?;
    Ok(Loaded {
        settings,
        models,
        inbox,
        files,
    })
}

/// The 1-based line of `text` where a TOML error is, when it has a place.
pub fn error_line(text: &str, err: &toml::de::Error) -> Option<usize> {
    err.span()
        .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
}

pub fn parse(text: &str, path: &Path) -> Result<File, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let place = error_line(text, &e)
            .map(|line| format!("line {line}: "))
            .unwrap_or_default();
        ConfigError::Invalid {
            path: path.to_path_buf(),
            message: format!("{place}{}", e.message()),
        }
    })
}

/// Values within reason, profiles that exist, folders that are absolute.
fn check(file: File, state_dir: &Path, path: &Path) -> Result<(Settings, ModelPaths), ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let quota = check_quota(&file).map_err(invalid)?;
    let workers = file.workers.unwrap_or_else(Settings::default_workers);
    if !(1..=64).contains(&workers) {
        return Err(invalid(format!("workers = {workers}: give 1 to 64")));
    }
    let segment_workers = file.segment_workers.unwrap_or(0);
    if segment_workers > 64 {
        return Err(invalid(format!(
            "segment_workers = {segment_workers}: give 1 to 64 (or leave it out)"
        )));
    }
    let stall = file.stall_timeout_s.unwrap_or(120.0);
    if !(stall.is_finite() && stall > 0.0) {
        return Err(invalid(format!(
            "stall_timeout_s = {stall}: give a positive number of seconds"
        )));
    }
    let profiles = file
        .profiles
        .unwrap_or_else(|| vec!["youtube-1080p".to_string()]);
    for name in &profiles {
        profile::find(name).map_err(|e| invalid(format!("profiles: {e}")))?;
    }
    let outbox = file.outbox.unwrap_or_else(|| state_dir.join("outbox"));
    let named_paths = [
        ("outbox", Some(&outbox)),
        ("onnxruntime", file.onnxruntime.as_ref()),
        ("models_dir", file.models_dir.as_ref()),
    ];
    for (key, value) in named_paths {
        if let Some(value) = value.filter(|p| !p.is_absolute()) {
            return Err(invalid(format!(
                "{key} = {}: give an absolute path",
                value.display()
            )));
        }
    }
    if let Some(library) = file.onnxruntime.as_ref().filter(|p| !p.is_file()) {
        return Err(invalid(format!(
            "onnxruntime = {}: no such file",
            library.display()
        )));
    }
    let forget = file.forget_jobs_after_s.unwrap_or(30.0 * 24.0 * 3600.0);
    if !(forget.is_finite() && forget >= 0.0) {
        return Err(invalid(format!(
            "forget_jobs_after_s = {forget}: give seconds (0 keeps jobs forever)"
        )));
    }
    let settings = Settings {
        workers,
        stall_timeout: Duration::from_secs_f64(stall),
        outbox,
        profiles,
        forget_after: (forget > 0.0).then(|| Duration::from_secs_f64(forget)),
        segment_workers,
        quota,
    };
    let models = ModelPaths {
        onnxruntime: file.onnxruntime,
        models_dir: file.models_dir,
    };
    Ok((settings, models))
}

/// The quota keys, checked: each limit, when set, is above zero.
fn check_quota(file: &File) -> Result<crate::jobs::quota::Quota, String> {
    if file.quota_queued_jobs == Some(0) {
        return Err("quota_queued_jobs = 0: give 1 or more (or leave it out for no limit)".into());
    }
    if file.quota_output_bytes == Some(0) {
        return Err("quota_output_bytes = 0: give 1 or more (or leave it out for no limit)".into());
    }
    if let Some(s) = file
        .max_video_seconds
        .filter(|s| !(s.is_finite() && *s > 0.0))
    {
        return Err(format!(
            "max_video_seconds = {s}: give a positive number of seconds"
        ));
    }
    Ok(crate::jobs::quota::Quota {
        queued_jobs: file.quota_queued_jobs,
        output_bytes: file.quota_output_bytes,
        video_seconds: file.max_video_seconds,
    })
}

/// The inbox keys, checked: an absolute folder, positive times, a known duplicates policy.
fn check_inbox(
    file: &File,
    state_dir: &Path,
    path: &Path,
) -> Result<Option<crate::watch::Settings>, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let folder = file
        .inbox
        .clone()
        .unwrap_or_else(|| state_dir.join("inbox"));
    if folder.as_os_str().is_empty() {
        return Ok(None);
    }
    if !folder.is_absolute() {
        return Err(invalid(format!(
            "inbox = {}: give an absolute path (or \"\" for no inbox)",
            folder.display()
        )));
    }
    let mut settings = crate::watch::Settings::new(folder);
    let seconds = |key: &str, value: Option<f64>, default: Duration| match value {
        None => Ok(default),
        Some(s) if s.is_finite() && s > 0.0 => Ok(Duration::from_secs_f64(s)),
        Some(s) => Err(invalid(format!(
            "{key} = {s}: give a positive number of seconds"
        ))),
    };
    settings.rescan = seconds("inbox_rescan_s", file.inbox_rescan_s, settings.rescan)?;
    settings.settle = seconds("inbox_settle_s", file.inbox_settle_s, settings.settle)?;
    for (key, value, into) in [
        (
            "inbox_max_bytes",
            file.inbox_max_bytes,
            &mut settings.max_bytes,
        ),
        (
            "inbox_max_footage_bytes",
            file.inbox_max_footage_bytes,
            &mut settings.max_footage_bytes,
        ),
    ] {
        match value {
            Some(0) => return Err(invalid(format!("{key} = 0: give a size in bytes"))),
            Some(bytes) => *into = bytes,
            None => {}
        }
    }
    if let Some(text) = &file.inbox_duplicates {
        settings.duplicates = crate::watch::Duplicates::parse(text).ok_or_else(|| {
            invalid(format!(
                "inbox_duplicates = \"{text}\": give \"report\" or \"render\""
            ))
        })?;
    }
    Ok(Some(settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let err = parse(
            "workers = 2\nwrokers = 3\n",
            Path::new("/etc/reel/reel.toml"),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("wrokers") && text.contains("line 2"),
            "{text}"
        );
    }

    #[test]
    fn later_files_override_earlier_keys() {
        let system = parse(
            "workers = 1\nprofiles = [\"preview-480p\"]\n",
            Path::new("a"),
        )
        .unwrap();
        let user = parse("workers = 3\n", Path::new("b")).unwrap();
        let (settings, models) =
            check(system.overlay(user), Path::new("/state"), Path::new("b")).unwrap();
        assert_eq!(models, ModelPaths::default());
        assert_eq!(settings.workers, 3);
        assert_eq!(settings.profiles, vec!["preview-480p"]);
        assert_eq!(settings.outbox, PathBuf::from("/state/outbox"));
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let text = include_str!("../../systemd/reel.toml");
        let file = parse(text, Path::new("reel.toml")).unwrap();
        assert!(check(file, Path::new("/s"), Path::new("reel.toml")).is_ok());
        // Every key it documents is one the daemon reads.
        let uncommented: String = text
            .lines()
            .map(|l| l.strip_prefix('#').unwrap_or(l))
            .filter(|l| l.contains(" = "))
            .map(|l| format!("{l}\n"))
            .collect();
        parse(&uncommented, Path::new("reel.toml")).unwrap();
    }

    #[test]
    fn bad_inbox_values_are_refused_and_an_empty_folder_means_none() {
        for text in [
            "inbox = \"rel\"",
            "inbox_rescan_s = 0.0",
            "inbox_settle_s = -2.0",
            "inbox_max_bytes = 0",
            "inbox_max_footage_bytes = 0",
            "inbox_duplicates = \"maybe\"",
        ] {
            let file = parse(text, Path::new("c")).unwrap();
            assert!(
                check_inbox(&file, Path::new("/s"), Path::new("c")).is_err(),
                "{text}"
            );
        }
        let off = parse("inbox = \"\"", Path::new("c")).unwrap();
        assert_eq!(
            check_inbox(&off, Path::new("/s"), Path::new("c")).unwrap(),
            None
        );
        let default = check_inbox(&File::default(), Path::new("/s"), Path::new("c")).unwrap();
        assert_eq!(default.unwrap().folder, PathBuf::from("/s/inbox"));
    }

    #[test]
    fn bad_values_are_refused() {
        for text in [
            "workers = 0",
            "stall_timeout_s = -1.0",
            "profiles = [\"nope\"]",
            "outbox = \"rel\"",
            "models_dir = \"models\"",
            "onnxruntime = \"libonnxruntime.so\"",
            "onnxruntime = \"/nowhere/libonnxruntime.so\"",
            "forget_jobs_after_s = -1.0",
            "quota_queued_jobs = 0",
            "quota_output_bytes = 0",
            "max_video_seconds = 0.0",
            "max_video_seconds = nan",
        ] {
            let file = parse(text, Path::new("c")).unwrap();
            assert!(
                check(file, Path::new("/s"), Path::new("c")).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn quota_keys_become_the_engine_quota() {
        let text =
            "quota_queued_jobs = 3\nquota_output_bytes = 1000000\nmax_video_seconds = 90.0\n";
        let file = parse(text, Path::new("c")).unwrap();
        let (settings, _) = check(file, Path::new("/s"), Path::new("c")).unwrap();
        assert_eq!(
            settings.quota,
            crate::jobs::quota::Quota {
                queued_jobs: Some(3),
                output_bytes: Some(1_000_000),
                video_seconds: Some(90.0),
            }
        );
    }
}
