//! What every client command needs: a connection with a clear message when there is no bus or
//! no daemon, D-Bus errors turned into plain sentences, and job ids found by unique prefix.

use super::proxy::{JobProxy, ManagerProxy, ProjectProxy};
use super::{Bus, NAME};
use zbus::zvariant::OwnedObjectPath;
use zbus::Connection;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach the {bus} bus: {reason}")]
    NoBus { bus: &'static str, reason: String },
    #[error("no reel daemon is running on the {bus} bus: start one with `reel daemon`{hint}")]
    NoDaemon {
        bus: &'static str,
        hint: &'static str,
    },
    /// A named error from the daemon: its message says what was wrong.
    #[error("{message}")]
    Refused { name: String, message: String },
    #[error("no job matches '{0}'")]
    NoSuchJob(String),
    #[error("no project matches '{0}'")]
    NoSuchProject(String),
    #[error("'{prefix}' matches {count} jobs or projects: give more of the id")]
    Ambiguous { prefix: String, count: usize },
    #[error("D-Bus: {0}")]
    Bus(String),
}

pub struct Client {
    pub conn: Connection,
    pub bus: Bus,
}

impl Client {
    /// Connects and checks that a daemon owns `org.reel.Reel1`.
    pub async fn connect(bus: Bus) -> Result<Client, ClientError> {
        let conn = match bus {
            Bus::Session => Connection::session().await,
            Bus::System => Connection::system().await,
        }
        .map_err(|e| ClientError::NoBus {
            bus: bus.name(),
            reason: e.to_string(),
        })?;
        let dbus = zbus::fdo::DBusProxy::new(&conn)
            .await
            .map_err(|e| ClientError::Bus(e.to_string()))?;
        let name =
            zbus::names::BusName::try_from(NAME).map_err(|e| ClientError::Bus(e.to_string()))?;
        let owned = dbus
            .name_has_owner(name)
            .await
            .map_err(|e| ClientError::Bus(e.to_string()))?;
        if !owned {
            return Err(ClientError::NoDaemon {
                bus: bus.name(),
                hint: match bus {
                    Bus::Session => " (or `systemctl --user start reel`)",
                    Bus::System => " --system (or `systemctl start reel`)",
                },
            });
        }
        Ok(Client { conn, bus })
    }

    pub async fn manager(&self) -> Result<ManagerProxy<'static>, ClientError> {
        ManagerProxy::new(&self.conn).await.map_err(explain)
    }

    pub async fn job(&self, path: OwnedObjectPath) -> Result<JobProxy<'static>, ClientError> {
        JobProxy::builder(&self.conn)
            .path(path)
            .map_err(explain)?
            .build()
            .await
            .map_err(explain)
    }

    pub async fn project(
        &self,
        path: OwnedObjectPath,
    ) -> Result<ProjectProxy<'static>, ClientError> {
        ProjectProxy::builder(&self.conn)
            .path(path)
            .map_err(explain)?
            .build()
            .await
            .map_err(explain)
    }

    /// The path of the project whose id is `text` or starts with it (case-insensitive).
    pub async fn find_project(&self, text: &str) -> Result<OwnedObjectPath, ClientError> {
        let wanted = text.trim().to_ascii_uppercase();
        let projects = self
            .manager()
            .await?
            .list_projects()
            .await
            .map_err(explain)?;
        let found: Vec<OwnedObjectPath> = projects
            .into_iter()
            .filter(|(_, id, ..)| {
                !wanted.is_empty() && id.to_ascii_uppercase().starts_with(&wanted)
            })
            .map(|(path, ..)| path)
            .collect();
        match found.len() {
            1 => Ok(found.into_iter().next().unwrap_or_default()),
            0 => Err(ClientError::NoSuchProject(text.into())),
            count => Err(ClientError::Ambiguous {
                prefix: text.into(),
                count,
            }),
        }
    }

    /// The path of the job whose id is `text` or starts with it (ids are case-insensitive).
    pub async fn find_job(&self, text: &str) -> Result<OwnedObjectPath, ClientError> {
        let wanted = text.to_ascii_uppercase();
        let jobs = self.manager().await?.list_jobs().await.map_err(explain)?;
        let matches: Vec<_> = jobs
            .into_iter()
            .filter(|(_, id, ..)| id.starts_with(&wanted))
            .collect();
        match matches.len() {
            0 => Err(ClientError::NoSuchJob(text.into())),
            1 => Ok(matches.into_iter().next().map(|m| m.0).unwrap_or_default()),
            count => {
                // A full id is never ambiguous.
                match matches.iter().find(|(_, id, ..)| *id == wanted) {
                    Some(exact) => Ok(exact.0.clone()),
                    None => Err(ClientError::Ambiguous {
                        prefix: text.into(),
                        count,
                    }),
                }
            }
        }
    }
}

/// A D-Bus failure as the user should read it.
pub fn explain(err: zbus::Error) -> ClientError {
    match err {
        zbus::Error::MethodError(name, message, _) => {
            let name = name.to_string();
            if name == "org.freedesktop.DBus.Error.ServiceUnknown"
                || name == "org.freedesktop.DBus.Error.NameHasNoOwner"
            {
                return ClientError::NoDaemon { bus: "", hint: "" };
            }
            ClientError::Refused {
                message: message.unwrap_or_else(|| name.clone()),
                name,
            }
        }
        zbus::Error::FDO(fdo) => ClientError::Bus(fdo.to_string()),
        other => ClientError::Bus(other.to_string()),
    }
}
