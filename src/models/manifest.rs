//! Model manifests (`models/*.toml`, built in): what a model is for, which files it has with
//! their SHA-256, the tensors reel relies on, and where the files come from — a package archive
//! on PyPI or npm, a path inside it, and a conversion step when the archive holds another format.

use gstreel::onnx::{DType, TensorSpec};
use serde::Deserialize;

/// The manifests shipped with reel: (file name, text).
const BUILT_IN: &[(&str, &str)] = &[
    (
        "piper-en-us-joe-medium.toml",
        include_str!("../../models/piper-en-us-joe-medium.toml"),
    ),
    (
        "whisper-tiny-en.toml",
        include_str!("../../models/whisper-tiny-en.toml"),
    ),
    (
        "silero-vad.toml",
        include_str!("../../models/silero-vad.toml"),
    ),
    (
        "blazeface.toml",
        include_str!("../../models/blazeface.toml"),
    ),
    ("facemesh.toml", include_str!("../../models/facemesh.toml")),
];

/// Conversion scripts a manifest may name, shipped inside reel: (name, text).
pub const SCRIPTS: &[(&str, &str)] = &[
    (
        "whisper/convert.py",
        include_str!("../../models/whisper/convert.py"),
    ),
    (
        "piper/durations.py",
        include_str!("../../models/piper/durations.py"),
    ),
    (
        "facemesh/convert.py",
        include_str!("../../models/facemesh/convert.py"),
    ),
];

/// The models installed by `make models` and `reel models install --default`.
pub const DEFAULT_SET: &[&str] = &[
    "piper-en-us-joe-medium",
    "whisper-tiny-en",
    "silero-vad",
    "blazeface",
    "facemesh",
];

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub id: String,
    /// tts, asr, vad, face, sr, ...
    pub task: String,
    pub description: String,
    pub license: String,
    #[serde(default)]
    pub sample_rate: Option<u32>,
    pub source: Source,
    pub files: Vec<File>,
    #[serde(default)]
    pub inputs: Vec<Tensor>,
    #[serde(default)]
    pub outputs: Vec<Tensor>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// `pypi` or `npm`.
    pub kind: String,
    pub package: String,
    pub version: String,
    /// A script from [`SCRIPTS`] that turns the archive's files into the model's.
    #[serde(default)]
    pub convert: Option<String>,
    /// Its arguments; `{archive}` is the unpacked archive, `{out}` the model's new folder.
    #[serde(default)]
    pub convert_args: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Its name in the installed model's folder.
    pub name: String,
    /// Its path inside the archive; absent when the conversion writes it.
    #[serde(default)]
    pub from: Option<String>,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tensor {
    /// Which of the model's files has it.
    pub file: String,
    pub name: String,
    pub dtype: String,
    pub shape: Vec<i64>,
}

impl Tensor {
    pub fn spec(&self) -> Option<TensorSpec> {
        Some(TensorSpec {
            name: self.name.clone(),
            dtype: DType::parse(&self.dtype)?,
            shape: self.shape.clone(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("model manifest {file}: {message}")]
pub struct ManifestError {
    pub file: String,
    pub message: String,
}

impl Manifest {
    pub fn parse(text: &str, file: &str) -> Result<Manifest, ManifestError> {
        let error = |message: String| ManifestError {
            file: file.to_string(),
            message,
        };
        let manifest: Manifest =
            toml::from_str(text).map_err(|e| error(e.message().to_string()))?;
        manifest.check().map_err(error)?;
        Ok(manifest)
    }

    /// Everything a manifest refers to exists and is well formed.
    fn check(&self) -> Result<(), String> {
        if !matches!(self.source.kind.as_str(), "pypi" | "npm") {
            return Err(format!(
                "source kind '{}' is not pypi or npm",
                self.source.kind
            ));
        }
        if let Some(script) = &self.source.convert {
            if !SCRIPTS.iter().any(|(name, _)| name == script) {
                return Err(format!(
                    "conversion script '{script}' is not shipped with reel"
                ));
            }
        }
        for file in &self.files {
            let hex = file.sha256.len() == 64 && file.sha256.bytes().all(|b| b.is_ascii_hexdigit());
            if !hex {
                return Err(format!("{}: sha256 is not 64 hex digits", file.name));
            }
            if file.from.is_none() && self.source.convert.is_none() {
                return Err(format!(
                    "{}: no `from` and no conversion makes it",
                    file.name
                ));
            }
        }
        for tensor in self.inputs.iter().chain(&self.outputs) {
            if tensor.spec().is_none() {
                return Err(format!(
                    "tensor '{}': unknown dtype '{}'",
                    tensor.name, tensor.dtype
                ));
            }
            if !self.files.iter().any(|f| f.name == tensor.file) {
                return Err(format!(
                    "tensor '{}': no file '{}'",
                    tensor.name, tensor.file
                ));
            }
        }
        Ok(())
    }

    /// The expected inputs and outputs of `file`.
    pub fn tensors_of(&self, file: &str) -> (Vec<TensorSpec>, Vec<TensorSpec>) {
        let of = |list: &[Tensor]| {
            list.iter()
                .filter(|t| t.file == file)
                .filter_map(Tensor::spec)
                .collect()
        };
        (of(&self.inputs), of(&self.outputs))
    }
}

/// Every built-in manifest, checked.
pub fn all() -> Result<Vec<Manifest>, ManifestError> {
    BUILT_IN
        .iter()
        .map(|(file, text)| Manifest::parse(text, file))
        .collect()
}

pub fn find(id: &str) -> Result<Manifest, ManifestError> {
    all()?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| ManifestError {
            file: id.to_string(),
            message: format!(
                "no such model (known: {})",
                all()
                    .map(|a| a
                        .iter()
                        .map(|m| m.id.clone())
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_manifest_is_valid_and_the_default_set_exists() {
        let manifests = all().unwrap();
        for id in DEFAULT_SET {
            assert!(manifests.iter().any(|m| m.id == *id), "{id}");
        }
        let (inputs, outputs) = find("whisper-tiny-en").unwrap().tensors_of("decoder.onnx");
        assert!(inputs
            .iter()
            .any(|t| t.name == "tokens" && t.dtype == DType::I64));
        assert_eq!(outputs[0].shape, vec![-1, -1, 51864]);
    }

    #[test]
    fn mistakes_in_a_manifest_are_named() {
        let base = include_str!("../../models/silero-vad.toml");
        let bad = base.replace("kind = \"pypi\"", "kind = \"ftp\"");
        let err = Manifest::parse(&bad, "x.toml").unwrap_err().to_string();
        assert!(err.contains("x.toml") && err.contains("ftp"), "{err}");
        let bad = base.replace("dtype = \"float32\"", "dtype = \"float128\"");
        assert!(Manifest::parse(&bad, "x.toml")
            .unwrap_err()
            .to_string()
            .contains("float128"));
        let bad = format!("{base}\ncolour = \"red\"\n");
        assert!(Manifest::parse(&bad, "x.toml")
            .unwrap_err()
            .to_string()
            .contains("colour"));
        assert!(find("nope").unwrap_err().to_string().contains("silero-vad"));
    }
}
