#!/usr/bin/env python3
"""Expose a Piper VITS voice's phoneme durations as a second output.

A Piper voice computes how many spectrogram frames each phoneme id lasts
(the ceiling of its duration predictor's output) and expands the text
encoding by it; the exported graph only returns the audio.  This script adds
that tensor as the output `durations` (f32 [1, 1, phonemes]), unchanged
otherwise, so word timings come from the voice itself: a phoneme lasts
durations[i] * hop samples, where hop = len(audio) / sum(durations).

Usage:
    python3 durations.py --onnx VOICE.onnx --out MODEL.onnx

Only the `onnx` package is needed.  The output is deterministic: the same
input gives the same bytes.
"""

import argparse
import sys

import onnx
from onnx import TensorProto, helper


def duration_tensor(graph):
    """The output of the one Ceil node whose result feeds a CumSum: the
    per-phoneme frame counts that build the alignment path."""
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node.op_type)
    found = [
        node.output[0]
        for node in graph.node
        if node.op_type == "Ceil" and "CumSum" in consumers.get(node.output[0], [])
    ]
    if len(found) != 1:
        sys.exit(f"expected one Ceil feeding a CumSum (the duration path), found {len(found)}")
    return found[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onnx", required=True, help="the Piper voice (.onnx)")
    parser.add_argument("--out", required=True, help="where to write the voice with durations")
    args = parser.parse_args()

    model = onnx.load(args.onnx)
    graph = model.graph
    if any(output.name == "durations" for output in graph.output):
        sys.exit(f"{args.onnx} already has a 'durations' output")
    source = duration_tensor(graph)
    graph.node.append(helper.make_node("Identity", [source], ["durations"], name="durations"))
    graph.output.append(
        helper.make_tensor_value_info("durations", TensorProto.FLOAT, [1, 1, "phonemes"])
    )
    onnx.checker.check_model(model)
    onnx.save(model, args.out)


if __name__ == "__main__":
    main()
