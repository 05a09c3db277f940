//! What happens to the console: keys and clock ticks from the terminal, and what the D-Bus
//! link hears or gets back. [`super::update`] turns each into state changes and
//! [`Command`]s for the link.

use super::state::{Health, JobRow};
use std::collections::HashMap;
use zbus::zvariant::OwnedValue;

#[derive(Debug)]
pub enum Action {
    Key(crossterm::event::KeyEvent),
    /// The clock: microseconds since the epoch (ages move on without any D-Bus traffic).
    Tick(u64),
    /// The daemon is on the bus: everything it has now.
    Connected {
        health: Health,
        jobs: Vec<JobRow>,
    },
    /// The daemon left, or the bus went away; the link is reconnecting.
    Gone(String),
    JobAdded(JobRow),
    /// PropertiesChanged of one job.
    JobChanged {
        path: String,
        changed: HashMap<String, OwnedValue>,
    },
    JobRemoved(String),
    JobFinished {
        path: String,
        state: String,
    },
    /// PropertiesChanged of the Manager.
    ManagerChanged(HashMap<String, OwnedValue>),
    /// A fresh health reading (after a voice change).
    Health(Health),
    /// The speech models, (id, state), for the voice picker.
    Voices(Vec<(String, String)>),
    /// A call went through: what to tell the user.
    CallDone(String),
    /// A call was refused: the D-Bus error's name and message.
    CallFailed {
        name: String,
        message: String,
    },
}

/// What the console asks of the daemon (or of the desktop, for `Open`).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Cancel(String),
    Retry(String),
    SetPriority(String, i32),
    /// A path typed at the submit prompt.
    Submit(String),
    ListVoices,
    Activate(String),
    /// Opens a folder with the desktop's file manager, when there is one.
    Open(String),
}
