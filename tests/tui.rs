//! `reel tui` end to end: the real console under tmux against a real daemon on a private
//! bus. It submits a job from its prompt and watches it finish, shows a job submitted from
//! another terminal within a second, cancels and retries with keys, survives the daemon's
//! death and restart, and gives the terminal back on `q`. The screen is read with
//! capture-pane, as a person would read it.

mod common;

use common::daemon::{long_script, Daemon};
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    /// The shell writes the console's exit status here when it returns.
    status: std::path::PathBuf,
}

impl Tmux {
    fn start(daemon: &Daemon, state: &std::path::Path) -> Tmux {
        let socket = format!("reel-tui-test-{}", std::process::id());
        let command = format!(
            "env DBUS_SESSION_BUS_ADDRESS='{}' XDG_STATE_HOME='{}' {} tui",
            daemon.bus.address,
            state.display(),
            env!("CARGO_BIN_EXE_reel")
        );
        let status = state.join("tui.status");
        let tmux = Tmux { socket, status };
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "120",
            "-y",
            "40",
            "sh",
        ]);
        // The shell, not tmux, reports the exit status: tmux can mark a pane dead before it
        // has recorded how its process ended.
        let line = format!("{command}; echo $? > '{}'", tmux.status.display());
        tmux.run(&["send-keys", "-t", "t", &line, "Enter"]);
        tmux
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs (make setup installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Waits until the screen satisfies `check`; returns how long that took.
    fn wait_for(&self, what: &str, limit: Duration, check: impl Fn(&str) -> bool) -> Duration {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < limit,
                "waited {limit:?} for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

/// The table row of the job named `name`, if it is on screen.
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(name) && l.contains('%'))
}

#[test]
fn the_console_submits_watches_cancels_retries_and_survives_a_daemon_restart() {
    let mut daemon = Daemon::start("workers = 1\nprofiles = [\"preview-480p\"]\ninbox = \"\"\n");
    let files = tempfile::tempdir().unwrap();
    let short = files.path().join("short.txt");
    std::fs::write(
        &short,
        "Scene 1: A small card.\nNARRATOR: Short and sweet.\n",
    )
    .unwrap();
    let long = long_script(files.path(), "long.txt", 14);
    let tmux = Tmux::start(&daemon, files.path());
    tmux.wait_for("the header", Duration::from_secs(20), |s| {
        s.contains("● up") && s.contains("no jobs yet")
    });
    let screen = tmux.screen();
    assert!(
        screen.contains("reel 0.1.0") && screen.contains("provider CPU"),
        "{screen}"
    );

    // Submit from the console's prompt; it renders to done.
    tmux.keys(&["a"]);
    tmux.keys(&["-l", &short.display().to_string()]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("short.txt done", Duration::from_secs(60), |s| {
        row(s, "short.txt").is_some_and(|r| r.contains("done") && r.contains("100%"))
    });
    // Its details say which segments its render encoded.
    tmux.wait_for("short.txt's segments", Duration::from_secs(10), |s| {
        s.lines()
            .any(|l| l.contains("segments ") && l.contains(" encoded (clip 1"))
    });

    // A job submitted from another terminal shows within a second, and its gauges move.
    let submitted = daemon.reel(&["submit", &long.display().to_string()]);
    assert!(submitted.status.success(), "{submitted:?}");
    let seen = tmux.wait_for("long.txt", Duration::from_secs(5), |s| {
        row(s, "long.txt").is_some()
    });
    assert!(
        seen < Duration::from_secs(1),
        "long.txt appeared after {seen:?}"
    );
    tmux.wait_for("long.txt rendering", Duration::from_secs(60), |s| {
        row(s, "long.txt").is_some_and(|r| r.contains("running") && r.contains("render"))
    });
    let first = tmux.screen();
    tmux.wait_for("the render gauge to move", Duration::from_secs(20), |s| {
        let percent = |screen: &str| {
            screen
                .lines()
                .find(|l| l.starts_with("render "))
                .map(|l| l[8..12].to_string())
        };
        percent(s) != percent(&first)
    });

    // c cancels the selected (newest) job; r runs it again; c stops it once more.
    tmux.keys(&["c"]);
    tmux.wait_for("long.txt cancelled", Duration::from_secs(10), |s| {
        row(s, "long.txt").is_some_and(|r| r.contains("cancelled"))
    });
    tmux.keys(&["r"]);
    tmux.wait_for("long.txt running again", Duration::from_secs(20), |s| {
        row(s, "long.txt").is_some_and(|r| r.contains("running") || r.contains("queued"))
    });
    // A refused call names its D-Bus error and the console carries on.
    tmux.keys(&["j", "c"]);
    tmux.wait_for("the refusal", Duration::from_secs(10), |s| {
        s.contains("Error.WrongState")
    });
    tmux.keys(&["k", "c"]);
    tmux.wait_for("long.txt cancelled again", Duration::from_secs(10), |s| {
        row(s, "long.txt").is_some_and(|r| r.contains("cancelled"))
    });

    // The daemon dies: the console says so; it comes back: the console reconnects itself.
    daemon.kill_hard();
    tmux.wait_for("daemon gone", Duration::from_secs(10), |s| {
        s.contains("daemon gone, reconnecting")
    });
    daemon.launch();
    tmux.wait_for("reconnected", Duration::from_secs(20), |s| {
        s.contains("● up") && s.contains("daemon back") && row(s, "short.txt").is_some()
    });

    // q gives the terminal back: the console's screen is gone, the shell's is there.
    tmux.keys(&["q"]);
    tmux.wait_for("the console to leave", Duration::from_secs(10), |s| {
        !s.contains("● up")
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        match std::fs::read_to_string(&tmux.status) {
            Ok(status) if status.ends_with('\n') => break status,
            _ if Instant::now() > deadline => panic!("reel tui did not exit on q"),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    assert_eq!(status.trim(), "0", "reel tui exits 0 on q");
}
