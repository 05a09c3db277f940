//! A private message bus and a real `reel daemon` process on it, for the daemon tests.

use reel::bus::proxy::{JobProxy, ManagerProxy};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zbus::zvariant::OwnedObjectPath;

/// A `dbus-daemon` on a private socket, stopped when dropped.
pub struct PrivateBus {
    process: Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl PrivateBus {
    pub fn start() -> PrivateBus {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#,
                dir.path().join("socket").display()
            ),
        )
        .unwrap();
        let mut process = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .arg("--nofork")
            .arg("--print-address=1")
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon runs (make setup installs it)");
        let mut line = String::new();
        let stdout = process.stdout.take().unwrap();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
        PrivateBus {
            process,
            address: line.trim().to_string(),
            _dir: dir,
        }
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A state folder, a cache and a config for daemons started on one bus.
pub struct Daemon {
    pub bus: PrivateBus,
    pub dir: tempfile::TempDir,
    process: Option<Child>,
    /// Extra environment for the daemon process.
    env: Vec<(String, PathBuf)>,
}

impl Daemon {
    /// A bus and a daemon with `config` (TOML) as its only config file.
    pub fn start(config: &str) -> Daemon {
        Daemon::start_with(config, &[])
    }

    /// [`Daemon::start`] with extra environment variables.
    pub fn start_with(config: &str, env: &[(&str, PathBuf)]) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("reel.toml"), config).unwrap();
        let mut daemon = Daemon {
            bus: PrivateBus::start(),
            dir,
            process: None,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        };
        daemon.launch();
        daemon
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Starts the daemon process and waits until it owns its name.
    pub fn launch(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("daemon.log"))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_reel"))
            .args(["daemon", "--config"])
            .arg(self.dir.path().join("reel.toml"))
            .arg("--state-dir")
            .arg(self.state_dir())
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .env("REEL_CACHE_DIR", self.dir.path().join("unused-cache"))
            .env("REEL_LOG", "info")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("reel daemon starts");
        self.process = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.reel(&["health"]).status.success() {
            if let Some(status) = self
                .process
                .as_mut()
                .and_then(|p| p.try_wait().ok().flatten())
            {
                panic!("the daemon exited with {status}:\n{}", self.log());
            }
            assert!(Instant::now() < deadline, "daemon not up:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn pid(&self) -> u32 {
        self.process.as_ref().map(|p| p.id()).unwrap_or(0)
    }

    /// SIGKILL, as a crash would.
    pub fn kill_hard(&mut self) {
        if let Some(mut child) = self.process.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// SIGTERM, as systemd stops it; returns how it exited and how long that took.
    pub fn terminate(&mut self) -> (std::process::ExitStatus, Duration) {
        let mut child = self.process.take().expect("running");
        let started = Instant::now();
        unsafe_kill(child.id(), libc::SIGTERM);
        let status = child.wait().unwrap();
        (status, started.elapsed())
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    /// Runs the `reel` CLI against this daemon.
    pub fn reel(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_reel"))
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .output()
            .unwrap()
    }

    pub async fn connect(&self) -> zbus::Connection {
        zbus::connection::Builder::address(self.bus.address.as_str())
            .unwrap()
            .build()
            .await
            .unwrap()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn unsafe_kill(pid: u32, signal: i32) {
    // SAFETY: sending a signal to a child process we own.
    unsafe {
        libc::kill(pid as i32, signal);
    }
}

pub async fn manager(conn: &zbus::Connection) -> ManagerProxy<'static> {
    ManagerProxy::new(conn).await.unwrap()
}

pub async fn job(conn: &zbus::Connection, path: OwnedObjectPath) -> JobProxy<'static> {
    JobProxy::builder(conn)
        .path(path)
        .unwrap()
        .build()
        .await
        .unwrap()
}

/// Polls `job` until `check(state, stage, progress)` holds; panics after `limit`.
pub async fn wait_until(
    job: &JobProxy<'_>,
    limit: Duration,
    check: impl Fn(&str, &str, f64) -> bool,
) -> (String, String, f64) {
    let deadline = Instant::now() + limit;
    loop {
        let read = |e: zbus::Error| -> ! { panic!("reading the job's properties: {e}") };
        let state = job.state().await.unwrap_or_else(|e| read(e));
        let stage = job.stage().await.unwrap_or_else(|e| read(e));
        let progress = job.progress().await.unwrap_or_else(|e| read(e));
        if check(&state, &stage, progress) {
            return (state, stage, progress);
        }
        assert!(
            Instant::now() < deadline,
            "job stuck at {state}/{stage}/{progress:.3} after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `job` is done or failed; returns which. Panics after `limit`.
pub async fn wait_for_end(job: &JobProxy<'_>, limit: Duration) -> String {
    let (state, ..) = wait_until(job, limit, |s, _, _| s == "done" || s == "failed").await;
    state
}

/// A plain script of `scenes` scenes with one long-ish narrated line each.
pub fn long_script(dir: &Path, name: &str, scenes: usize) -> PathBuf {
    let text: String = (1..=scenes)
        .map(|n| {
            format!(
                "Scene {n}: Part {n} of a long story.\nNARRATOR: This is scene number {n}, and it \
                 goes on for a while so that the render takes some time.\n\n"
            )
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Files whose name marks them as a render's temp file, anywhere under `dir`.
pub fn part_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(".part") {
                found.push(path);
            }
        }
    }
    found
}
