//! Client proxies, one per interface, shared by the CLI (and any Rust client).

use std::collections::HashMap;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

#[zbus::proxy(
    interface = "org.reel.Reel1.Manager",
    default_service = "org.reel.Reel1",
    default_path = "/org/reel/Reel1"
)]
pub trait Manager {
    fn submit_script(
        &self,
        source: &str,
        options: HashMap<&str, Value<'_>>,
    ) -> zbus::Result<OwnedObjectPath>;

    fn submit_spec(
        &self,
        path: &str,
        options: HashMap<&str, Value<'_>>,
    ) -> zbus::Result<OwnedObjectPath>;

    fn submit_footage(
        &self,
        paths: &[&str],
        options: HashMap<&str, Value<'_>>,
    ) -> zbus::Result<OwnedObjectPath>;

    fn create_project(&self, name: &str, path: &str) -> zbus::Result<OwnedObjectPath>;

    fn list_projects(&self) -> zbus::Result<Vec<(OwnedObjectPath, String, String, String, u32)>>;

    fn list_jobs(
        &self,
    ) -> zbus::Result<Vec<(OwnedObjectPath, String, String, String, String, f64)>>;

    fn get_job(&self, id: &str) -> zbus::Result<OwnedObjectPath>;

    fn get_health(&self) -> zbus::Result<HashMap<String, OwnedValue>>;

    fn list_models(&self) -> zbus::Result<Vec<(String, String, String, String)>>;

    fn install_model(&self, id: &str) -> zbus::Result<()>;

    fn activate_model(&self, id: &str) -> zbus::Result<()>;

    fn remove_model(&self, id: &str) -> zbus::Result<()>;

    fn add_consent(
        &self,
        portrait: &str,
        person: &str,
        purpose: &str,
        until: &str,
        signed_by: &str,
    ) -> zbus::Result<String>;

    #[allow(clippy::type_complexity)]
    fn list_consents(
        &self,
    ) -> zbus::Result<Vec<(String, String, String, String, String, String, bool)>>;

    fn revoke_consent(&self, id: &str) -> zbus::Result<()>;

    #[zbus(property)]
    fn version(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn workers(&self) -> zbus::Result<u32>;

    #[zbus(property)]
    fn running_jobs(&self) -> zbus::Result<u32>;

    #[zbus(property)]
    fn queued_jobs(&self) -> zbus::Result<u32>;

    #[zbus(property)]
    fn inbox(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn inbox_counts(&self) -> zbus::Result<HashMap<String, u32>>;

    #[zbus(signal)]
    fn job_finished(&self, job: OwnedObjectPath, state: String) -> zbus::Result<()>;
}

#[zbus::proxy(interface = "org.reel.Reel1.Job", default_service = "org.reel.Reel1")]
pub trait Job {
    #[zbus(property)]
    fn segments(&self) -> zbus::Result<Vec<(String, String, bool)>>;

    fn cancel(&self) -> zbus::Result<()>;

    fn retry(&self) -> zbus::Result<()>;

    fn set_priority(&self, priority: i32) -> zbus::Result<()>;

    #[zbus(property)]
    fn source(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn priority(&self) -> zbus::Result<i32>;

    #[zbus(property)]
    fn stage_progress(&self) -> zbus::Result<f64>;

    #[zbus(property)]
    fn id(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn name(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn input(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn state(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn stage(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn progress(&self) -> zbus::Result<f64>;

    #[zbus(property)]
    fn error(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn outputs(&self) -> zbus::Result<Vec<String>>;

    #[zbus(property)]
    fn otio(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn profiles(&self) -> zbus::Result<Vec<String>>;

    #[zbus(property)]
    fn attempts(&self) -> zbus::Result<u32>;

    #[zbus(property)]
    fn stages(&self) -> zbus::Result<Vec<(String, String, f64, f64)>>;

    #[zbus(property)]
    fn created_at(&self) -> zbus::Result<u64>;

    #[zbus(property)]
    fn started_at(&self) -> zbus::Result<u64>;

    #[zbus(property)]
    fn finished_at(&self) -> zbus::Result<u64>;
}

#[zbus::proxy(
    interface = "org.reel.Reel1.Project",
    default_service = "org.reel.Reel1"
)]
pub trait Project {
    fn render(&self, options: HashMap<&str, Value<'_>>) -> zbus::Result<OwnedObjectPath>;

    fn scenes(&self) -> zbus::Result<Vec<(u32, String, u32, f64, u32)>>;

    fn history(&self) -> zbus::Result<Vec<(u32, u64, String)>>;

    fn set_line(&self, scene: u32, line: u32, text: &str) -> zbus::Result<u32>;

    fn set_action(&self, scene: u32, text: &str) -> zbus::Result<u32>;

    fn set_picture(&self, scene: u32, path: &str) -> zbus::Result<u32>;

    fn set_motion(&self, scene: u32, motion: &str) -> zbus::Result<u32>;

    fn set_transition(&self, scene: u32, kind: &str) -> zbus::Result<u32>;

    fn set_duration(&self, scene: u32, seconds: f64) -> zbus::Result<u32>;

    fn add_scene(&self, after: u32, action: &str) -> zbus::Result<u32>;

    fn remove_scene(&self, scene: u32) -> zbus::Result<u32>;

    fn move_scene(&self, scene: u32, to: u32) -> zbus::Result<u32>;

    fn set_voice(&self, character: &str, voice: &str, rate: f64) -> zbus::Result<u32>;

    #[zbus(property)]
    fn id(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn name(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn title(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn format(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn source(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn revision(&self) -> zbus::Result<u32>;

    #[zbus(property)]
    fn characters(&self) -> zbus::Result<Vec<String>>;
}
