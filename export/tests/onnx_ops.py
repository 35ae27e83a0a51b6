"""A numpy evaluator for the few ONNX ops of a quantized weight product, written from the ONNX spec.

There is no onnxruntime for Python here and onnx 1.12 has no `onnx.reference`, so the quantized blocks
are run node by node with these definitions (independent of export/quantize.py's code). The graphs'
behaviour in onnxruntime itself is checked from TypeScript (test/export/int8.test.ts).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

FLOAT_TYPES = {onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64}


def dynamic_quantize_linear(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ONNX DynamicQuantizeLinear (opset 11): uint8, range widened to include 0, round half to even."""
    x = x.astype(np.float32)
    x_min = np.minimum(np.float32(0), x.min())
    x_max = np.maximum(np.float32(0), x.max())
    scale = np.float32((x_max - x_min) / np.float32(255))
    zero_point = np.rint(np.clip(np.float32(0) - x_min / scale, 0, 255)).astype(np.uint8)
    y = np.clip(np.rint(x / scale) + zero_point.astype(np.float32), 0, 255).astype(np.uint8)
    return y, np.array(scale, dtype=np.float32), np.array(zero_point, dtype=np.uint8)


def matmul_integer(a, b, a_zero_point=None, b_zero_point=None) -> np.ndarray:
    """ONNX MatMulInteger: (a - a_zp) @ (b - b_zp) in int32 (exact for these sizes)."""
    a = a.astype(np.int64) - (0 if a_zero_point is None else a_zero_point.astype(np.int64))
    b = b.astype(np.int64) - (0 if b_zero_point is None else b_zero_point.astype(np.int64))
    return np.matmul(a, b).astype(np.int32)


def run_nodes(nodes, initializers: dict[str, np.ndarray], feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Runs `nodes` in order; returns every value computed (and the inputs)."""
    values = {**initializers, **feeds}
    for node in nodes:
        args = [values[name] if name else None for name in node.input]
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        op = node.op_type
        if op == "DynamicQuantizeLinear":
            outs = dynamic_quantize_linear(args[0])
        elif op == "MatMulInteger":
            outs = (matmul_integer(*args),)
        elif op == "Cast":
            outs = (args[0].astype(FLOAT_TYPES[attrs["to"]]),)
        elif op == "Mul":
            outs = (np.multiply(args[0], args[1]),)
        elif op == "Add":
            outs = (np.add(args[0], args[1]),)
        elif op == "MatMul":
            outs = (np.matmul(args[0], args[1]),)
        else:
            raise NotImplementedError(f"{op} is not in this evaluator")
        for name, value in zip(node.output, outs):
            values[name] = np.asarray(value)
    return values


def initializers(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    return {init.name: numpy_helper.to_array(init) for init in graph.initializer}
