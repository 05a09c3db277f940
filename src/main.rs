//! The `reel` command.

use anyhow::Result;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use reel::render::{self, profile, Cache, Output, Progress};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "reel", version, about = "Turns scripts into finished videos")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a script (plain "Scene N:" text) or an edit spec (.json/.toml) to video files.
    Render {
        /// The script or edit spec.
        input: PathBuf,
        /// A folder for the files, or the file to write (.mp4/.mkv).
        #[arg(short, long, default_value = "out")]
        output: PathBuf,
        /// Export profile by name or .toml path; repeat for several.
        #[arg(long = "profile", value_name = "NAME")]
        profiles: Vec<String>,
        /// A fast low-resolution draft instead of the profiles.
        #[arg(long)]
        preview: bool,
        /// No progress bar.
        #[arg(short, long)]
        quiet: bool,
    },
    /// List the built-in export profiles.
    Profiles,
}

fn main() -> ExitCode {
    limit_heap_growth();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REEL_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Video frames are megabytes each and freed from many threads; glibc otherwise raises its
/// mmap threshold after the first frees and keeps freed frames in per-thread heaps, which
/// costs hundreds of MiB over a render. A fixed 1 MiB threshold returns them at once.
fn limit_heap_growth() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Render {
            input,
            output,
            profiles,
            preview,
            quiet,
        } => render_command(input, output, profiles, preview, quiet),
        Command::Profiles => {
            for name in profile::names() {
                let p = profile::find(name)?;
                println!("{name:20} {}", p.description);
            }
            Ok(())
        }
    }
}

fn render_command(
    input: PathBuf,
    output: PathBuf,
    names: Vec<String>,
    preview: bool,
    quiet: bool,
) -> Result<()> {
    let names = match (preview, names.is_empty()) {
        (true, _) => vec![profile::PREVIEW.to_string()],
        (false, true) => vec![profile::DEFAULT.to_string()],
        (false, false) => names,
    };
    let profiles = names
        .iter()
        .map(|n| profile::find(n))
        .collect::<Result<Vec<_>, _>>()?;
    if !input.is_file() {
        anyhow::bail!("{}: no such file", input.display());
    }
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(1)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>18} [{bar:40}] {percent:>3}% {elapsed_precise} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    const SCALE: f64 = 1000.0;
    let mut on_progress = |p: Progress| match p {
        Progress::Stage { name, total } => {
            bar.set_message(name);
            bar.set_length((total * SCALE).max(1.0) as u64);
            bar.set_position(0);
            bar.reset_eta();
        }
        Progress::Advance(done) => bar.set_position((done * SCALE) as u64),
    };
    let result = render::render_file(
        &input,
        &profiles,
        &Output::from_arg(&output),
        &Cache::from_env(),
        &mut on_progress,
    );
    bar.finish_and_clear();
    let report = result?;
    for warning in &report.warnings {
        eprintln!("warning: {}:{warning}", input.display());
    }
    for out in &report.outputs {
        let subs: Vec<String> = out
            .subtitles
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        println!(
            "wrote {} ({}, {}x{}, {:.2} s){}",
            out.path.display(),
            out.profile,
            out.width,
            out.height,
            out.duration,
            if subs.is_empty() {
                String::new()
            } else {
                format!(" + {}", subs.join(", "))
            }
        );
    }
    let seconds = report.elapsed.as_secs_f64();
    let video = report.duration * report.outputs.len() as f64;
    println!(
        "rendered {:.2} s of video in {:.1} s ({:.2}x realtime){}",
        video,
        seconds,
        video / seconds.max(1e-9),
        report
            .loudness
            .map(|l| format!(", loudness {l:.1} LUFS"))
            .unwrap_or_default()
    );
    Ok(())
}
