//! reel on D-Bus: the service side ([`manager`], [`job`], [`project`], kept current by
//! [`publish`]) and the client side ([`proxy`], [`client`]) that the CLI uses.
//!
//! Names follow DESIGN.md: bus name `org.reel.Reel1`; `/org/reel/Reel1` carries
//! `org.reel.Reel1.Manager` and `org.freedesktop.DBus.ObjectManager`; each job is
//! `/org/reel/Reel1/job/<id>` (`org.reel.Reel1.Job`), each project
//! `/org/reel/Reel1/project/<id>` (`org.reel.Reel1.Project`).

pub mod cli;
pub mod client;
pub mod error;
pub mod job;
pub mod manager;
pub mod options;
pub mod project;
pub mod projects_cli;
pub mod proxy;
pub mod publish;

use crate::store::Id;
use zbus::message::Header;
use zbus::zvariant::OwnedObjectPath;

pub const NAME: &str = "org.reel.Reel1";
pub const PATH: &str = "/org/reel/Reel1";

/// Which message bus to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bus {
    Session,
    System,
}

impl Bus {
    pub fn builder(self) -> zbus::Result<zbus::connection::Builder<'static>> {
        match self {
            Bus::Session => zbus::connection::Builder::session(),
            Bus::System => zbus::connection::Builder::system(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Bus::Session => "session",
            Bus::System => "system",
        }
    }
}

fn path(kind: &str, id: Id) -> OwnedObjectPath {
    // Ids are 26 Crockford base-32 characters, always a valid path element.
    OwnedObjectPath::try_from(format!("{PATH}/{kind}/{id}")).unwrap_or_else(|_| {
        OwnedObjectPath::try_from(PATH.to_string()).expect("a valid constant path")
    })
}

pub fn job_path(id: Id) -> OwnedObjectPath {
    path("job", id)
}

pub fn project_path(id: Id) -> OwnedObjectPath {
    path("project", id)
}

/// The id at the end of a job or project path.
pub fn id_of(path: &str) -> Option<Id> {
    path.rsplit('/').next()?.parse().ok()
}

/// The Unix user behind the caller of a method, as the bus daemon vouches for it: the user
/// whose quota the call counts against.
pub async fn caller_uid(
    connection: &zbus::Connection,
    header: &Header<'_>,
) -> Result<u32, error::Error> {
    let sender = header
        .sender()
        .ok_or_else(|| error::Error::Internal("a method call with no sender".into()))?;
    // One call, no property cache: a cached proxy would first fetch the bus's properties.
    let bus = zbus::fdo::DBusProxy::builder(connection)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await?;
    Ok(bus
        .get_connection_unix_user(sender.clone().into())
        .await
        .map_err(zbus::Error::from)?)
}
