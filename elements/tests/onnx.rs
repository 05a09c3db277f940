//! The shared ONNX layer against the real runtime (`make setup` installs it into `.deps/`) and
//! tiny models made for the test by `tiny_models.py`.

use gstreel::onnx::model::Value;
use gstreel::onnx::{runtime, DType, Model, OnnxError, Provider, TensorSpec};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Makes the tiny models into a temp folder with the project's venv Python.
fn tiny_models() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let python = repo().join(".deps/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `make setup`",
        python.display()
    );
    let status = Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tiny_models.py"))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

fn open(path: &Path) -> Result<Model, OnnxError> {
    runtime::init(None).expect("the runtime loads from .deps without any variable");
    Model::open(path, &path.file_name().unwrap().to_string_lossy(), false, 1)
}

fn spec(name: &str, dtype: DType, shape: &[i64]) -> TensorSpec {
    TensorSpec {
        name: name.into(),
        dtype,
        shape: shape.to_vec(),
    }
}

#[test]
fn a_model_runs_on_the_cpu_and_its_signature_is_read() {
    let dir = tiny_models();
    let mut model = open(&dir.path().join("scale.onnx")).unwrap();
    assert_eq!(model.provider, Provider::Cpu);
    assert_eq!(model.inputs, vec![spec("x", DType::F32, &[1, -1])]);
    model
        .check(
            &[spec("x", DType::F32, &[1, -1])],
            &[spec("y", DType::F32, &[1, -1])],
        )
        .unwrap();
    let out = model
        .run(vec![("x", Value::f32(&[1, 3], vec![1.0, -2.5, 4.0]))])
        .unwrap();
    assert_eq!(out[0].0, "y");
    assert_eq!(out[0].1, Value::f32(&[1, 3], vec![2.0, -5.0, 8.0]));

    let mut ids = open(&dir.path().join("ids.onnx")).unwrap();
    let out = ids
        .run(vec![("ids", Value::i64(&[1, 2], vec![7, 9]))])
        .unwrap();
    assert_eq!(out[0].1, Value::i64(&[1, 2], vec![7, 9]));
}

#[test]
fn cuda_falls_back_to_the_cpu_with_the_reason_kept() {
    let dir = tiny_models();
    runtime::init(None).unwrap();
    let model = Model::open(&dir.path().join("scale.onnx"), "scale", true, 1).unwrap();
    match model.provider {
        // A machine with a GPU and the CUDA build of the runtime.
        Provider::Cuda => assert!(model.fallback.is_none()),
        Provider::Cpu => {
            let reason = model.fallback.expect("the reason CUDA was not used");
            println!("CUDA fallback: {reason}");
            assert!(!reason.is_empty());
        }
    }
}

#[test]
fn mistakes_are_named_errors() {
    let dir = tiny_models();
    let mut model = open(&dir.path().join("scale.onnx")).unwrap();
    let text = |e: OnnxError| e.to_string();

    let err = text(
        model
            .run(vec![("z", Value::f32(&[1, 1], vec![1.0]))])
            .unwrap_err(),
    );
    assert!(
        err.contains("has no input 'z'") && err.contains("its inputs: x"),
        "{err}"
    );

    let err = text(
        model
            .run(vec![("x", Value::i64(&[1, 2], vec![1, 2]))])
            .unwrap_err(),
    );
    assert!(err.contains("float32") && err.contains("int64"), "{err}");

    let err = text(
        model
            .run(vec![("x", Value::f32(&[1, 3], vec![1.0]))])
            .unwrap_err(),
    );
    assert!(err.contains("holds 3 values, 1 given"), "{err}");

    let err = text(
        model
            .run(vec![("x", Value::f32(&[3], vec![1.0; 3]))])
            .unwrap_err(),
    );
    assert!(err.contains("was given"), "{err}");

    let err = text(
        model
            .check(&[spec("input", DType::I64, &[1, -1])], &[])
            .unwrap_err(),
    );
    assert!(err.contains("has no input 'input'"), "{err}");
    let err = text(
        model
            .check(&[spec("x", DType::I64, &[1, -1])], &[])
            .unwrap_err(),
    );
    assert!(err.contains("expected 'x' int64"), "{err}");

    let corrupt = dir.path().join("corrupt.onnx");
    std::fs::write(&corrupt, b"this is not a model").unwrap();
    let err = text(open(&corrupt).unwrap_err());
    assert!(
        err.contains("corrupt.onnx") && err.contains("cannot be loaded"),
        "{err}"
    );

    let err = text(open(&dir.path().join("missing.onnx")).unwrap_err());
    assert!(err.contains("missing.onnx: no such file"), "{err}");
}

#[test]
fn a_missing_runtime_says_how_to_install_it() {
    let err = runtime::locate(Some(Path::new("/nowhere/libonnxruntime.so")));
    // In a built tree `.deps` is found after the bad explicit path; the message format is
    // what a user without it would read.
    let message = OnnxError::RuntimeMissing {
        searched: vec!["/nowhere/libonnxruntime.so".into()],
    }
    .to_string();
    assert!(message.contains("make setup") && message.contains("ORT_DYLIB_PATH"));
    assert!(err.is_ok() || matches!(err, Err(OnnxError::RuntimeMissing { .. })));
}
