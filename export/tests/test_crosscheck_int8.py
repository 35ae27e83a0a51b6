"""The comparison behind `export crosscheck-int8` (export/crosscheck_int8.py), without onnxruntime: it pairs
the int8 products of two graphs by the fp32 value each replaces, and it notices any weight or scale that
differs. (Running it against onnxruntime's quantizer needs onnxruntime's Python package: a study, recorded
in bench/results/int8-crosscheck.md.)"""

from __future__ import annotations

import copy
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from export.cli import main
from export.crosscheck_int8 import compare_weights, integer_products
from export.errors import ExportError
from export.quantize import find_weight_products, quantize_graph
from export.tests.conftest import REPO_ROOT

TINY_ROBUST_ENCODER = REPO_ROOT / "test" / "fixtures" / "models" / "tiny-robust" / "encoder.onnx"


@pytest.fixture(scope="module")
def tiny_products():
    fp32 = onnx.load(str(TINY_ROBUST_ENCODER))
    outputs = {p.node.output[0] for p in find_weight_products(fp32.graph)[0]}
    int8 = copy.deepcopy(fp32)
    quantize_graph(int8)
    return outputs, integer_products(int8.graph, outputs)


def test_every_product_of_the_rewrite_is_found_with_its_weight_and_scale(tiny_products):
    outputs, products = tiny_products
    assert set(products) == outputs and len(products) == 22
    for record in products.values():
        assert record["weight"].dtype == np.int8 and record["weight"].ndim == 2
        assert record["scale"].shape == (record["weight"].shape[1],)  # one scale per output column
        assert not np.any(record["zeroPoint"])


def test_a_graph_against_itself_agrees(tiny_products):
    _, products = tiny_products
    result = compare_weights(products, products)
    assert result["paired"] == 22 and result["onlyHere"] == result["onlyOnnxruntime"] == []
    assert result["int8ValuesDiffering"] == result["maxInt8Difference"] == 0
    assert result["maxScaleRelativeDifference"] == 0 and result["zeroPointsAllZero"]


def test_a_changed_weight_scale_or_zero_point_or_a_missing_product_is_reported(tiny_products):
    _, products = tiny_products
    keys = sorted(products)
    theirs = {k: dict(v) for k, v in products.items()}
    theirs[keys[0]]["weight"] = products[keys[0]]["weight"].copy()
    theirs[keys[0]]["weight"][0, 0] += 1 if theirs[keys[0]]["weight"][0, 0] < 127 else -1
    theirs[keys[1]]["scale"] = products[keys[1]]["scale"] * np.float32(1.001)
    theirs[keys[2]]["zeroPoint"] = np.ones_like(products[keys[2]]["zeroPoint"])
    del theirs[keys[3]]
    result = compare_weights(products, theirs)
    assert result["int8ValuesDiffering"] == 1 and result["maxInt8Difference"] == 1
    assert result["maxScaleRelativeDifference"] == pytest.approx(0.001, rel=1e-3)
    assert not result["zeroPointsAllZero"]
    assert result["onlyHere"] == [keys[3]] and result["paired"] == 21


def test_onnxruntimes_form_of_a_gemm_is_paired_by_the_value_it_replaces():
    """As onnxruntime 1.30 writes a Gemm with a bias (bench/results/int8-crosscheck.md: it turns each Gemm into
    MatMul + Add first): MatMulInteger, Cast, Mul by x_scale * w_scale writing a new value, then the Add of
    the bias writing the Gemm's output. The walk follows that chain to the Gemm's output."""
    q = np.array([[1, -2], [3, 4]], dtype=np.int8)
    inits = [
        numpy_helper.from_array(q, "w_q"),
        numpy_helper.from_array(np.zeros(2, dtype=np.int8), "w_zp"),
        numpy_helper.from_array(np.array([0.5, 0.25], dtype=np.float32), "w_scale"),
        numpy_helper.from_array(np.zeros(2, dtype=np.float32), "bias"),
    ]
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["x"], ["x_q", "x_scale", "x_zp"]),
        helper.make_node("MatMulInteger", ["x_q", "w_q", "x_zp", "w_zp"], ["acc"], name="gemm_MatMul_quant"),
        helper.make_node("Mul", ["x_scale", "w_scale"], ["scales"]),
        helper.make_node("Cast", ["acc"], ["acc_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["acc_f", "scales"], ["gemm_matmul_out"]),
        helper.make_node("Add", ["gemm_matmul_out", "bias"], ["gemm_out"]),
    ]
    graph = helper.make_graph(
        nodes,
        "ort-form",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 2])],
        [helper.make_tensor_value_info("gemm_out", TensorProto.FLOAT, [3, 2])],
        inits,
    )
    (record,) = integer_products(graph, {"gemm_out"}).values()
    assert np.array_equal(record["weight"], q) and np.array_equal(record["scale"], [0.5, 0.25])


def test_a_product_whose_chain_branches_or_lacks_its_scale_is_a_clear_error(tiny_products):
    fp32 = onnx.load(str(TINY_ROBUST_ENCODER))
    outputs = {p.node.output[0] for p in find_weight_products(fp32.graph)[0]}
    int8 = copy.deepcopy(fp32)
    quantize_graph(int8)
    first = next(n for n in int8.graph.node if n.op_type == "MatMulInteger")
    branched = copy.deepcopy(int8)
    branched.graph.node.append(helper.make_node("Identity", [first.output[0]], ["extra_reader"]))
    with pytest.raises(ExportError, match="is read by 2 nodes, not 1"):
        integer_products(branched.graph, outputs)
    unscaled = copy.deepcopy(int8)  # the final Mul reads a value no node makes
    for node in unscaled.graph.node:
        if node.op_type == "Mul" and node.name == first.name.replace("MatMulInteger", "Mul"):
            node.input[1] = "nowhere"
    with pytest.raises(ExportError, match="not the activation's scale times one weight-scale initializer"):
        integer_products(unscaled.graph, outputs)


def test_without_onnxruntime_the_command_says_what_to_do(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # importing it now raises ImportError
    out = tmp_path / "results" / "int8-crosscheck"
    assert main(["crosscheck-int8", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "onnxruntime's Python package is not importable" in err and "PYTHONPATH" in err
    assert not out.parent.exists()  # nothing written


def test_images_must_be_positive(capsys):
    assert main(["crosscheck-int8", "--images", "0"]) == 1
    assert "--images must be at least 1" in capsys.readouterr().err
