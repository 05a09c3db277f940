//! The `reel` command.

use anyhow::Result;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use reel::bus::cli::{self, ModelChange};
use reel::bus::Bus;
use reel::daemon;
use reel::footage::edit::{CutMode, EditOptions};
use reel::models::{self, Registry};
use reel::plan::timeline::CaptionMode;
use reel::plan::timeline::Watermark;
use reel::project::SpeechRate;
use reel::render::{self, profile, Cache, Output, Progress};
use reel::script;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "reel", version, about = "Turns scripts into finished videos")]
struct Cli {
    /// Talk to (or, for `daemon`, serve on) the system bus instead of the session bus.
    #[arg(long, global = true)]
    system: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct SubmitArgs {
    /// A script, screenplay, outline, ad brief or edit spec, or footage to edit (a video file);
    /// `-` reads script text from stdin.
    input: PathBuf,
    /// Export profile by name or .toml path; repeat for several (default: the daemon's).
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Folder for the files (default: the daemon's outbox).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Higher runs first.
    #[arg(long)]
    priority: Option<i32>,
    /// Have the narrator read each scene's action.
    #[arg(long)]
    narrate_action: bool,
    /// Which version of an ad brief.
    #[arg(long, value_name = "N")]
    variation: Option<u32>,
    /// Speaking rate: 1.0 is the voice's own pace, 1.2 a fifth faster (0.5 to 2.0).
    #[arg(long, value_name = "FACTOR")]
    speech_rate: Option<f64>,
    /// Follow the job to its end with a progress bar; exit non-zero unless it is done.
    #[arg(long)]
    wait: bool,
    /// No progress bar (with --wait).
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// Every model reel knows, installed or not, and the runtime in use.
    List,
    /// Download, unpack or convert, and verify models (by id; --default for the default set).
    Install {
        ids: Vec<String>,
        #[arg(long)]
        default: bool,
    },
    /// Check every installed file's SHA-256 (all installed models without ids).
    Verify { ids: Vec<String> },
    /// Use this model for its task from the next job on.
    Activate { id: String },
    /// Delete an installed model.
    Remove { id: String },
    /// A model's manifest: files, hashes, tensors, source, license.
    Info { id: String },
}

#[derive(Subcommand)]
enum ConsentCommand {
    /// Record that the person a portrait shows agrees to its use (it covers that picture's
    /// content, under any name).
    Add {
        portrait: PathBuf,
        /// Who the portrait shows.
        #[arg(long)]
        person: String,
        /// What it may be used for.
        #[arg(long)]
        purpose: String,
        /// Who gave the consent, as they signed it.
        #[arg(long)]
        signed_by: String,
        /// The last day it may be used (YYYY-MM-DD); without it, until revoked.
        #[arg(long)]
        until: Option<String>,
    },
    /// Every consent record, in force, lapsed or revoked.
    List,
    /// Withdraw a consent (an id prefix is enough): renders of its portrait fail from now on.
    Revoke { id: String },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Everything about one job: state, stages with timings, outputs, error.
    Show { id: String },
    /// Stop a queued or running job; its files are removed.
    Cancel { id: String },
    /// Run a failed or cancelled job again.
    Retry {
        id: String,
        /// Follow it to its end.
        #[arg(long)]
        wait: bool,
    },
}

#[derive(clap::Subcommand)]
enum ProjectsCommand {
    /// A project's revision, scenes (by number) and edits.
    Show { id: String },
    /// Change one thing in a project; each edit is a new revision.
    Edit {
        id: String,
        #[command(subcommand)]
        edit: reel::project::edit::Edit,
    },
    /// Render the project as it is now (its latest revision).
    Render {
        id: String,
        /// Follow the job to its end with a progress bar; exit non-zero unless it is done.
        #[arg(long)]
        wait: bool,
        /// No progress bar (with --wait).
        #[arg(short, long)]
        quiet: bool,
    },
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
    /// Speak with espeak-ng even when a neural voice model is installed.
    #[arg(long)]
    espeak: bool,
    /// Speaking rate: 1.0 is the voice's own pace, 1.2 a fifth faster (0.5 to 2.0).
    #[arg(long, value_name = "FACTOR")]
    speech_rate: Option<f64>,
    /// Also write the cut as an OpenTimelineIO file (with --variations, one per version).
    #[arg(long, value_name = "FILE")]
    otio: Option<PathBuf>,
    /// Render the whole timeline in one graph instead of in segments (nothing is reused).
    #[arg(long)]
    one_pass: bool,
    /// Segments rendered at once (default: one per two cores).
    #[arg(long, value_name = "N")]
    segment_workers: Option<usize>,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(clap::Args)]
struct WatchArgs {
    /// The folder to watch (created with processing/, outbox/ and failed/ inside).
    dir: PathBuf,
    /// Seconds between full rescans, for changes the kernel did not report.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    rescan: f64,
    /// Seconds a file must go unchanged before it is taken.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    settle: f64,
    /// Render a file again even when one with the same content was rendered before.
    #[arg(long)]
    render_duplicates: bool,
    /// No progress bars.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Render a script, screenplay, outline, ad brief or edit spec to video files.
    Render(RenderArgs),
    /// Cut footage into a finished clip: long silences out, whole sentences kept to fit a
    /// target length, cuts on the music's beats, captions from what is said.
    Edit(EditArgs),
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
    /// Write each speaking character's mouth shapes (Rhubarb Lip Sync's A-H and X) over the
    /// script's timeline, from the voice's own phone timings.
    Visemes(VisemesArgs),
    /// List the built-in export profiles.
    Profiles,
    /// Run the service: keeps projects and jobs, renders in the background, serves D-Bus.
    Daemon {
        /// Read only this config file (default: /etc/reel/reel.toml, then
        /// $XDG_CONFIG_HOME/reel/reel.toml).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Where the store, cache and outbox live (default: $STATE_DIRECTORY or
        /// $XDG_STATE_HOME/reel).
        #[arg(long)]
        state_dir: Option<PathBuf>,
    },
    /// Queue a render on the running daemon; prints the job id.
    Submit(SubmitArgs),
    /// List the daemon's jobs, or show, cancel or retry one (an id prefix is enough).
    Jobs {
        #[command(subcommand)]
        command: Option<JobsCommand>,
    },
    /// List the daemon's projects; show, edit or render one.
    Projects {
        #[command(subcommand)]
        command: Option<ProjectsCommand>,
    },
    /// The daemon's version, uptime, workers and job counts.
    Health,
    /// Watch a folder and render every script, brief or edit spec dropped into it, in this
    /// process (no daemon): results in DIR/outbox/<name>/, failures in DIR/failed/.
    Watch(WatchArgs),
    /// A live console for the daemon's jobs: watch, cancel, retry, reprioritise, submit.
    Tui,
    /// Consent to show real people's portraits: without a record in force, a render that
    /// shows one fails (with --system, the system daemon's records).
    Consent {
        #[command(subcommand)]
        command: ConsentCommand,
    },
    /// The ONNX models reel uses for speech, recognition and voice activity.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
}

fn main() -> ExitCode {
    limit_heap_growth();
    let cli = Cli::parse();
    init_logging(&cli.command);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, filtered by `REEL_LOG` (default: warnings; the daemon also logs info).
/// Under systemd (`JOURNAL_STREAM` set) lines carry no time or colour: journald adds its own.
fn init_logging(command: &Command) {
    let default = match command {
        Command::Daemon { .. } => "info",
        _ => "warn",
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("REEL_LOG").unwrap_or_else(|_| default.into());
    if matches!(command, Command::Tui) {
        // The console owns the terminal: its log goes to a file.
        let path = daemon::default_state_dir().join("tui.log");
        let file = path.parent().map(std::fs::create_dir_all).and_then(|_| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .ok()
        });
        if let Some(file) = file {
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::sync::Mutex::new(file))
                .with_ansi(false)
                .init();
        }
        return;
    }
    // Colour only on a terminal: files and journald get plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().init();
    } else {
        builder.init();
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

fn run(cli: Cli) -> Result<ExitCode> {
    let bus = if cli.system {
        Bus::System
    } else {
        Bus::Session
    };
    let ok = |r: Result<()>| r.map(|()| ExitCode::SUCCESS);
    match cli.command {
        Command::Render(args) => ok(render_command(args)),
        Command::Edit(args) => ok(edit_command(args)),
        Command::Parse {
            input,
            json,
            narrate_action,
        } => ok(parse_command(&input, json, narrate_action)),
        Command::Visemes(args) => ok(visemes_command(args)),
        Command::Profiles => {
            for name in profile::names() {
                let p = profile::find(name)?;
                println!("{name:20} {}", p.description);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Daemon { config, state_dir } => {
            let options = daemon::Options {
                bus,
                config,
                state_dir: state_dir.unwrap_or_else(daemon::default_state_dir),
            };
            runtime()?.block_on(daemon::run(options, std::future::pending()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Submit(args) => {
            let submission = cli::Submission {
                input: args.input,
                profiles: args.profiles,
                output: args.output,
                priority: args.priority,
                narrate_action: args.narrate_action,
                variation: args.variation,
                speech_rate: args.speech_rate,
            };
            let done = runtime()?.block_on(cli::submit(bus, submission, args.wait, args.quiet))?;
            Ok(exit(done))
        }
        Command::Jobs { command } => {
            let rt = runtime()?;
            match command {
                None => rt.block_on(cli::list_jobs(bus))?,
                Some(JobsCommand::Show { id }) => rt.block_on(cli::show_job(bus, &id))?,
                Some(JobsCommand::Cancel { id }) => rt.block_on(cli::cancel_job(bus, &id))?,
                Some(JobsCommand::Retry { id, wait }) => {
                    return Ok(exit(rt.block_on(cli::retry_job(bus, &id, wait))?))
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Projects { command } => {
            use reel::bus::projects_cli;
            let rt = runtime()?;
            match command {
                None => rt.block_on(cli::list_projects(bus))?,
                Some(ProjectsCommand::Show { id }) => {
                    rt.block_on(projects_cli::show_project(bus, &id))?
                }
                Some(ProjectsCommand::Edit { id, edit }) => {
                    rt.block_on(projects_cli::edit_project(bus, &id, edit))?
                }
                Some(ProjectsCommand::Render { id, wait, quiet }) => {
                    let done = rt.block_on(projects_cli::render_project(bus, &id, wait, quiet))?;
                    return Ok(exit(done));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Watch(args) => ok(watch_command(args)),
        Command::Tui => ok(reel::tui::run(bus)),
        Command::Health => ok(Ok(runtime()?.block_on(cli::health(bus))?)),
        Command::Consent { command } => ok(consent_command(command, bus)),
        Command::Models { command } => {
            let registry = Registry::locate();
            match command {
                // The system service keeps its models in its own folder: ask it.
                ModelsCommand::List if bus == Bus::System => {
                    runtime()?.block_on(cli::list_models(bus))?
                }
                ModelsCommand::List => models::cli::list(&registry)?,
                ModelsCommand::Install { ids, default } => {
                    if ids.is_empty() && !default {
                        anyhow::bail!("name the models to install, or give --default");
                    }
                    if bus == Bus::System {
                        // The system daemon installs into its own folder, as its own user.
                        let ids = if default {
                            models::manifest::DEFAULT_SET
                                .iter()
                                .map(|s| s.to_string())
                                .collect()
                        } else {
                            ids
                        };
                        let rt = runtime()?;
                        for id in ids {
                            rt.block_on(cli::change_models(bus, ModelChange::Install(&id)))?;
                            println!("{id}: installed by the system daemon");
                        }
                    } else {
                        models::cli::install_models(&registry, &ids, default)?
                    }
                }
                ModelsCommand::Verify { ids } => models::cli::verify(&registry, &ids)?,
                ModelsCommand::Activate { id } => {
                    if runtime()?.block_on(cli::change_models(bus, ModelChange::Activate(&id)))? {
                        println!("{id}: activated by the running daemon; the next job uses it");
                    } else {
                        let installed = registry.activate(&id)?;
                        println!(
                            "{}: now the {} model; the next job uses it",
                            installed.id, installed.task
                        );
                    }
                }
                ModelsCommand::Remove { id } => {
                    if runtime()?.block_on(cli::change_models(bus, ModelChange::Remove(&id)))? {
                        println!("{id}: removed by the running daemon");
                    } else {
                        registry.remove(&id)?;
                        println!("{id}: removed");
                    }
                }
                ModelsCommand::Info { id } => models::cli::info(&registry, &id)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

fn exit(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn watch_command(args: WatchArgs) -> Result<()> {
    let seconds = |flag: &str, s: f64| {
        if s.is_finite() && s > 0.0 {
            Ok(std::time::Duration::from_secs_f64(s))
        } else {
            Err(anyhow::anyhow!(
                "--{flag} {s}: give a positive number of seconds"
            ))
        }
    };
    let mut settings = reel::watch::Settings::new(args.dir);
    settings.rescan = seconds("rescan", args.rescan)?;
    settings.settle = seconds("settle", args.settle)?;
    if args.render_duplicates {
        settings.duplicates = reel::watch::Duplicates::Render;
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // A file being rendered finishes its step; the next start picks up the rest.
        signal_hook_flag(signal, &stop)?;
    }
    reel::watch::foreground::run(settings, stop, args.quiet)?;
    Ok(())
}

/// Sets `flag` when `signal` arrives.
fn signal_hook_flag(
    signal: i32,
    flag: &std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<()> {
    static FLAG: std::sync::OnceLock<std::sync::Arc<std::sync::atomic::AtomicBool>> =
        std::sync::OnceLock::new();
    let _ = FLAG.set(flag.clone());
    extern "C" fn on_signal(_: i32) {
        if let Some(flag) = FLAG.get() {
            if flag.swap(true, std::sync::atomic::Ordering::SeqCst) {
                // A second signal: stop now; the ledger resumes the file on the next start.
                // SAFETY: _exit is async-signal-safe.
                unsafe { libc::_exit(130) };
            }
        }
    }
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    let previous = unsafe { libc::signal(signal, on_signal as *const () as libc::sighandler_t) };
    if previous == libc::SIG_ERR {
        anyhow::bail!("cannot handle signal {signal}");
    }
    Ok(())
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

#[derive(clap::Args)]
struct VisemesArgs {
    /// A plain script, Fountain screenplay, Markdown outline or ad brief.
    input: PathBuf,
    /// The folder for the tracks, one `<script>-<character>.<format>` each (default: here).
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Rhubarb's TSV (start and shape per line) or JSON (mouthCues).
    #[arg(long, value_enum, default_value = "tsv")]
    format: VisemeFormat,
    /// Only this character's track (as the script names them, any case).
    #[arg(long, value_name = "NAME")]
    character: Option<String>,
    /// Speak with espeak-ng even when a neural voice model is installed.
    #[arg(long)]
    espeak: bool,
    /// Read each scene's action aloud, as `reel render --narrate-action` does.
    #[arg(long)]
    narrate_action: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum VisemeFormat {
    Tsv,
    Json,
}

fn visemes_command(args: VisemesArgs) -> Result<()> {
    use reel::lipsync::export;
    if !args.input.is_file() {
        anyhow::bail!("{}: no such file", args.input.display());
    }
    let bar = progress_bar(args.quiet);
    let mut on_progress = bar_progress(&bar, String::new());
    let options = render::Options {
        variation: 0,
        narrate_action: args.narrate_action,
        espeak: args.espeak,
        speech_rate: SpeechRate::default(),
    };
    let tracks = render::visemes_file(&args.input, &Cache::from_env(), options, &mut on_progress);
    bar.finish_and_clear();
    let mut tracks = tracks?;
    if let Some(wanted) = &args.character {
        tracks.retain(|t| t.character.eq_ignore_ascii_case(wanted));
        if tracks.is_empty() {
            anyhow::bail!("{}: no lines for {wanted}", args.input.display());
        }
    }
    let folder = args.output.unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&folder).map_err(|e| anyhow::anyhow!("{}: {e}", folder.display()))?;
    let stem = args
        .input
        .file_stem()
        .map_or("script".into(), |s| s.to_string_lossy().into_owned());
    for track in &tracks {
        let name = track
            .character
            .to_lowercase()
            .replace(|c: char| !c.is_alphanumeric(), "-");
        let (text, extension) = match args.format {
            VisemeFormat::Tsv => (export::tsv(&track.cues), "tsv"),
            VisemeFormat::Json => (export::json(&track.cues, &format!("{stem}.mp4")), "json"),
        };
        let path = folder.join(format!("{stem}-{name}.{extension}"));
        render::write_atomic(&path, text.as_bytes())
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let note = match track.untimed_lines {
            0 => String::new(),
            n => format!(" ({n} line(s) without phone times, shown at rest)"),
        };
        println!(
            "wrote {} ({}, {} cues){note}",
            path.display(),
            track.character,
            track.cues.len()
        );
    }
    Ok(())
}

#[derive(clap::Args)]
struct EditArgs {
    /// Video files, played in order.
    #[arg(required = true)]
    footage: Vec<PathBuf>,
    /// A music bed under the cut (looped), whose beats the cuts land on.
    #[arg(long, value_name = "FILE")]
    music: Option<PathBuf>,
    /// Export profile (repeatable; default shorts-1080x1920).
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Longest result, e.g. 30s, 90, 1m30s: whole sentences are dropped, the least dense first.
    #[arg(long, value_name = "LENGTH", value_parser = parse_length)]
    target: Option<f64>,
    /// Which cuts to make.
    #[arg(long, value_enum, default_value = "both")]
    cut: CutMode,
    /// Captions of what is said (burned in, and .srt/.vtt).
    #[arg(long, value_enum, default_value = "karaoke")]
    captions: CaptionMode,
    /// A mark in the bottom-right corner: text, or a PNG/JPEG file.
    #[arg(long, value_name = "TEXT|IMAGE")]
    watermark: Option<String>,
    /// Output folder, or file for one profile.
    #[arg(short, long, default_value = "out")]
    output: PathBuf,
    /// Also write the cut as an OpenTimelineIO file.
    #[arg(long, value_name = "FILE")]
    otio: Option<PathBuf>,
    /// Print each stage's wall and CPU time.
    #[arg(long)]
    timings: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

/// Seconds from `30`, `30s`, `2m`, `1m30s` or `1.5m`.
fn parse_length(text: &str) -> std::result::Result<f64, String> {
    let bad = || format!("'{text}' is not a length (try 30s or 1m30s)");
    let mut seconds = 0.0;
    let mut number = String::new();
    for c in text.trim().chars() {
        match c {
            '0'..='9' | '.' => number.push(c),
            'm' | 's' => {
                let value: f64 = number.parse().map_err(|_| bad())?;
                seconds += if c == 'm' { value * 60.0 } else { value };
                number.clear();
            }
            _ => return Err(bad()),
        }
    }
    if !number.is_empty() {
        seconds += number.parse::<f64>().map_err(|_| bad())?;
    }
    if seconds > 0.0 {
        Ok(seconds)
    } else {
        Err(bad())
    }
}

fn edit_command(args: EditArgs) -> Result<()> {
    let names = if args.profiles.is_empty() {
        vec![reel::footage::edit::PROFILE.to_string()]
    } else {
        args.profiles
    };
    let profiles = names
        .iter()
        .map(|n| profile::find(n))
        .collect::<Result<Vec<_>, _>>()?;
    let watermark = args.watermark.as_deref().map(Watermark::from_arg);
    if let Some(mark) = &watermark {
        reel::plan::spec::check_watermark(mark).map_err(|e| anyhow::anyhow!("--{e}"))?;
    }
    let options = EditOptions {
        music: args.music,
        target: args.target,
        cut: args.cut,
        captions: args.captions,
        watermark,
        ..EditOptions::default()
    };
    let bar = progress_bar(args.quiet);
    let output = Output::from_arg(&args.output);
    let destination = render::Destination {
        named_after: &args.footage[0],
        profiles: &profiles,
        output: &output,
        variation: 0,
    };
    let mut on_progress = bar_progress(&bar, String::new());
    let result = reel::footage::edit::edit(
        &args.footage,
        &options,
        &destination,
        &Cache::from_env(),
        &render::Cancel::default(),
        &mut on_progress,
    );
    bar.finish_and_clear();
    let report = result?;
    let cut = &report.cut;
    println!(
        "cut {:.2} s: {} stretches, {} joins ({} on a beat{}), {:.1} s of silence out, {} sentences dropped",
        cut.duration(),
        cut.kept.len(),
        cut.joins.len(),
        cut.joins.iter().filter(|j| j.beat.is_some()).count(),
        report
            .bpm
            .map(|b| format!(" of {b:.1} BPM"))
            .unwrap_or_default(),
        cut.silence_removed,
        cut.sentences_dropped
    );
    if !cut.joins.is_empty() {
        let joins: Vec<String> = cut
            .joins
            .iter()
            .map(|j| match j.beat {
                Some(_) => format!("{:.2} s (on a beat)", j.time),
                None => format!("{:.2} s", j.time),
            })
            .collect();
        println!("joins at {}", joins.join(", "));
    }
    for found in &report.shots {
        println!(
            "wrote {} ({} shots) and a thumbnail per shot",
            found.contact_sheet.display(),
            found.shots.len()
        );
    }
    for reframed in &report.reframed {
        println!("{}", reel::footage::reframe::summary(reframed));
        println!("wrote {}", reframed.file.display());
    }
    print_report(&args.footage[0], &report.render);
    if let Some(path) = &args.otio {
        let fps = f64::from(profiles[0].fps);
        render::otio::write(&report.render.timeline, fps, path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    if args.timings {
        println!("{}", reel::footage::timing::summary(&report.times));
    }
    Ok(())
}

fn progress_bar(quiet: bool) -> ProgressBar {
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
    bar
}

/// Shows render progress on `bar`, each stage's name after `prefix`.
fn bar_progress(bar: &ProgressBar, prefix: String) -> impl FnMut(Progress) + '_ {
    const SCALE: f64 = 1000.0;
    move |p: Progress| match p {
        Progress::Stage { name, total } => {
            bar.set_message(format!("{prefix}{name}"));
            bar.set_length((total * SCALE).max(1.0) as u64);
            bar.set_position(0);
            bar.reset_eta();
        }
        Progress::Advance(done) => bar.set_position((done * SCALE) as u64),
    }
}

fn render_command(args: RenderArgs) -> Result<()> {
    let RenderArgs {
        input,
        output,
        profiles: names,
        preview,
        variations,
        narrate_action,
        espeak,
        speech_rate,
        otio,
        one_pass,
        segment_workers,
        quiet,
    } = args;
    render::segments::set_one_pass(one_pass);
    if let Some(workers) = segment_workers {
        render::segments::set_workers(workers);
    }
    if !input.is_file() {
        anyhow::bail!("{}: no such file", input.display());
    }
    let speech_rate = speech_rate
        .map(SpeechRate::from_factor)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--speech-rate: {e}"))?
        .unwrap_or_default();
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
    let bar = progress_bar(quiet);
    for version in versions {
        let prefix = if version > 0 {
            format!("v{version} ")
        } else {
            String::new()
        };
        let mut on_progress = bar_progress(&bar, prefix);
        let options = render::Options {
            variation: version,
            narrate_action,
            espeak,
            speech_rate,
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
        let report = result?;
        print_report(&input, &report);
        if let Some(otio) = &otio {
            let path = versioned(otio, version);
            let fps = f64::from(profiles[0].fps);
            render::otio::write(&report.timeline, fps, &path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

/// `path` with `-v<version>` before its extension, for versions after 0.
fn versioned(path: &std::path::Path, version: u32) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let stem = render::variation_name(stem.into_owned(), version);
    match path.extension() {
        Some(ext) => path.with_file_name(format!("{stem}.{}", ext.to_string_lossy())),
        None => path.with_file_name(stem),
    }
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
        if !out.segments.is_empty() {
            println!("  {}", render::segments::summary(&out.segments));
        }
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

/// `reel consent`: on this user's records, or the system daemon's over D-Bus.
fn consent_command(command: ConsentCommand, bus: Bus) -> anyhow::Result<()> {
    if bus == Bus::System {
        return Ok(runtime()?.block_on(cli::consent(bus, command.into()))?);
    }
    let store = reel::consent::ConsentStore::open()?;
    match command {
        ConsentCommand::Add {
            portrait,
            person,
            purpose,
            signed_by,
            until,
        } => {
            let record = store.add(&portrait, &person, &purpose, until.as_deref(), &signed_by)?;
            println!("{}", record.id);
        }
        ConsentCommand::List => {
            let today = reel::consent::today();
            let records: Vec<cli::ConsentRow> = store
                .list()?
                .into_iter()
                .map(|r| cli::ConsentRow::of(r, &today))
                .collect();
            cli::print_consents(&records);
        }
        ConsentCommand::Revoke { id } => {
            let record = store.revoke(&id)?;
            println!(
                "{}: revoked ({} for {})",
                record.id, record.person, record.portrait
            );
        }
    }
    Ok(())
}

impl From<ConsentCommand> for cli::ConsentChange {
    fn from(command: ConsentCommand) -> cli::ConsentChange {
        match command {
            ConsentCommand::Add {
                portrait,
                person,
                purpose,
                signed_by,
                until,
            } => cli::ConsentChange::Add {
                portrait: std::path::absolute(&portrait).unwrap_or(portrait),
                person,
                purpose,
                signed_by,
                until: until.unwrap_or_default(),
            },
            ConsentCommand::List => cli::ConsentChange::List,
            ConsentCommand::Revoke { id } => cli::ConsentChange::Revoke(id),
        }
    }
}
