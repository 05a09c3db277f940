//! The `reel` command.

use anyhow::Result;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use reel::render::{self, profile, Cache, Output, Progress};
use reel::script;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "reel", version, about = "Turns scripts into finished videos")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct RenderArgs {
    /// A plain script, Fountain screenplay, Markdown outline, ad brief or edit spec.
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
    /// For an ad brief: render this many different versions (-v1, -v2, ...).
    #[arg(long, value_name = "N")]
    variations: Option<u32>,
    /// Have the narrator read each scene's action, not only show it.
    #[arg(long)]
    narrate_action: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Render a script, screenplay, outline, ad brief or edit spec to video files.
    Render(RenderArgs),
    /// Read a script and print its outline (scenes, characters, lines, estimated lengths).
    Parse {
        /// A plain script, Fountain screenplay (.fountain) or Markdown outline (.md).
        input: PathBuf,
        /// Print the project as JSON instead.
        #[arg(long)]
        json: bool,
        /// Show the outline with the action read by the narrator.
        #[arg(long)]
        narrate_action: bool,
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
        Command::Render(args) => render_command(args),
        Command::Parse {
            input,
            json,
            narrate_action,
        } => parse_command(&input, json, narrate_action),
        Command::Profiles => {
            for name in profile::names() {
                let p = profile::find(name)?;
                println!("{name:20} {}", p.description);
            }
            Ok(())
        }
    }
}

fn parse_command(input: &std::path::Path, json: bool, narrate_action: bool) -> Result<()> {
    let bytes = std::fs::read(input).map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{}: not UTF-8 text", input.display()))?;
    let mut parsed = script::parse(&text, input)?;
    if narrate_action {
        parsed.project.narrate_action();
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&parsed.project)?);
    } else {
        print!(
            "{}",
            script::outline::outline(&parsed, script::Format::detect(&text, input))
        );
    }
    Ok(())
}

fn render_command(args: RenderArgs) -> Result<()> {
    let RenderArgs {
        input,
        output,
        profiles: names,
        preview,
        variations,
        narrate_action,
        quiet,
    } = args;
    if !input.is_file() {
        anyhow::bail!("{}: no such file", input.display());
    }
    let brief = read_brief(&input)?;
    if variations.is_some() && brief.is_none() {
        anyhow::bail!(
            "{}: --variations applies to ad briefs only",
            input.display()
        );
    }
    let names = match (preview, names.is_empty(), &brief) {
        (true, _, _) => vec![profile::PREVIEW.to_string()],
        (false, false, _) => names,
        (false, true, Some(b)) if !b.profiles.is_empty() => b.profiles.clone(),
        (false, true, _) => vec![profile::DEFAULT.to_string()],
    };
    let profiles = names
        .iter()
        .map(|n| profile::find(n))
        .collect::<Result<Vec<_>, _>>()?;
    // Versions of an ad are numbered from 1; 0 renders the one version under the plain name.
    let versions: Vec<u32> = match variations {
        Some(n) if n > 0 => (1..=n).collect(),
        Some(_) => anyhow::bail!("--variations must be at least 1"),
        None => vec![0],
    };
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
    for version in versions {
        const SCALE: f64 = 1000.0;
        let mut on_progress = |p: Progress| match p {
            Progress::Stage { name, total } => {
                bar.set_message(if version > 0 {
                    format!("v{version} {name}")
                } else {
                    name
                });
                bar.set_length((total * SCALE).max(1.0) as u64);
                bar.set_position(0);
                bar.reset_eta();
            }
            Progress::Advance(done) => bar.set_position((done * SCALE) as u64),
        };
        let options = render::Options {
            variation: version,
            narrate_action,
        };
        let result = render::render_file(
            &input,
            &profiles,
            &Output::from_arg(&output),
            &Cache::from_env(),
            options,
            &mut on_progress,
        );
        bar.finish_and_clear();
        print_report(&input, &result?);
    }
    Ok(())
}

/// The brief in `input`, when it is one.
fn read_brief(input: &std::path::Path) -> Result<Option<script::brief::Brief>> {
    if !render::is_edit_file(input) {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(input).map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    if !script::brief::is_brief(&text, input) {
        return Ok(None);
    }
    let brief =
        script::brief::parse(&text, input).map_err(|failure| failure.in_file(input, &text))?;
    Ok(Some(brief))
}

fn print_report(input: &std::path::Path, report: &render::Report) {
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
}
