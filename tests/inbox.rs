//! The inbox as people use it: files dropped into a folder — real scripts and garbage, half
//! written and duplicated, links and FIFOs — while the daemon is killed and restarted, and the
//! same with `reel watch` and no daemon. Every file must end exactly once in `outbox/` or
//! `failed/`, never rendered twice, nothing lost, nothing partial.

mod common;

use common::daemon::{part_files, Daemon};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str =
    "workers = 2\nprofiles = [\"preview-480p\"]\ninbox_settle_s = 0.5\ninbox_rescan_s = 1\n";

/// What a test dropped, by name, and what must become of it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Rendered,
    Failed,
}

fn script(n: usize) -> String {
    format!("Scene 1: Card number {n}.\nNARRATOR: Number {n}.\n")
}

fn fountain(n: usize) -> String {
    format!("Title: Short {n}\n\nINT. ROOM {n} - DAY\n\nA quiet room.\n\nADA\nRoom {n}.\n")
}

fn brief(n: usize) -> String {
    format!(
        "product = \"Lamp {n}\"\ndescription = \"A lamp.\"\nfeatures = [\"Bright\"]\nstyle = \"minimal\"\ncall_to_action = \"Buy lamp {n}\"\nduration = 6\n"
    )
}

fn spec(n: usize) -> String {
    format!("[[clips]]\nduration = 1.5\nsource = {{ kind = \"card\", title = \"Spec {n}\" }}\n")
}

/// Drops about 200 files into `inbox`; returns each name's fate, and the writers still
/// appending to three of them.
fn drop_files(inbox: &Path) -> (BTreeMap<String, Fate>, Vec<std::thread::JoinHandle<()>>) {
    let mut fates = BTreeMap::new();
    let mut put = |name: String, bytes: &[u8], fate: Fate| {
        std::fs::write(inbox.join(&name), bytes).unwrap();
        fates.insert(name, fate);
    };
    put(
        "folder.fountain".into(),
        fountain(0).as_bytes(),
        Fate::Rendered,
    );
    for n in 0..6 {
        put(
            format!("a-script-{n}.txt"),
            script(n).as_bytes(),
            Fate::Rendered,
        );
    }
    for n in 1..3 {
        put(
            format!("screenplay-{n}.fountain"),
            fountain(n).as_bytes(),
            Fate::Rendered,
        );
        put(format!("ad-{n}.toml"), brief(n).as_bytes(), Fate::Rendered);
        put(format!("spec-{n}.toml"), spec(n).as_bytes(), Fate::Rendered);
    }
    // Duplicates of what is rendered: reported, not rendered again.
    for n in 0..100 {
        put(
            format!("copy-{n}.txt"),
            script(n % 6).as_bytes(),
            Fate::Failed,
        );
    }
    for n in 0..30 {
        put(format!("empty-{n}.txt"), b"", Fate::Failed);
    }
    for n in 0..50 {
        let garbage: Vec<u8> = (0..2000).map(|i| ((i * 7 + n * 13) % 256) as u8).collect();
        put(format!("garbage-{n}.txt"), &garbage, Fate::Failed);
    }
    put(
        "bad-script.txt".into(),
        b"NARRATOR: a line before any scene\n",
        Fate::Failed,
    );
    put(
        "bad-options.txt".into(),
        script(90).as_bytes(),
        Fate::Failed,
    );
    std::fs::write(
        inbox.join("bad-options.txt.reel.toml"),
        "priority = 1\nloudness = 3\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/passwd", inbox.join("passwd.txt")).unwrap();
    fates.insert("passwd.txt".into(), Fate::Failed);
    let fifo = std::ffi::CString::new(inbox.join("pipe.txt").to_string_lossy().as_bytes()).unwrap();
    // SAFETY: mkfifo with a valid C path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    fates.insert("pipe.txt".into(), Fate::Failed);
    // Still being written: a line every 0.3 s for 3 s; taken only once whole.
    let writers = (0..3)
        .map(|n| {
            let path = inbox.join(format!("slow-{n}.txt"));
            fates.insert(format!("slow-{n}.txt"), Fate::Rendered);
            std::thread::spawn(move || {
                let mut file = std::fs::File::create(&path).unwrap();
                writeln!(file, "Scene 1: Slow card {n}.").unwrap();
                for i in 0..10 {
                    std::thread::sleep(Duration::from_millis(300));
                    writeln!(file, "NARRATOR: Line {i} of {n}.").unwrap();
                }
            })
        })
        .collect();
    (fates, writers)
}

/// Waits until nothing is left at the top of `inbox` or in `processing/`.
fn wait_until_settled(inbox: &Path, limit: Duration, log: impl Fn() -> String) {
    let deadline = Instant::now() + limit;
    loop {
        let left: Vec<String> = std::fs::read_dir(inbox)
            .unwrap()
            .chain(std::fs::read_dir(inbox.join("processing")).unwrap())
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                !matches!(
                    n.as_str(),
                    "processing" | "outbox" | "failed" | ".reel" | "inbox.toml"
                )
            })
            .collect();
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still waiting: {left:?}\n{}",
            log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Checks every file's end and returns (rendered, failed) counts.
fn check_fates(inbox: &Path, fates: &BTreeMap<String, Fate>) -> (usize, usize) {
    let (mut rendered, mut failed) = (0, 0);
    for (name, fate) in fates {
        let done = inbox.join("outbox").join(name).join(name);
        let failure = inbox.join("failed").join(name);
        let in_done = done.symlink_metadata().is_ok();
        let in_failed = failure.symlink_metadata().is_ok();
        assert!(
            in_done != in_failed,
            "{name}: in outbox {in_done}, in failed {in_failed}"
        );
        let error = inbox.join("failed").join(format!("{name}.error.txt"));
        if in_done {
            rendered += 1;
            let videos: Vec<_> = std::fs::read_dir(inbox.join("outbox").join(name))
                .unwrap()
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "mp4"))
                .collect();
            assert_eq!(videos.len(), 1, "{name}: one video, once");
            assert!(!error.exists(), "{name}: done yet an error file");
        } else {
            failed += 1;
            let reason =
                std::fs::read_to_string(&error).unwrap_or_else(|_| panic!("{name}: no reason"));
            assert!(!reason.trim().is_empty(), "{name}: empty reason");
        }
        assert_eq!(
            *fate == Fate::Rendered,
            in_done,
            "{name} should be {fate:?}: {}",
            std::fs::read_to_string(&error).unwrap_or_default()
        );
    }
    assert!(part_files(inbox).is_empty(), "{:?}", part_files(inbox));
    let partial: Vec<_> = std::fs::read_dir(inbox.join("outbox"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .map(|e| e.path())
        .collect();
    assert!(partial.is_empty(), "no half results: {partial:?}");
    (rendered, failed)
}

/// The reasons of the files that were refused in the big drop.
fn check_refusals(inbox: &Path) {
    // The link was moved, not followed; its reason says so.
    let link = inbox.join("failed/passwd.txt");
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    let reason = std::fs::read_to_string(inbox.join("failed/passwd.txt.error.txt")).unwrap();
    assert!(reason.contains("symbolic link"), "{reason}");
    let reason = std::fs::read_to_string(inbox.join("failed/bad-options.txt.error.txt")).unwrap();
    assert!(
        reason.contains("bad-options.txt.reel.toml:2") && reason.contains("loudness"),
        "{reason}"
    );
    assert!(
        inbox.join("failed/bad-options.txt.reel.toml").exists(),
        "the sidecar travels with its file"
    );
    let reason = std::fs::read_to_string(inbox.join("failed/copy-7.txt.error.txt")).unwrap();
    assert!(
        reason.contains("same content as a-script-1.txt"),
        "{reason}"
    );
    let reason = std::fs::read_to_string(inbox.join("failed/pipe.txt.error.txt")).unwrap();
    assert!(reason.contains("FIFO"), "{reason}");
}

#[test]
fn two_hundred_files_each_end_once_while_the_daemon_is_killed_three_times() {
    let mut daemon = Daemon::start(CONFIG);
    let inbox = daemon.state_dir().join("inbox");
    std::fs::write(inbox.join("inbox.toml"), "profiles = [\"preview-480p\"]\n").unwrap();
    let started = Instant::now();
    let (fates, writers) = drop_files(&inbox);
    for wait in [1500, 2500, 3500] {
        std::thread::sleep(Duration::from_millis(wait));
        daemon.kill_hard();
        daemon.launch();
    }
    for writer in writers {
        writer.join().unwrap();
    }
    wait_until_settled(&inbox, Duration::from_secs(300), || daemon.log());
    let (rendered, failed) = check_fates(&inbox, &fates);
    check_refusals(&inbox);
    assert_eq!(rendered, 16);
    // Every job came from one file, and no file had two jobs.
    let listed = daemon.reel(&["jobs"]);
    let text = String::from_utf8_lossy(&listed.stdout).into_owned();
    let jobs = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
        .saturating_sub(1);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sources, counts) = rt.block_on(async {
        let conn = daemon.connect().await;
        let manager = common::daemon::manager(&conn).await;
        let mut sources: HashMap<String, usize> = HashMap::new();
        for (path, ..) in manager.list_jobs().await.unwrap() {
            let source = common::daemon::job(&conn, path)
                .await
                .source()
                .await
                .unwrap();
            *sources.entry(source).or_default() += 1;
        }
        (sources, manager.inbox_counts().await.unwrap())
    });
    for (source, n) in &sources {
        assert_eq!(*n, 1, "{source} was rendered by {n} jobs");
    }
    assert!(sources.len() >= 16, "{sources:?}");
    assert_eq!(counts["seen"] as usize, fates.len());
    assert_eq!(counts["done"] as usize, rendered);
    assert_eq!(counts["failed"] as usize, failed);
    assert_eq!(counts["processing"], 0);
    println!(
        "inbox: {} files, {rendered} rendered, {failed} failed, {jobs} jobs, 3 kill -9s, {:.1} s",
        fates.len(),
        started.elapsed().as_secs_f64()
    );
}

/// `reel watch DIR` in the background, its output to `log`.
fn watch(dir: &Path, log: &Path, cache: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(["watch", "--settle", "0.5", "--rescan", "1"])
        .arg(dir)
        .env("REEL_CACHE_DIR", cache)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn reel_watch_does_the_same_with_no_daemon_and_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("in");
    let log = dir.path().join("watch.log");
    let cache = dir.path().join("cache");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(inbox.join("inbox.toml"), "profiles = [\"preview-480p\"]\n").unwrap();
    let mut fates = BTreeMap::new();
    for n in 0..4 {
        std::fs::write(inbox.join(format!("s{n}.txt")), script(n)).unwrap();
        fates.insert(format!("s{n}.txt"), Fate::Rendered);
    }
    std::fs::write(inbox.join("z-again.txt"), script(0)).unwrap();
    fates.insert("z-again.txt".into(), Fate::Failed);
    std::fs::write(inbox.join("zero.txt"), b"").unwrap();
    fates.insert("zero.txt".into(), Fate::Failed);
    std::fs::write(
        inbox.join("noise.fountain"),
        [0xffu8, 0xfe, 0x00, 0x41].repeat(100),
    )
    .unwrap();
    fates.insert("noise.fountain".into(), Fate::Failed);
    let mut child = watch(&inbox, &log, &cache);
    for wait in [1500, 2000] {
        std::thread::sleep(Duration::from_millis(wait));
        child.kill().unwrap();
        child.wait().unwrap();
        child = watch(&inbox, &log, &cache);
    }
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_until_settled(&inbox, Duration::from_secs(180), read_log);
    // The last run has its signal handlers once it says it is watching.
    let deadline = Instant::now() + Duration::from_secs(10);
    while read_log().matches("watching").count() < 3 {
        assert!(Instant::now() < deadline, "{}", read_log());
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "reel watch exits cleanly on SIGTERM: {status}\n{}",
        read_log()
    );
    let (rendered, failed) = check_fates(&inbox, &fates);
    assert_eq!((rendered, failed), (4, 3));
    let reason = std::fs::read_to_string(inbox.join("failed/noise.fountain.error.txt")).unwrap();
    assert!(
        reason.starts_with("noise.fountain"),
        "the reason names the file as dropped: {reason}"
    );
}

/// CPU seconds (user + system, all threads) process `pid` has used so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The command name in parentheses may hold spaces; the fields after it do not.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // SAFETY: sysconf only reads a constant of the system.
    ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// Scanning the inbox opens and lists it, which inotify reports too; a watcher that woke on
/// those events would rescan without end and keep a core busy while nothing happens.
fn assert_idle(pid: u32, what: &str, log: impl Fn() -> String) {
    // Past start-up (the first scan, the store opening).
    std::thread::sleep(Duration::from_secs(2));
    let before = cpu_seconds(pid);
    std::thread::sleep(Duration::from_secs(4));
    let used = cpu_seconds(pid) - before;
    assert!(
        used < 0.4,
        "{what} used {used:.2} s of CPU in 4 s with nothing to do:\n{}",
        log()
    );
}

#[test]
fn the_daemon_and_reel_watch_sleep_while_the_inbox_is_quiet() {
    let daemon = Daemon::start(CONFIG);
    let inbox = daemon.state_dir().join("inbox");
    std::fs::write(inbox.join("story.txt"), script(1)).unwrap();
    wait_until_settled(&inbox, Duration::from_secs(120), || daemon.log());
    assert_idle(daemon.pid(), "the daemon", || daemon.log());

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("watch.log");
    let mut watcher = watch(dir.path(), &log, &dir.path().join("cache"));
    let result = std::panic::catch_unwind(|| {
        assert_idle(watcher.id(), "reel watch", || {
            std::fs::read_to_string(&log).unwrap_or_default()
        })
    });
    let _ = watcher.kill();
    let _ = watcher.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
