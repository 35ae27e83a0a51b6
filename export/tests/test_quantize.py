"""int8 encoder (export/quantize.py): the rewrite of weight products, checked node by node against fp32.

Error bound of one quantized product y = x @ W (what every comparison below asserts, elementwise):
  x is quantized per tensor with step s_x (DynamicQuantizeLinear; no value is clipped because the range
  is [min(x,0), max(x,0)]), so x^ = x + e_x with |e_x| <= s_x / 2; W's column n is quantized with step
  s_w[n] (symmetric, |q| <= 127, no clipping), so W^ = W + e_w with |e_w[k,n]| <= s_w[n] / 2. The integer
  product is exact (int32), hence
    |y^_n - y_n| = |sum_k x_k e_w[k,n] + e_x,k W^[k,n]| <= s_w[n]/2 * sum_k |x_k| + s_x/2 * sum_k |W^[k,n]|
  plus float32 rounding of the final Cast and two Muls (a few ulps of |y^|, covered by FLOAT_SLACK).
"""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from export.cli import main
from export.errors import ExportError
from export.onnx_export import export_model_folder
from export.quantize import (
    WEIGHT_ZERO_POINT,
    find_weight_products,
    quantize_encoder,
    quantize_graph,
    quantize_weight_per_column,
)
from export.tests.conftest import REPO_ROOT
from export.tests.onnx_ops import dynamic_quantize_linear, initializers, run_nodes

QUANTIZED_BLOCK = ["DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul"]
FLOAT_SLACK = 1e-5  # relative, on |y^|: float32 rounding of Cast + the two Muls
TINY_ROBUST = REPO_ROOT / "test" / "fixtures" / "models" / "tiny-robust"


def error_bound(x: np.ndarray, w_hat: np.ndarray, s_x: float, s_w: np.ndarray) -> np.ndarray:
    """The elementwise bound derived in the module docstring, for x [..., K] and W^ [K, N]."""
    x = x.astype(np.float64)
    return s_w / 2 * np.abs(x).sum(axis=-1, keepdims=True) + s_x / 2 * np.abs(w_hat).sum(axis=0)


def one_product_model(w: np.ndarray, x_shape, op="MatMul", bias=None, trans_b=False) -> onnx.ModelProto:
    """y = x @ w (MatMul) or Gemm(x, w[, bias]) with w as an initializer."""
    k_dim = w.shape[1] if trans_b else w.shape[0]
    assert x_shape[-1] == k_dim
    inits = [numpy_helper.from_array(w.astype(np.float32), "W")]
    inputs = ["x", "W"]
    attrs = {}
    if op == "Gemm":
        attrs["transB"] = int(trans_b)
        if bias is not None:
            inits.append(numpy_helper.from_array(bias.astype(np.float32), "bias"))
            inputs.append("bias")
    node = helper.make_node(op, inputs, ["y"], name=f"/block/{op}", **attrs)
    n_dim = w.shape[0] if trans_b else w.shape[1]
    graph = helper.make_graph(
        [node],
        "one-product",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(x_shape[:-1]) + [n_dim])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def check_within_bound(y_hat: np.ndarray, x: np.ndarray, w: np.ndarray, w_hat: np.ndarray, s_w: np.ndarray, bias=None):
    """y^ against float64 x @ W (+ bias), within the derived bound; returns (max error, max bound)."""
    y = x.astype(np.float64) @ w.astype(np.float64) + (0 if bias is None else bias)
    _, s_x, _ = dynamic_quantize_linear(x)
    bound = error_bound(x, w_hat, float(s_x), s_w) + FLOAT_SLACK * (np.abs(y_hat) + 1e-30)
    error = np.abs(y_hat - y)
    assert np.all(error <= bound), f"max excess {(error - bound).max():.3g}"
    return error.max(), bound.max()


def test_weight_quantization_is_symmetric_per_column_within_half_a_step():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(64, 10)).astype(np.float32) * np.linspace(0.01, 5, 10, dtype=np.float32)
    w[:, 3] = 0  # an all-zero column must not divide by zero
    q, scale = quantize_weight_per_column(w)
    assert q.dtype == np.int8 and scale.shape == (10,) and scale.dtype == np.float32
    assert np.abs(q).max() <= 127
    assert np.all(np.abs(q).max(axis=0)[[i for i in range(10) if i != 3]] == 127)  # full range used per column
    assert np.all(q[:, 3] == 0)
    assert np.all(np.abs(q * scale - w) <= scale / 2 * (1 + 1e-6))


@pytest.mark.parametrize("x_shape", [(7, 48), (1, 5, 6, 48)])  # 2-D, and tokens [1, H, W, C] as the ViT has
def test_one_matmul_against_fp32_within_the_bound(x_shape):
    rng = np.random.default_rng(1)
    w = rng.normal(scale=0.2, size=(48, 24)).astype(np.float32)
    model = one_product_model(w, x_shape)
    report = quantize_graph(model)
    assert report.replaced == {"MatMul": 1}
    assert [n.op_type for n in model.graph.node] == QUANTIZED_BLOCK
    inits = initializers(model.graph)
    assert "W" not in inits  # the float weight is gone
    (q_name,) = [name for name, v in inits.items() if v.dtype == np.int8 and v.ndim == 2]
    s_w = inits[q_name.replace("_int8", "_scale")]
    w_hat = inits[q_name].astype(np.float64) * s_w
    for trial in range(5):
        x = rng.normal(loc=0.3 * trial, size=x_shape).astype(np.float32)  # also all-positive-ish inputs
        y_hat = run_nodes(model.graph.node, inits, {"x": x})["y"]
        assert y_hat.dtype == np.float32 and y_hat.shape == x_shape[:-1] + (24,)
        max_error, max_bound = check_within_bound(y_hat, x, w, w_hat, s_w)
        assert 0 < max_error < max_bound  # really quantized, and the bound is not vacuous
        y = x.astype(np.float64) @ w
        assert np.sqrt(np.mean((y_hat - y) ** 2) / np.mean(y**2)) < 0.02  # 8 bits: ~1% relative RMS


def test_gemm_with_transposed_weight_and_bias():
    rng = np.random.default_rng(2)
    w_nk = rng.normal(size=(12, 32)).astype(np.float32)  # torch Linear layout [out, in], transB=1
    bias = rng.normal(size=12).astype(np.float32)
    model = one_product_model(w_nk, (3, 32), op="Gemm", bias=bias, trans_b=True)
    assert quantize_graph(model).replaced == {"Gemm": 1}
    assert [n.op_type for n in model.graph.node] == QUANTIZED_BLOCK + ["Add"]
    inits = initializers(model.graph)
    (q_name,) = [name for name, v in inits.items() if v.dtype == np.int8 and v.ndim == 2]
    assert inits[q_name].shape == (32, 12)  # stored [K, N] for MatMulInteger
    s_w = inits[q_name.replace("_int8", "_scale")]
    x = rng.normal(size=(3, 32)).astype(np.float32)
    y_hat = run_nodes(model.graph.node, inits, {"x": x})["y"]
    check_within_bound(y_hat, x, w_nk.T, inits[q_name] * s_w.astype(np.float64), s_w, bias)


def test_products_without_a_constant_weight_stay_float():
    """Activation x activation (attention) and a weight from a Constant node (the DFT matrices) are kept."""
    dft = helper.make_node("Constant", [], ["D"], value=numpy_helper.from_array(np.eye(4, dtype=np.float32)))
    nodes = [
        dft,
        helper.make_node("MatMul", ["a", "b"], ["ab"], name="attention"),
        helper.make_node("MatMul", ["ab", "D"], ["y"], name="dft"),
    ]
    graph = helper.make_graph(
        nodes,
        "kept",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [4, 4]) for n in ("a", "b")],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 4])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    assert find_weight_products(model.graph)[0] == []
    with pytest.raises(ExportError, match="no MatMul or Gemm with a constant weight"):
        quantize_encoder(model)


@pytest.fixture(scope="module")
def tiny_encoder_pair():
    fp32 = onnx.load(str(TINY_ROBUST / "encoder.onnx"))
    int8 = onnx.load(str(TINY_ROBUST / "encoder.onnx"))
    report = quantize_encoder(int8)
    return fp32, int8, report


def test_tiny_encoder_every_weight_product_replaced(tiny_encoder_pair):
    fp32, int8, report = tiny_encoder_pair
    products, skipped = find_weight_products(fp32.graph)
    assert skipped == []
    assert sum(report.replaced.values()) == len(products) == 22  # 12 ViT MatMuls, 2 selector MatMuls, 8 Gemms
    assert report.replaced == {"MatMul": 14, "Gemm": 8}
    ops = [n.op_type for n in int8.graph.node]
    assert ops.count("MatMulInteger") == ops.count("DynamicQuantizeLinear") == 22
    assert "Gemm" not in ops
    assert find_weight_products(int8.graph)[0] == []  # no MatMul reads a float weight initializer any more
    assert ops.count("MatMul") == [n.op_type for n in fp32.graph.node].count("MatMul") - 14  # the rest kept
    float_inits = {i.name for i in int8.graph.initializer if i.data_type == TensorProto.FLOAT}
    assert not float_inits & {p.weight_name for p in products}
    assert [(o.domain, o.version) for o in int8.opset_import] == [(o.domain, o.version) for o in fp32.opset_import]
    assert [i.name for i in int8.graph.input] == [i.name for i in fp32.graph.input]
    assert [o.name for o in int8.graph.output] == [o.name for o in fp32.graph.output]
    assert int8.ByteSize() < 0.8 * fp32.ByteSize()


def test_tiny_encoder_each_quantized_node_against_fp32(tiny_encoder_pair):
    """Every replaced node of the fixture encoder, run alone on small random inputs (rows of K values)
    next to the fp32 product it replaced: within the derived bound."""
    fp32, int8, _ = tiny_encoder_pair
    products, _ = find_weight_products(fp32.graph)
    inits = initializers(int8.graph)
    rng = np.random.default_rng(3)
    zero_points = {name for name in inits if name == WEIGHT_ZERO_POINT}
    assert zero_points == {WEIGHT_ZERO_POINT} and inits[WEIGHT_ZERO_POINT] == 0
    for product in products:
        prefix = f"{product.node.name}_quant/"
        block = [n for n in int8.graph.node if n.name.startswith(prefix)]
        assert [n.op_type for n in block][:5] == QUANTIZED_BLOCK, product.node.name
        assert block[0].input[0] == product.activation
        assert block[-1].output[0] == product.node.output[0]  # consumers read the same value as before
        q = inits[block[1].input[1]]
        s_w = inits[block[3].input[1]]
        assert q.dtype == np.int8 and q.shape == product.weight.shape and s_w.shape == (q.shape[1],)
        x = rng.normal(scale=2.0, size=(2, 3, q.shape[0])).astype(np.float32)
        values = run_nodes(block, inits, {product.activation: x})
        bias = inits[product.bias] if product.bias else None
        check_within_bound(values[product.node.output[0]], x, product.weight, q * s_w.astype(np.float64), s_w, bias)


def test_int8_folder_from_onnx_and_from_quantize_are_the_same(tmp_path, tiny_robust, capsys):
    """`onnx --precision int8` = `onnx` then `quantize`: same encoder bytes, decoder unchanged (fp32)."""
    common = dict(contract="sam", name="x", version="1", sources=[], created_at="2026-01-01T00:00:00Z", log=lambda _: None)
    export_model_folder(tiny_robust, tmp_path / "fp32", precision="fp32", **common)
    export_model_folder(tiny_robust, tmp_path / "int8", precision="int8", **common)
    assert main(["quantize", "--model", str(tmp_path / "fp32"), "--out", str(tmp_path / "q")]) == 0
    assert "quantized" in capsys.readouterr().out
    direct = json.loads((tmp_path / "int8" / "model.json").read_text())
    quantized = json.loads((tmp_path / "q" / "model.json").read_text())
    fp32 = json.loads((tmp_path / "fp32" / "model.json").read_text())
    for m in (direct, quantized):
        assert m["precision"] == "int8"
        assert m["quantization"]["graph"] == "encoder"
        assert m["quantization"]["nodes"] == {"Gemm": 8, "MatMul": 14}
        assert m["quantization"]["weights"] == "int8-symmetric-per-column"
        assert m["graphs"]["decoder"] == fp32["graphs"]["decoder"]
        assert m["graphs"]["encoder"]["bytes"] < 0.8 * fp32["graphs"]["encoder"]["bytes"]
        assert m["quantization"]["floatEncoderBytes"] == fp32["graphs"]["encoder"]["bytes"]  # the size trade
        assert "measured" not in m["quantization"]  # nothing compared yet: the viewer says so
    assert direct["graphs"]["encoder"]["sha256"] == quantized["graphs"]["encoder"]["sha256"]
    assert (tmp_path / "q" / "decoder.onnx").read_bytes() == (tmp_path / "fp32" / "decoder.onnx").read_bytes()
    assert quantized["provenance"]["sources"][-1] == {
        "role": "quantized-from",
        "file": "fp32/encoder.onnx",
        "sha256": fp32["graphs"]["encoder"]["sha256"],
    }
    onnx.checker.check_model(onnx.load(str(tmp_path / "q" / "encoder.onnx")))


def test_quantize_refuses_what_it_cannot_do(tmp_path, tiny_robust, capsys):
    common = dict(contract="sam", name="x", version="1", sources=[], log=lambda _: None)
    export_model_folder(tiny_robust, tmp_path / "fp16", precision="fp16", **common)
    assert main(["quantize", "--model", str(tmp_path / "fp16"), "--out", str(tmp_path / "a")]) == 1
    assert "only fp32 folders" in capsys.readouterr().err
    assert main(["quantize", "--model", str(tmp_path), "--out", str(tmp_path / "b")]) == 1
    assert "not a model folder" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_quantize_refuses_a_broken_folder_with_a_clear_error(tmp_path, capsys):
    """Not JSON, a truncated encoder, an int8 folder: exit 1 with what was wrong, nothing written."""
    import shutil

    cases = {
        "not-json": lambda d: (d / "model.json").write_text('{"format": '),
        "truncated": lambda d: (d / "encoder.onnx").write_bytes((d / "encoder.onnx").read_bytes()[:100000]),
        "int8": lambda d: (d / "model.json").write_text(
            json.dumps({**json.loads((d / "model.json").read_text()), "precision": "int8"})
        ),
    }
    expected = {
        "not-json": "is not a model.json made by `onnx`",
        "truncated": "does not match model.json's sha256",
        "int8": "has precision 'int8'; only fp32 folders are quantized",
    }
    for name, damage in cases.items():
        folder = tmp_path / name
        shutil.copytree(TINY_ROBUST, folder)
        damage(folder)
        assert main(["quantize", "--model", str(folder), "--out", str(tmp_path / f"{name}-out")]) == 1
        assert expected[name] in capsys.readouterr().err
        assert not (tmp_path / f"{name}-out").exists()
