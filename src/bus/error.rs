//! The named errors reel's D-Bus methods return (`org.reel.Reel1.Error.*`), each with a
//! message that says what was wrong with which input.

use crate::jobs::submit::Invalid;
use crate::jobs::EngineError;
use crate::project::edit::EditError;

#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.reel.Reel1.Error")]
pub enum Error {
    #[zbus(error)]
    ZBus(zbus::Error),
    /// A path that is not absolute, does not exist or is not a file.
    InvalidPath(String),
    /// A file the daemon may not read.
    Unreadable(String),
    /// A script, brief or spec that does not parse (the message has file:line).
    InvalidScript(String),
    /// An option with an unknown key, a wrong type or a bad value.
    InvalidOptions(String),
    /// Footage that cannot be edited (empty, not media, truncated, no video stream).
    InvalidFootage(String),
    /// No job or project with that id.
    NotFound(String),
    /// The job cannot do that now (cancel a finished job, retry a running one).
    WrongState(String),
    /// A model that is unknown, not installed, or failed to install or verify.
    Model(String),
    /// A consent record that is incomplete; a script showing a real person's portrait without
    /// consent in force (the message names the character).
    Consent(String),
    /// An edit naming a scene, line or character the project does not have.
    UnknownScene(String),
    /// An edit that cannot be made (a missing picture, a zero length, an unknown motion).
    InvalidEdit(String),
    /// Over a limit of the daemon's config (queued jobs or kept output per user, the longest
    /// video); the message names the limit.
    Quota(String),
    /// The daemon failed at its own work (store, disk).
    Internal(String),
}

impl From<crate::models::ModelError> for Error {
    fn from(err: crate::models::ModelError) -> Error {
        Error::Model(err.to_string())
    }
}

impl From<crate::consent::ConsentError> for Error {
    fn from(err: crate::consent::ConsentError) -> Error {
        use crate::consent::ConsentError;
        match err {
            ConsentError::NotFound(_) => Error::NotFound(err.to_string()),
            ConsentError::Store { .. } => Error::Internal(err.to_string()),
            ConsentError::Invalid(_) | ConsentError::Ambiguous(_) => {
                Error::Consent(err.to_string())
            }
        }
    }
}

/// `text` as the bus may carry it: D-Bus strings cannot hold NUL, and the bus daemon drops a
/// connection that sends one, so any NUL an input got into a message is shown as `␀`.
pub fn bus_text(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{2400}")
    } else {
        text
    }
}

impl From<EngineError> for Error {
    fn from(err: EngineError) -> Error {
        let message = bus_text(err.to_string());
        match err {
            EngineError::Invalid(Invalid::Path(_)) => Error::InvalidPath(message),
            EngineError::Invalid(Invalid::Unreadable(_)) => Error::Unreadable(message),
            EngineError::Invalid(Invalid::Script(_)) => Error::InvalidScript(message),
            EngineError::Invalid(Invalid::Options(_)) => Error::InvalidOptions(message),
            EngineError::Invalid(Invalid::Footage(_)) => Error::InvalidFootage(message),
            EngineError::Invalid(Invalid::Consent(_)) => Error::Consent(message),
            EngineError::UnknownJob(_) | EngineError::UnknownProject(_) => Error::NotFound(message),
            EngineError::WrongState { .. } => Error::WrongState(message),
            EngineError::Edit(
                EditError::UnknownScene { .. }
                | EditError::UnknownLine { .. }
                | EditError::UnknownCharacter { .. },
            ) => Error::UnknownScene(message),
            EngineError::Edit(EditError::Invalid(_)) => Error::InvalidEdit(message),
            EngineError::Quota(_) => Error::Quota(message),
            EngineError::Store(_) | EngineError::Io(_) => Error::Internal(message),
        }
    }
}

/// Runs blocking engine work off the async threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("the call's worker failed: {e}")))?
        .map_err(Error::from)
}
