//! `reel watch DIR`: the inbox with no daemon. Files are rendered in this process, one at a
//! time, each with its own progress bar; the same ledger makes a restart pick up where a
//! killed run stopped.

use super::intake::{Inbox, Taken};
use super::ledger::Entry;
use super::scan::scan;
use super::wake::Wake;
use super::{Settings, WatchError};
use crate::jobs::model::JobOptions;
use crate::render::{self, profile, Cache, Output, Progress};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// Watches until `stop` is set (SIGINT/SIGTERM in the CLI); `quiet` hides the bars.
pub fn run(settings: Settings, stop: Arc<AtomicBool>, quiet: bool) -> Result<(), WatchError> {
    let inbox = Inbox::open(settings)?;
    let bars = if quiet {
        MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::hidden())
    } else {
        MultiProgress::new()
    };
    say(&bars, format!("watching {}", inbox.layout.root.display()));
    let (tx, rx) = mpsc::channel();
    let _wake = Wake::start(&inbox.layout.root, move || {
        let _ = tx.send(());
    });
    for taken in inbox.recover()? {
        process(&inbox, taken, &bars)?;
    }
    while !stop.load(Ordering::SeqCst) {
        let found = scan(&inbox.layout, &inbox.settings)?;
        for item in found.found {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let taken = inbox.take(item)?;
            process(&inbox, taken, &bars)?;
        }
        let wait = found
            .recheck_in
            .unwrap_or(inbox.settings.rescan)
            .min(inbox.settings.rescan);
        // Wake on an event, the timer, or every quarter second to look at `stop`.
        let deadline = std::time::Instant::now() + wait;
        while !stop.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
            if rx.recv_timeout(Duration::from_millis(250)).is_ok() {
                while rx.try_recv().is_ok() {}
                break;
            }
        }
    }
    Ok(())
}

fn process(inbox: &Inbox, taken: Taken, bars: &MultiProgress) -> Result<(), WatchError> {
    match taken {
        Taken::NotYet => Ok(()),
        Taken::Refused(entry) => {
            say(
                bars,
                format!(
                    "failed {}: {}",
                    entry.display_name(),
                    entry.reason.unwrap_or_default()
                ),
            );
            Ok(())
        }
        Taken::Render { entry, options } => {
            let bar = bars.add(ProgressBar::new(1000));
            bar.set_style(
                ProgressStyle::with_template("{prefix:>24} {msg:>10} [{bar:30}] {percent:>3}%")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(crate::script::shorten(24, &entry.display_name()));
            let result = render_entry(inbox, &entry, &options, &bar);
            bar.finish_and_clear();
            bars.remove(&bar);
            match result {
                Ok(files) => {
                    let done = inbox.done(entry)?;
                    say(
                        bars,
                        format!(
                            "done   {} → {} ({files} files)",
                            done.display_name(),
                            inbox.layout.done(&done.dest).display()
                        ),
                    );
                }
                Err(reason) => {
                    let failed = inbox.fail(entry, &reason)?;
                    say(bars, format!("failed {}: {reason}", failed.display_name()));
                }
            }
            Ok(())
        }
    }
}

/// Renders one file into its partial folder, as `reel render` would; the error is the line
/// `reel render` prints.
fn render_entry(
    inbox: &Inbox,
    entry: &Entry,
    options: &JobOptions,
    bar: &ProgressBar,
) -> Result<usize, String> {
    let partial = inbox.layout.partial(&entry.dest);
    // A killed run may have left half a result: start clean.
    let _ = std::fs::remove_dir_all(&partial);
    let names = if options.profiles.is_empty() && options.footage.is_some() {
        vec![crate::footage::edit::PROFILE.to_string()]
    } else if options.profiles.is_empty() {
        vec![profile::DEFAULT.to_string()]
    } else {
        options.profiles.clone()
    };
    let profiles = names
        .iter()
        .map(|n| profile::find(n))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let mut total = 1.0;
    let mut on_progress = |p: Progress| match p {
        Progress::Stage { name, total: t } => {
            bar.set_message(name);
            total = t.max(1e-9);
            bar.set_position(0);
        }
        Progress::Advance(done) => bar.set_position((done / total * 1000.0) as u64),
    };
    let input = inbox.layout.processing(&entry.dest);
    let output = Output::Folder(partial);
    let report = match &options.footage {
        Some(footage) => {
            let destination = render::Destination {
                named_after: &input,
                profiles: &profiles,
                output: &output,
                variation: 0,
            };
            crate::footage::edit::edit(
                std::slice::from_ref(&input),
                &footage.edit_options(),
                &destination,
                &Cache::from_env(),
                &render::Cancel::default(),
                &mut on_progress,
            )
            .map(|edit| edit.render)
            .map_err(|e| e.to_string())?
        }
        None => render::render_file(
            &input,
            &profiles,
            &output,
            &Cache::from_env(),
            options.render_options(),
            &mut on_progress,
        )
        .map_err(|e| e.to_string())?,
    };
    Ok(report.outputs.iter().map(|o| 1 + o.subtitles.len()).sum())
}

/// A line above the bars; printed plainly when there are none to draw around (no terminal).
fn say(bars: &MultiProgress, line: String) {
    if bars.is_hidden() {
        println!("{line}");
    } else {
        let _ = bars.println(line);
    }
}
