"""int8 encoder: dynamic quantization of the weight products, written with the `onnx` package.

onnxruntime's own quantizer (`onnxruntime.quantization.quantize_dynamic`) is Python-only and not a
Debian package, so the rewrite is done here (`crosscheck-int8` compares the two where onnxruntime's
package is importable: same int8 values, identical outputs). It emits the form that
`quantize_dynamic` emits and that onnxruntime's CPU EP (onnxruntime-node) and wasm backend run with their
integer GEMM kernels, for every MatMul and Gemm whose weight is a constant 2-D float initializer:

    x --DynamicQuantizeLinear--> x_q (uint8), x_scale, x_zero_point       (per tensor, at run time)
    MatMulInteger(x_q, W_q (int8), x_zero_point, 0) --> int32
    Cast(float) * (x_scale * W_scale)  [+ bias for a Gemm]                  --> y (float32)

Weights: int8, symmetric (zero point 0), one scale per output column (per channel): scale[n] =
max_k |W[k, n]| / 127. With zero points all 0 the per-column scales live entirely in the final Mul, so
MatMulInteger needs only a scalar zero point for W. Activations: uint8, asymmetric, one scale per tensor
and run (DynamicQuantizeLinear's definition).

What stays float32: products of two activations (attention scores, attention x values, the relative
position terms), the DFT products of the Fourier blocks (their constant matrices are Constant nodes, and
rounding them would make the exact transform approximate), convolutions, and everything else.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .errors import ExportError

INT8_MAX = 127
WEIGHT_ZERO_POINT = "int8_weight_zero_point"  # one shared int8 scalar 0
QUANTIZED_OPS = ("MatMul", "Gemm")
WEIGHTS_FORM = "int8-symmetric-per-column"
ACTIVATIONS_FORM = "uint8-asymmetric-per-tensor-dynamic"


@dataclass
class WeightProduct:
    """A MatMul or Gemm computing x @ weight (+ bias) with a constant weight [K, N]."""

    node: onnx.NodeProto
    activation: str
    weight: np.ndarray  # float32 [K, N]
    weight_name: str  # the float initializer
    transposed: bool = False  # a Gemm with transB: weight is the initializer transposed
    bias: str | None = None


@dataclass
class QuantizeReport:
    """What was rewritten, for model.json and the command's output."""

    replaced: dict[str, int] = field(default_factory=dict)  # op type -> count
    skipped: list[str] = field(default_factory=list)  # "name: why"
    float_weight_values: int = 0  # float32 values turned into int8
    kept_float_matmuls: int = 0  # MatMuls with no constant weight (activation x activation, DFT)

    def manifest_record(self, float_encoder_bytes: int) -> dict:
        """model.json's `quantization`; the float encoder's size lets the viewer say what int8 saves."""
        return {
            "graph": "encoder",
            "method": "dynamic",
            "weights": WEIGHTS_FORM,
            "activations": ACTIVATIONS_FORM,
            "nodes": dict(sorted(self.replaced.items())),
            "keptFloat": "activation x activation MatMuls (attention, relative positions), DFT products, convolutions",
            "floatEncoderBytes": float_encoder_bytes,
        }


def quantize_weight_per_column(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per output column: W ~= q * scale[None, :], |q| <= 127, |W - q*scale| <= scale/2."""
    if weight.ndim != 2:
        raise ValueError(f"weight must be 2-D [K, N], found shape {weight.shape}")
    amax = np.abs(weight).max(axis=0).astype(np.float32)
    scale = np.where(amax > 0, amax / INT8_MAX, np.float32(1.0)).astype(np.float32)
    q = np.clip(np.rint(weight / scale[None, :]), -INT8_MAX, INT8_MAX).astype(np.int8)
    return q, scale


def find_weight_products(graph: onnx.GraphProto) -> tuple[list[WeightProduct], list[str]]:
    """The MatMul/Gemm nodes whose weight is a 2-D float initializer, and why any other Gemm is not one."""
    inits = {i.name: i for i in graph.initializer}
    products, skipped = [], []
    for node in graph.node:
        if node.op_type not in QUANTIZED_OPS or len(node.input) < 2:
            continue
        init = inits.get(node.input[1])
        if init is None or init.data_type != TensorProto.FLOAT or len(init.dims) != 2:
            if node.op_type == "Gemm":
                skipped.append(f"{node.name}: weight is not a 2-D float initializer")
            continue
        weight = numpy_helper.to_array(init).astype(np.float32)
        if node.op_type == "MatMul":
            products.append(WeightProduct(node, node.input[0], weight, init.name))
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            skipped.append(f"{node.name}: Gemm with transA, alpha or beta not the defaults")
            continue
        bias = node.input[2] if len(node.input) > 2 and node.input[2] else None
        transposed = bool(attrs.get("transB", 0))
        weight = weight.T.copy() if transposed else weight
        products.append(WeightProduct(node, node.input[0], weight, init.name, transposed, bias))
    return products, skipped


def quantized_product_nodes(
    product: WeightProduct, weight_q: str, weight_scale: str, output: str
) -> list[onnx.NodeProto]:
    """The integer form of one weight product, writing the float node's output name."""
    base = product.node.name or output
    n = lambda suffix: f"{base}_quant/{suffix}"  # noqa: E731 - one naming rule for the block's values
    nodes = [
        helper.make_node(
            "DynamicQuantizeLinear",
            [product.activation],
            [n("x_q"), n("x_scale"), n("x_zero_point")],
            name=n("DynamicQuantizeLinear"),
        ),
        helper.make_node(
            "MatMulInteger",
            [n("x_q"), weight_q, n("x_zero_point"), WEIGHT_ZERO_POINT],
            [n("acc")],
            name=n("MatMulInteger"),
        ),
        helper.make_node("Cast", [n("acc")], [n("acc_float")], to=TensorProto.FLOAT, name=n("Cast")),
        helper.make_node("Mul", [n("x_scale"), weight_scale], [n("scale")], name=n("ScaleMul")),
    ]
    if product.bias is None:
        nodes.append(helper.make_node("Mul", [n("acc_float"), n("scale")], [output], name=n("Mul")))
    else:
        nodes.append(helper.make_node("Mul", [n("acc_float"), n("scale")], [n("product")], name=n("Mul")))
        nodes.append(helper.make_node("Add", [n("product"), product.bias], [output], name=n("BiasAdd")))
    return nodes


def consumers(graph: onnx.GraphProto) -> dict[str, int]:
    """How many node inputs (and graph outputs) read each value."""
    counts: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            counts[name] = counts.get(name, 0) + 1
    for out in graph.output:
        counts[out.name] = counts.get(out.name, 0) + 1
    return counts


def quantize_graph(proto: onnx.ModelProto) -> QuantizeReport:
    """Rewrites every weight MatMul/Gemm of `proto` in place into its integer form; returns what it did."""
    graph = proto.graph
    products, skipped = find_weight_products(graph)
    report = QuantizeReport(skipped=skipped)
    by_node = {id(p.node): p for p in products}
    new_inits: list[onnx.TensorProto] = [numpy_helper.from_array(np.array(0, dtype=np.int8), WEIGHT_ZERO_POINT)]
    quantized_weights: dict[tuple[str, bool], tuple[str, str]] = {}  # (weight, transposed) -> (q, scale)
    nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        product = by_node.get(id(node))
        if product is None:
            nodes.append(node)
            continue
        key = (product.weight_name, product.transposed)  # a weight read twice is stored once
        if key not in quantized_weights:
            q, scale = quantize_weight_per_column(product.weight)
            stem = f"{product.weight_name}{'_T' if product.transposed else ''}"
            new_inits += [numpy_helper.from_array(q, f"{stem}_int8"), numpy_helper.from_array(scale, f"{stem}_scale")]
            quantized_weights[key] = (f"{stem}_int8", f"{stem}_scale")
            report.float_weight_values += int(product.weight.size)
        nodes += quantized_product_nodes(product, *quantized_weights[key], node.output[0])
        report.replaced[node.op_type] = report.replaced.get(node.op_type, 0) + 1
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(new_inits)
    drop_unused_initializers(graph)
    report.kept_float_matmuls = sum(1 for node in graph.node if node.op_type == "MatMul")
    set_default_opset_at_least(proto, 11)  # DynamicQuantizeLinear (11), MatMulInteger (10)
    onnx.checker.check_model(proto)
    return report


def drop_unused_initializers(graph: onnx.GraphProto) -> None:
    used = consumers(graph)
    kept = [init for init in graph.initializer if used.get(init.name)]
    del graph.initializer[:]
    graph.initializer.extend(kept)


def set_default_opset_at_least(proto: onnx.ModelProto, version: int) -> None:
    for opset in proto.opset_import:
        if opset.domain in ("", "ai.onnx") and opset.version < version:
            opset.version = version


def quantize_encoder(proto: onnx.ModelProto) -> QuantizeReport:
    """The encoder's rewrite; an encoder with no weight product to quantize is an error, not a no-op."""
    report = quantize_graph(proto)
    if not report.replaced:
        raise ExportError("the encoder graph has no MatMul or Gemm with a constant weight to quantize")
    return report


def read_fp32_folder(folder: Path) -> dict:
    """model.json of an fp32 model folder whose encoder file is whole (its sha256 as recorded)."""
    from .provenance import file_sha256

    manifest_path = Path(folder) / "model.json"
    if not manifest_path.is_file():
        raise ExportError(f"{folder} is not a model folder (no model.json)", "point --model at a folder made by `onnx`")
    try:
        manifest = json.loads(manifest_path.read_text())
        encoder = Path(folder) / manifest["graphs"]["encoder"]["file"]
        recorded = manifest["graphs"]["encoder"]["sha256"]
    except (ValueError, KeyError, TypeError) as err:
        raise ExportError(f"{manifest_path} is not a model.json made by `onnx` ({err!r})", "export the folder again") from err
    if manifest.get("precision") != "fp32":
        raise ExportError(
            f"{folder} has precision {manifest.get('precision')!r}; only fp32 folders are quantized",
            "quantize the fp32 export (fp16 weights would be rounded twice)",
        )
    if not encoder.is_file() or file_sha256(encoder) != recorded:
        raise ExportError(
            f"{encoder} is missing or does not match model.json's sha256 (truncated or changed?)",
            "export the folder again, or copy it whole",
        )
    return manifest


def quantize_model_folder(source: Path, out: Path, *, created_at: str | None = None, log=print) -> dict:
    """`export quantize`: an fp32 model folder -> the same model with an int8 encoder (decoder copied).

    The decoder graph is copied byte for byte; model.json keeps everything but the encoder's file record,
    `precision` ("int8"), `quantization` and provenance (this tool, now, the fp32 encoder as a source).
    """
    from . import TOOL_NAME, TOOL_VERSION
    from .files import atomic_directory
    from .manifest import write_manifest
    from .provenance import file_sha256

    source, out = Path(source), Path(out)
    manifest = read_fp32_folder(source)
    if source.resolve() == out.resolve():
        raise ExportError("--out must differ from --model", "write the int8 folder beside the fp32 one")
    encoder_spec = manifest["graphs"]["encoder"]
    decoder_spec = manifest["graphs"]["decoder"]
    start = time.perf_counter()
    with atomic_directory(out) as tmp:
        proto = onnx.load(str(source / encoder_spec["file"]))
        report = quantize_encoder(proto)
        encoder_path = tmp / encoder_spec["file"]
        encoder_path.write_bytes(proto.SerializeToString())
        shutil.copyfile(source / decoder_spec["file"], tmp / decoder_spec["file"])
        manifest["precision"] = "int8"
        manifest["quantization"] = report.manifest_record(encoder_spec["bytes"])
        manifest["graphs"]["encoder"] = {
            **encoder_spec,
            "sha256": file_sha256(encoder_path),
            "bytes": os.path.getsize(encoder_path),
        }
        provenance = manifest["provenance"]
        provenance["sources"] = list(provenance.get("sources", [])) + [
            {"role": "quantized-from", "file": f"{source.name}/{encoder_spec['file']}", "sha256": encoder_spec["sha256"]}
        ]
        provenance["tool"] = f"{TOOL_NAME} {TOOL_VERSION}"
        provenance["createdAt"] = created_at or datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        write_manifest(tmp / "model.json", manifest)
    log(describe_report(report, encoder_spec["bytes"], manifest["graphs"]["encoder"]["bytes"], time.perf_counter() - start))
    return manifest


def describe_report(report: QuantizeReport, bytes_before: int, bytes_after: int, seconds: float) -> str:
    nodes = ", ".join(f"{count} {op}" for op, count in sorted(report.replaced.items()))
    text = (
        f"encoder int8: {nodes} quantized ({report.float_weight_values / 1e6:.1f}M weights), "
        f"{report.kept_float_matmuls} MatMuls without a constant weight kept float32; "
        f"{bytes_before / 1e6:.1f} -> {bytes_after / 1e6:.1f} MB in {seconds:.1f} s"
    )
    return text + "".join(f"\n  not quantized: {why}" for why in report.skipped)
