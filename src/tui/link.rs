//! The console's D-Bus side, a task of its own: connects, takes a snapshot of the daemon
//! (ObjectManager's GetManagedObjects, health), then turns the daemon's signals into Actions.
//! When the daemon leaves the bus it says so and waits for NameOwnerChanged to bring it
//! back; when the bus itself goes, it reconnects once a second. Commands from the console
//! become calls, each in its own task, so a slow call never stalls the screen.

use super::action::{Action, Command};
use super::props;
use super::state::{Health, JobRow};
use crate::bus::client::{explain, ClientError};
use crate::bus::proxy::{JobProxy, ManagerProxy};
use crate::bus::{Bus, NAME, PATH};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use zbus::fdo::{DBusProxy, ObjectManagerProxy};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};
use zbus::{Connection, MatchRule, MessageStream};

const JOB: &str = "org.reel.Reel1.Job";
const MANAGER: &str = "org.reel.Reel1.Manager";

pub async fn run(
    bus: Bus,
    actions: UnboundedSender<Action>,
    mut commands: UnboundedReceiver<Command>,
) {
    loop {
        let connected = match bus {
            Bus::Session => Connection::session().await,
            Bus::System => Connection::system().await,
        };
        let reason = match connected {
            Ok(conn) => session(&conn, bus, &actions, &mut commands).await,
            Err(err) => format!("cannot reach the {} bus: {err}", bus.name()),
        };
        if actions.send(Action::Gone(reason)).is_err() {
            return; // the console has quit
        }
        // Calls made while there is no bus fail at once, with the reason.
        let pause = tokio::time::sleep(Duration::from_secs(1));
        tokio::pin!(pause);
        loop {
            tokio::select! {
                _ = &mut pause => break,
                command = commands.recv() => match command {
                    Some(_) => { let _ = actions.send(not_connected()); }
                    None => return,
                },
            }
        }
    }
}

fn not_connected() -> Action {
    Action::CallFailed {
        name: "not connected".into(),
        message: "the daemon is not on the bus; the call was not made".into(),
    }
}

/// Serves one bus connection; returns why it ended.
async fn session(
    conn: &Connection,
    bus: Bus,
    actions: &UnboundedSender<Action>,
    commands: &mut UnboundedReceiver<Command>,
) -> String {
    let Ok(dbus) = DBusProxy::new(conn).await else {
        return "the bus does not answer".into();
    };
    // Subscribed before anything is read, so no change falls between snapshot and stream.
    let Ok(mut owners) = dbus
        .receive_name_owner_changed_with_args(&[(0, NAME)])
        .await
    else {
        return "cannot follow the daemon's name".into();
    };
    let rule = MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .sender(NAME)
        .and_then(|b| b.path_namespace(PATH))
        .map(|b| b.build());
    let Ok(rule) = rule else {
        return "cannot build the signal match".into();
    };
    let Ok(mut signals) = MessageStream::for_match_rule(rule, conn, Some(1024)).await else {
        return "cannot subscribe to the daemon's signals".into();
    };
    let Ok(name) = zbus::names::BusName::from_static_str(NAME) else {
        return "bad bus name".into();
    };
    let mut up = dbus.name_has_owner(name).await.unwrap_or(false);
    if up {
        up = snapshot(conn, bus, actions).await;
    }
    if !up {
        let _ = actions.send(Action::Gone(format!(
            "no reel daemon on the {} bus; waiting for one",
            bus.name()
        )));
    }
    loop {
        tokio::select! {
            change = owners.next() => {
                let Some(change) = change else { return "the bus connection closed".into() };
                let Ok(args) = change.args() else { continue };
                if args.new_owner().is_some() {
                    up = snapshot(conn, bus, actions).await;
                } else if up {
                    up = false;
                    let _ = actions.send(Action::Gone("the daemon left the bus".into()));
                }
            }
            message = signals.next() => {
                match message {
                    Some(Ok(message)) if up => {
                        if let Some(action) = signal_action(&message) {
                            let _ = actions.send(action);
                        }
                    }
                    Some(_) => {}
                    None => return "the bus connection closed".into(),
                }
            }
            command = commands.recv() => {
                let Some(command) = command else { return "the console quit".into() };
                if up {
                    tokio::spawn(call(conn.clone(), bus, command, actions.clone()));
                } else {
                    let _ = actions.send(not_connected());
                }
            }
        }
    }
}

/// Everything the daemon has now; false when it did not answer.
async fn snapshot(conn: &Connection, bus: Bus, actions: &UnboundedSender<Action>) -> bool {
    let objects = async {
        ObjectManagerProxy::builder(conn)
            .destination(NAME)?
            .path(PATH)?
            .build()
            .await?
            .get_managed_objects()
            .await
    };
    let objects = match objects.await {
        Ok(objects) => objects,
        Err(err) => {
            let _ = actions.send(Action::Gone(format!("the daemon does not answer: {err}")));
            return false;
        }
    };
    let mut jobs: Vec<JobRow> = objects
        .iter()
        .filter_map(|(path, interfaces)| {
            let props = interfaces.iter().find(|(name, _)| name.as_str() == JOB)?.1;
            Some(props::job(path.as_str(), &to_strings(props)))
        })
        .collect();
    jobs.sort_by(|a, b| a.id.cmp(&b.id));
    let health = health(conn, bus).await;
    actions.send(Action::Connected { health, jobs }).is_ok()
}

fn to_strings<K: ToString>(props: &HashMap<K, OwnedValue>) -> HashMap<String, OwnedValue> {
    props
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.try_clone().ok()?)))
        .collect()
}

/// The header's readings: GetHealth and the Manager's properties.
async fn health(conn: &Connection, bus: Bus) -> Health {
    let mut health = Health {
        bus: bus.name().into(),
        ..Health::default()
    };
    let Ok(manager) = ManagerProxy::new(conn).await else {
        return health;
    };
    if let Ok(found) = manager.get_health().await {
        let text = |key: &str| {
            found
                .get(key)
                .and_then(|v| String::try_from(v.try_clone().ok()?).ok())
                .unwrap_or_default()
        };
        health.version = text("version");
        health.provider = text("execution-provider");
        health.voice = text("voice");
    }
    let properties = zbus::fdo::PropertiesProxy::builder(conn)
        .destination(NAME)
        .and_then(|b| b.path(PATH));
    if let Ok(builder) = properties {
        if let Ok(proxy) = builder.build().await {
            let interface = zbus::names::InterfaceName::from_static_str_unchecked(MANAGER);
            if let Ok(all) = proxy.get_all(interface).await {
                props::apply_manager(&mut health, &all);
            }
        }
    }
    health
}

fn signal_action(message: &zbus::Message) -> Option<Action> {
    let header = message.header();
    let path = header.path()?.to_string();
    let member = header.member()?.as_str().to_string();
    let body = message.body();
    match member.as_str() {
        "PropertiesChanged" => {
            let (interface, changed, _): (String, HashMap<String, OwnedValue>, Vec<String>) =
                body.deserialize().ok()?;
            match interface.as_str() {
                JOB => Some(Action::JobChanged { path, changed }),
                MANAGER => Some(Action::ManagerChanged(changed)),
                _ => None,
            }
        }
        "InterfacesAdded" => {
            let (object, interfaces): (
                OwnedObjectPath,
                HashMap<String, HashMap<String, OwnedValue>>,
            ) = body.deserialize().ok()?;
            let props = interfaces.get(JOB)?;
            Some(Action::JobAdded(props::job(object.as_str(), props)))
        }
        "InterfacesRemoved" => {
            let (object, interfaces): (OwnedObjectPath, Vec<String>) = body.deserialize().ok()?;
            interfaces
                .iter()
                .any(|i| i == JOB)
                .then(|| Action::JobRemoved(object.to_string()))
        }
        "JobFinished" => {
            let (job, state): (OwnedObjectPath, String) = body.deserialize().ok()?;
            Some(Action::JobFinished {
                path: job.to_string(),
                state,
            })
        }
        _ => None,
    }
}

/// Makes one call and reports how it went.
async fn call(conn: Connection, bus: Bus, command: Command, actions: UnboundedSender<Action>) {
    let result = match command {
        Command::Cancel(path) => {
            job_call(
                &conn,
                &path,
                "cancel",
                |job| async move { job.cancel().await },
            )
            .await
        }
        Command::Retry(path) => {
            job_call(
                &conn,
                &path,
                "retry",
                |job| async move { job.retry().await },
            )
            .await
        }
        Command::SetPriority(path, priority) => {
            job_call(
                &conn,
                &path,
                &format!("priority {priority}"),
                |job| async move { job.set_priority(priority).await },
            )
            .await
        }
        Command::Submit(file) => submit(&conn, &file).await,
        Command::ListVoices => match manager(&conn).await {
            Ok(manager) => match manager.list_models().await {
                Ok(models) => {
                    let voices = models
                        .into_iter()
                        .filter(|(_, task, ..)| task == "tts")
                        .map(|(id, _, state, _)| (id, state))
                        .collect();
                    let _ = actions.send(Action::Voices(voices));
                    return;
                }
                Err(err) => Err(explain(err)),
            },
            Err(err) => Err(err),
        },
        Command::Activate(id) => match manager(&conn).await {
            Ok(manager) => match manager.activate_model(&id).await {
                Ok(()) => {
                    let _ = actions.send(Action::Health(health(&conn, bus).await));
                    Ok(format!("voice {id} is active from the next job on"))
                }
                Err(err) => Err(explain(err)),
            },
            Err(err) => Err(err),
        },
        Command::Open(folder) => Ok(open(&folder)),
    };
    let _ = actions.send(match result {
        Ok(text) => Action::CallDone(text),
        Err(ClientError::Refused { name, message }) => Action::CallFailed { name, message },
        Err(other) => Action::CallFailed {
            name: "D-Bus".into(),
            message: other.to_string(),
        },
    });
}

async fn manager(conn: &Connection) -> Result<ManagerProxy<'static>, ClientError> {
    ManagerProxy::new(conn).await.map_err(explain)
}

async fn job_call<F, Fut>(
    conn: &Connection,
    path: &str,
    what: &str,
    make: F,
) -> Result<String, ClientError>
where
    F: FnOnce(JobProxy<'static>) -> Fut,
    Fut: std::future::Future<Output = zbus::Result<()>>,
{
    let proxy = JobProxy::builder(conn)
        .path(path.to_string())
        .map_err(explain)?
        .build()
        .await
        .map_err(explain)?;
    make(proxy).await.map_err(explain)?;
    let id = crate::bus::id_of(path)
        .map(|id| id.to_string())
        .unwrap_or_default();
    Ok(format!("{what}: {id}"))
}

async fn submit(conn: &Connection, file: &str) -> Result<String, ClientError> {
    let path = std::path::absolute(file).unwrap_or_else(|_| file.into());
    let text = path.to_string_lossy().into_owned();
    let manager = manager(conn).await?;
    let options: HashMap<&str, Value> = HashMap::new();
    let job = if crate::plan::spec::is_spec(&path) {
        manager.submit_spec(&text, options).await
    } else {
        manager.submit_script(&text, options).await
    }
    .map_err(explain)?;
    let id = crate::bus::id_of(job.as_str())
        .map(|id| id.to_string())
        .unwrap_or_default();
    Ok(format!("submitted {text} as job {id}"))
}

/// Opens `folder` with the desktop's opener when there is a desktop; else names it.
fn open(folder: &str) -> String {
    let desktop =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if desktop {
        let spawned = std::process::Command::new("xdg-open")
            .arg(folder)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if spawned.is_ok() {
            return format!("opened {folder}");
        }
    }
    format!("output folder: {folder}")
}
