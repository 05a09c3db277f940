//! systemd's notify protocol (`sd_notify`): one datagram per message to `$NOTIFY_SOCKET`.
//! Without the variable (not started by systemd) every call does nothing.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

pub struct Notifier {
    socket: Option<(UnixDatagram, String)>,
    /// Half of `$WATCHDOG_USEC`, when systemd wants pings.
    pub watchdog: Option<Duration>,
}

impl Notifier {
    pub fn from_env() -> Notifier {
        let socket = std::env::var("NOTIFY_SOCKET")
            .ok()
            .and_then(|path| Some((UnixDatagram::unbound().ok()?, path)));
        let watchdog = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|&us| us > 0)
            .map(|us| Duration::from_micros(us / 2));
        Notifier { socket, watchdog }
    }

    pub fn send(&self, message: &str) {
        let Some((socket, path)) = &self.socket else {
            return;
        };
        let result = match path.strip_prefix('@') {
            Some(name) => {
                use std::os::linux::net::SocketAddrExt;
                std::os::unix::net::SocketAddr::from_abstract_name(name)
                    .and_then(|addr| socket.send_to_addr(message.as_bytes(), &addr))
            }
            None => socket.send_to(message.as_bytes(), path),
        };
        if let Err(err) = result {
            tracing::debug!(%err, "sd_notify failed");
        }
    }

    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={status}"));
    }

    pub fn status(&self, status: &str) {
        self.send(&format!("STATUS={status}"));
    }

    pub fn stopping(&self) {
        self.send("STOPPING=1\nSTATUS=stopping");
    }

    pub fn ping(&self) {
        if self.watchdog.is_some() {
            self.send("WATCHDOG=1");
        }
    }

    pub fn reloading(&self) {
        self.send("RELOADING=1");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_reach_the_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        let notifier = Notifier {
            socket: Some((
                UnixDatagram::unbound().unwrap(),
                path.to_string_lossy().into(),
            )),
            watchdog: Some(Duration::from_secs(1)),
        };
        notifier.ready("idle");
        notifier.ping();
        let mut buffer = [0u8; 256];
        let n = listener.recv(&mut buffer).unwrap();
        assert_eq!(&buffer[..n], b"READY=1\nSTATUS=idle");
        let n = listener.recv(&mut buffer).unwrap();
        assert_eq!(&buffer[..n], b"WATCHDOG=1");
    }
}
