"""torch.onnx export of the two graphs, fp16 weight storage, and the model folder with model.json."""

from __future__ import annotations

import inspect
import io
import os
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from . import TOOL_NAME, TOOL_VERSION
from .errors import ExportError
from .files import atomic_directory
from .graphs import DecoderGraph, EncoderGraph, example_inputs, io_spec, largest_tensor_bytes
from .manifest import MANIFEST_FORMAT, write_manifest
from .model.sam import SamModel
from .provenance import file_sha256
from .quantize import quantize_encoder

PRECISIONS = ("fp32", "fp16", "int8")

OPSET = 17  # LayerNormalization is native from 17; onnxruntime 1.30 (node, web) runs it
FP16_MIN_ELEMENTS = 256  # small constants (shapes, scalars, eps) stay as they are
ENCODER_FILE = "encoder.onnx"
DECODER_FILE = "decoder.onnx"
# torch >= 2.9 exports with the dynamo exporter unless told otherwise; these graphs are traced
# (TorchScript exporter), as with the torch versions that have no `dynamo` argument.
TORCHSCRIPT_EXPORTER = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def export_graph(module: torch.nn.Module, spec: dict, path: Path) -> onnx.ModelProto:
    """Trace `module` on example inputs and write a checked ONNX file at `path`."""
    inputs = example_inputs(spec["inputs"])
    names_in = [i["name"] for i in spec["inputs"]]
    names_out = [o["name"] for o in spec["outputs"]]
    dynamic = {
        item["name"]: {axis: dim for axis, dim in enumerate(item["shape"]) if isinstance(dim, str)}
        for item in spec["inputs"] + spec["outputs"]
    }
    dynamic = {name: axes for name, axes in dynamic.items() if axes}
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python ints: every shape here is static
        torch.onnx.export(
            module,
            inputs,
            buffer,
            input_names=names_in,
            output_names=names_out,
            dynamic_axes=dynamic or None,
            opset_version=OPSET,
            do_constant_folding=True,
            **TORCHSCRIPT_EXPORTER,
        )
    proto = onnx.load_from_string(buffer.getvalue())
    declare_io_shapes(proto, spec)
    onnx.checker.check_model(proto)
    path.write_bytes(proto.SerializeToString())
    return proto


def declare_io_shapes(proto: onnx.ModelProto, spec: dict) -> None:
    """Write the contract's shapes onto the graph's inputs and outputs. The tracer loses static output
    shapes behind reshapes (they come out as symbolic dims); every one of them is static except "N"."""
    for values, items in ((proto.graph.input, spec["inputs"]), (proto.graph.output, spec["outputs"])):
        by_name = {item["name"]: item for item in items}
        for value in values:
            dims = value.type.tensor_type.shape.dim
            wanted = by_name[value.name]["shape"]
            del dims[:]
            for size in wanted:
                dim = dims.add()
                if isinstance(size, str):
                    dim.dim_param = size
                else:
                    dim.dim_value = size


def store_weights_fp16(proto: onnx.ModelProto) -> onnx.ModelProto:
    """Store every large float32 initializer as float16, followed by a Cast back to float32.

    Graph inputs/outputs and all arithmetic stay float32: only the stored weights are rounded. The DFT
    matrices of the Fourier blocks are Constant nodes, not initializers, and keep float32 (rounding them
    would turn the exact transform into an approximate one).
    """
    graph = proto.graph
    kept, casts = [], []
    for init in graph.initializer:
        numel = int(np.prod(init.dims)) if init.dims else 1
        if init.data_type != TensorProto.FLOAT or numel < FP16_MIN_ELEMENTS:
            kept.append(init)
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), f"{init.name}__fp16")
        kept.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT, name=f"{init.name}__cast"))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(proto)
    return proto


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def export_model_folder(
    model: SamModel,
    out: Path,
    *,
    contract: str,
    precision: str,
    name: str,
    version: str,
    sources: list[dict],
    created_at: str | None = None,
    log=print,
) -> dict:
    """Write encoder.onnx, decoder.onnx and model.json into `out` (atomically: all or nothing)."""
    if contract not in ("sam", "medsam"):
        raise ExportError(f"unknown contract {contract!r}", "use --contract sam or --contract medsam")
    if precision not in PRECISIONS:
        raise ExportError(f"unknown precision {precision!r}", "use --precision fp32, fp16 or int8")
    previous_ops = model.numerics.ops
    model.numerics.ops = "export"  # trace the ONNX-friendly forms (DFT products, explicit statistics)
    try:
        manifest, timings = _write_folder(model, out, contract, precision, name, version, sources, created_at, log)
    finally:
        model.numerics.ops = previous_ops
    return {"manifest": manifest, "seconds": timings}


def _write_folder(model, out, contract, precision, name, version, sources, created_at, log):
    spec = io_spec(model)
    timings = {}
    quantization = None
    with atomic_directory(out) as tmp:
        graphs = {}
        for role, module, filename in (
            ("encoder", EncoderGraph(model), ENCODER_FILE),
            ("decoder", DecoderGraph(model), DECODER_FILE),
        ):
            start = time.perf_counter()
            path = tmp / filename
            proto = export_graph(module, spec[role], path)
            # Reduced precision is for the encoder's weights only: the decoder is 16 MB, and its rounding
            # moves masks as much as the encoder's (bench/results/fp16-fidelity.md).
            if precision == "fp16" and role == "encoder":
                path.write_bytes(store_weights_fp16(proto).SerializeToString())
            if precision == "int8" and role == "encoder":  # the encoder's weight products
                quantization = quantize_encoder(proto).manifest_record(os.path.getsize(path))  # fp32 as written
                path.write_bytes(proto.SerializeToString())
            timings[role] = time.perf_counter() - start
            graphs[role] = {
                "file": filename,
                "sha256": file_sha256(path),
                "bytes": os.path.getsize(path),
                **spec[role],
                "largestTensorBytes": largest_tensor_bytes(module, spec[role]),
            }
            log(f"{role}: {filename} {graphs[role]['bytes'] / 1e6:.2f} MB in {timings[role]:.1f} s")
        manifest = {
            "format": MANIFEST_FORMAT,
            "name": name,
            "version": version,
            "decoderKind": model.kind,
            "contract": contract,
            "precision": precision,
            **({"quantization": quantization} if quantization else {}),
            **({"batchNorm": model.numerics.batchnorm, "fft": model.numerics.fft} if model.kind == "robust" else {}),
            "provenance": {
                "tool": f"{TOOL_NAME} {TOOL_VERSION}",
                "createdAt": created_at or utc_now(),
                "config": model.cfg.name,
                "sources": sources,
            },
            "graphs": graphs,
        }
        write_manifest(tmp / "model.json", manifest)
    return manifest, timings
