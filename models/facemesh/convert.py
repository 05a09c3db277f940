#!/usr/bin/env python3
"""Convert MediaPipe's face landmark model (468 points) from TensorFlow Lite to ONNX.

The conversion is tflite2onnx's (layout changed to NCHW: the input becomes
`input_1` f32 [1, 3, 192, 192], RGB in 0..1). tflite2onnx writes initializers
and value infos in set order, which differs between runs; they are sorted by name here, so the
same .tflite always gives the same bytes (and the manifest's SHA-256 holds).

Usage:
    python3 convert.py --tflite FILE --out FILE.onnx
"""

import argparse
import os
import tempfile

import onnx
import tflite2onnx


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tflite", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    folder = os.path.dirname(os.path.abspath(args.out))
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        raw = os.path.join(scratch, "raw.onnx")
        tflite2onnx.convert(args.tflite, raw)
        model = onnx.load(raw)
    for field in (model.graph.initializer, model.graph.value_info):
        ordered = sorted(field, key=lambda t: t.name)
        del field[:]
        field.extend(ordered)
    onnx.checker.check_model(model)
    partial = args.out + ".partial"
    onnx.save(model, partial)
    os.replace(partial, args.out)


if __name__ == "__main__":
    main()
