//! One ONNX model open in a session: on CUDA when it can be, else on the CPU (with the reason
//! logged and kept), its inputs and outputs checked against what reel expects, and every run's
//! tensors checked by name, type and shape first.

use super::OnnxError;
use ort::session::Session;
use ort::value::{Tensor, TensorElementType, ValueType};
use std::borrow::Cow;
use std::fmt;
use std::path::Path;

/// Element types reel's models use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    F16,
    I64,
    I32,
    U8,
    Bool,
    /// Anything else a model may declare (never what reel expects).
    Other,
}

impl DType {
    /// The names manifests use: `float32`, `float16`, `int64`, `int32`, `uint8`, `bool`.
    pub fn parse(text: &str) -> Option<DType> {
        Some(match text {
            "float32" | "f32" => DType::F32,
            "float16" | "f16" => DType::F16,
            "int64" | "i64" => DType::I64,
            "int32" | "i32" => DType::I32,
            "uint8" | "u8" => DType::U8,
            "bool" => DType::Bool,
            _ => return None,
        })
    }

    fn of(ty: TensorElementType) -> DType {
        match ty {
            TensorElementType::Float32 => DType::F32,
            TensorElementType::Float16 => DType::F16,
            TensorElementType::Int64 => DType::I64,
            TensorElementType::Int32 => DType::I32,
            TensorElementType::Uint8 => DType::U8,
            TensorElementType::Bool => DType::Bool,
            _ => DType::Other,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DType::F32 => "float32",
            DType::F16 => "float16",
            DType::I64 => "int64",
            DType::I32 => "int32",
            DType::U8 => "uint8",
            DType::Bool => "bool",
            DType::Other => "another type",
        })
    }
}

/// A named tensor's type and shape; `-1` is a dimension of any size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorSpec {
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<i64>,
}

impl fmt::Display for TensorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = self
            .shape
            .iter()
            .map(|d| if *d < 0 { "?".into() } else { d.to_string() })
            .collect();
        write!(f, "'{}' {}[{}]", self.name, self.dtype, dims.join(", "))
    }
}

/// Where a model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Cuda,
    Cpu,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::Cuda => "CUDA",
            Provider::Cpu => "CPU",
        })
    }
}

/// Tensor data going in or coming out.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    I64(Vec<i64>),
}

impl Data {
    fn dtype(&self) -> DType {
        match self {
            Data::F32(_) => DType::F32,
            Data::I64(_) => DType::I64,
        }
    }

    fn len(&self) -> usize {
        match self {
            Data::F32(v) => v.len(),
            Data::I64(v) => v.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub shape: Vec<i64>,
    pub data: Data,
}

impl Value {
    pub fn f32(shape: &[i64], data: Vec<f32>) -> Value {
        Value {
            shape: shape.to_vec(),
            data: Data::F32(data),
        }
    }

    pub fn i64(shape: &[i64], data: Vec<i64>) -> Value {
        Value {
            shape: shape.to_vec(),
            data: Data::I64(data),
        }
    }

    /// The data as f32, if that is its type.
    pub fn as_f32(&self) -> Option<&[f32]> {
        match &self.data {
            Data::F32(v) => Some(v),
            Data::I64(_) => None,
        }
    }
}

/// How a model's session runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// CPU threads (0: ONNX Runtime's choice, one per core).
    pub threads: usize,
    /// Try CUDA first (falling back to the CPU, with the reason logged).
    pub try_cuda: bool,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            threads: 0,
            try_cuda: true,
        }
    }
}

pub struct Model {
    /// How messages name it (its registry id, or its file).
    name: String,
    session: Session,
    pub provider: Provider,
    /// Why CUDA was not used, when it was wanted.
    pub fallback: Option<String>,
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("name", &self.name)
            .field("provider", &self.provider)
            .finish()
    }
}

fn specs(outlets: &[ort::value::Outlet]) -> Vec<TensorSpec> {
    outlets
        .iter()
        .map(|o| match o.dtype() {
            ValueType::Tensor { ty, shape, .. } => TensorSpec {
                name: o.name().to_string(),
                dtype: DType::of(*ty),
                shape: shape.iter().copied().collect(),
            },
            _ => TensorSpec {
                name: o.name().to_string(),
                dtype: DType::Other,
                shape: Vec::new(),
            },
        })
        .collect()
}

impl Model {
    /// Opens `path` (the runtime must be loaded: [`super::runtime::init`]). With `try_cuda`, the
    /// CUDA provider is tried first and any failure is kept as [`Model::fallback`]. `threads`
    /// caps the CPU threads (0: the runtime's choice).
    pub fn open(
        path: &Path,
        name: &str,
        try_cuda: bool,
        threads: usize,
    ) -> Result<Model, OnnxError> {
        let fail = |reason: String| OnnxError::Model {
            path: path.to_path_buf(),
            reason,
        };
        if !path.is_file() {
            return Err(fail("no such file".into()));
        }
        let environment = super::runtime::environment().ok_or_else(|| {
            fail("the ONNX Runtime is not loaded (reel loads it before opening models)".into())
        })?;
        let builder = || -> Result<ort::session::builder::SessionBuilder, String> {
            // Threads that spin while waiting for work burn a core the encoders could use.
            let builder = Session::builder(environment)
                .map_err(|e| e.to_string())?
                .with_intra_op_spinning(false)
                .map_err(|e| e.to_string())?;
            if threads > 0 {
                return builder
                    .with_intra_threads(threads)
                    .map_err(|e| e.to_string());
            }
            Ok(builder)
        };
        let mut fallback = None;
        if try_cuda {
            let cuda = ort::ep::CUDA::default().build().error_on_failure();
            let attempt = builder()
                .and_then(|b| {
                    b.with_execution_providers([cuda])
                        .map_err(|e| e.to_string())
                })
                .and_then(|mut b| b.commit_from_file(path).map_err(|e| e.to_string()));
            match attempt {
                Ok(session) => return Ok(Model::new(name, session, Provider::Cuda, None)),
                Err(reason) => {
                    tracing::info!(model = name, %reason, "CUDA not used; running on the CPU");
                    fallback = Some(reason);
                }
            }
        }
        let session = builder()
            .map_err(fail)?
            .commit_from_file(path)
            .map_err(|e| fail(format!("cannot be loaded: {e}")))?;
        Ok(Model::new(name, session, Provider::Cpu, fallback))
    }

    fn new(name: &str, session: Session, provider: Provider, fallback: Option<String>) -> Model {
        Model {
            name: name.to_string(),
            inputs: specs(session.inputs()),
            outputs: specs(session.outputs()),
            session,
            provider,
            fallback,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn mismatch(&self, problem: String) -> OnnxError {
        OnnxError::Mismatch {
            model: self.name.clone(),
            problem,
        }
    }

    /// Fails unless the model has every expected input and output with its type and shape
    /// (a `-1` on either side matches any size).
    pub fn check(&self, inputs: &[TensorSpec], outputs: &[TensorSpec]) -> Result<(), OnnxError> {
        for (kind, expected, actual) in [
            ("input", inputs, &self.inputs),
            ("output", outputs, &self.outputs),
        ] {
            for want in expected {
                let Some(have) = actual.iter().find(|a| a.name == want.name) else {
                    let names: Vec<&str> = actual.iter().map(|a| a.name.as_str()).collect();
                    return Err(self.mismatch(format!(
                        "has no {kind} '{}' (its {kind}s: {})",
                        want.name,
                        names.join(", ")
                    )));
                };
                let dims_match = have.shape.len() == want.shape.len()
                    && have
                        .shape
                        .iter()
                        .zip(&want.shape)
                        .all(|(h, w)| *h < 0 || *w < 0 || h == w);
                if have.dtype != want.dtype || !dims_match {
                    return Err(self.mismatch(format!("{kind} is {have}, expected {want}")));
                }
            }
        }
        Ok(())
    }

    /// Runs the model on named inputs; returns every output, in the model's order.
    pub fn run(&mut self, inputs: Vec<(&str, Value)>) -> Result<Vec<(String, Value)>, OnnxError> {
        let mut values: Vec<(Cow<'_, str>, ort::session::SessionInputValue<'_>)> = Vec::new();
        for (name, value) in inputs {
            self.check_value(name, &value)?;
            let shape = value.shape.clone();
            let tensor = match value.data {
                Data::F32(data) => Tensor::from_array((shape, data)).map(|t| t.into_dyn()),
                Data::I64(data) => Tensor::from_array((shape, data)).map(|t| t.into_dyn()),
            }
            .map_err(|e| self.mismatch(format!("input '{name}': {e}")))?;
            values.push((Cow::Owned(name.to_string()), tensor.into()));
        }
        let model = self.name.clone();
        let run_error = |e: ort::Error| OnnxError::Run {
            model: model.clone(),
            reason: e.to_string(),
        };
        let outputs = self.session.run(values).map_err(run_error)?;
        let mut result = Vec::new();
        for (name, value) in outputs.iter() {
            let data = if let Ok((shape, data)) = value.try_extract_tensor::<f32>() {
                Value::f32(shape, data.to_vec())
            } else if let Ok((shape, data)) = value.try_extract_tensor::<i64>() {
                Value::i64(shape, data.to_vec())
            } else {
                return Err(OnnxError::Run {
                    model: model.clone(),
                    reason: format!("output '{name}' is neither float32 nor int64"),
                });
            };
            result.push((name.to_string(), data));
        }
        Ok(result)
    }

    /// The input exists, has the value's type, rank and fixed sizes, and the data fills it.
    fn check_value(&self, name: &str, value: &Value) -> Result<(), OnnxError> {
        let Some(spec) = self.inputs.iter().find(|s| s.name == name) else {
            let names: Vec<&str> = self.inputs.iter().map(|s| s.name.as_str()).collect();
            return Err(self.mismatch(format!(
                "has no input '{name}' (its inputs: {})",
                names.join(", ")
            )));
        };
        let given = TensorSpec {
            name: name.to_string(),
            dtype: value.data.dtype(),
            shape: value.shape.clone(),
        };
        let dims_match = spec.shape.len() == value.shape.len()
            && spec
                .shape
                .iter()
                .zip(&value.shape)
                .all(|(s, v)| *s < 0 || s == v);
        if spec.dtype != given.dtype || !dims_match {
            return Err(self.mismatch(format!("input {spec} was given {given}")));
        }
        let elements: i64 = value.shape.iter().product();
        if value.shape.iter().any(|d| *d < 0) || elements as usize != value.data.len() {
            return Err(self.mismatch(format!(
                "input '{name}': shape {:?} holds {elements} values, {} given",
                value.shape,
                value.data.len()
            )));
        }
        Ok(())
    }
}
