"""Writes the tiny ONNX models the onnx tests run: `python3 tiny_models.py OUT_DIR`.

scale.onnx   x: float32[1, N] -> y = 2 * x
ids.onnx     ids: int64[1, N] -> same: int64[1, N]
Made with the `onnx` package from the project's venv (`make setup`), so the tests need no
model files in the repository.
"""
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 17)]


def save(graph, path):
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="reel-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    two = numpy_helper.from_array(np.array([2.0], dtype=np.float32), "two")
    save(
        helper.make_graph(
            [helper.make_node("Mul", ["x", "two"], ["y"])],
            "scale",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "n"])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, "n"])],
            [two],
        ),
        out / "scale.onnx",
    )
    save(
        helper.make_graph(
            [helper.make_node("Identity", ["ids"], ["same"])],
            "ids",
            [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, "n"])],
            [helper.make_tensor_value_info("same", TensorProto.INT64, [1, "n"])],
        ),
        out / "ids.onnx",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
