"""`python3 -m export crosscheck-int8`: `export quantize` against onnxruntime's own quantizer.

quantize.py writes the int8 encoder with the `onnx` package because onnxruntime's Python package is not a
Debian package. This study checks that it writes what `onnxruntime.quantization.quantize_dynamic` writes with
the same choices (int8 weights, one scale per output column, MatMul and Gemm), on the same fp32 encoders:
  1. the same weight products replaced, paired by the float output each replacement writes;
  2. the same int8 weights and scales, value for value;
  3. the same outputs when onnxruntime (Python, CPU) runs both on seeded random images, and how far each is
     from fp32, with onnxruntime's default form (one weight scale per tensor) beside them for scale.

It needs a Python with onnxruntime (and the numpy and onnx it needs), which this project's machines and
CI do not have as Debian packages; it is a study, not a test. Results go to
bench/results/int8-crosscheck.{json,md}.
"""

from __future__ import annotations

import copy
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from .errors import ExportError
from .files import write_file_atomic
from .machine import machine
from .quantize import find_weight_products, quantize_encoder, read_fp32_folder

ONNXRUNTIME_HINT = (
    "run it with a Python that has onnxruntime: e.g. `python3 -m pip install --target /tmp/ort onnxruntime numpy "
    "onnx ml_dtypes` (on a machine with a package index), then `PYTHONPATH=/tmp/ort python3 -m export crosscheck-int8`"
)
# The chain from a MatMulInteger to the float value it replaces: Cast, Mul by the scales, Add of a Gemm's bias.
CHAIN_DEPTH = 3


def require_onnxruntime():
    try:
        import onnxruntime
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as err:
        raise ExportError(f"onnxruntime's Python package is not importable ({err})", ONNXRUNTIME_HINT) from err
    return onnxruntime, quantize_dynamic, QuantType


def integer_products(graph: onnx.GraphProto, product_outputs: set[str]) -> dict[str, dict]:
    """Each MatMulInteger of an int8 graph, keyed by the fp32 product output it stands for, with its int8
    weight and per-column scale (the initializer multiplied with the activation's scale). A graph not in
    that form is an ExportError naming the node."""
    inits = {i.name: i for i in graph.initializer}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    producer: dict[str, onnx.NodeProto] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
        for name in node.output:
            producer[name] = node

    def unexpected(node: onnx.NodeProto, what: str) -> ExportError:
        return ExportError(f"{node.name or node.output[0]}: {what}", "compare graphs written by `quantize` or `quantize_dynamic`")

    found: dict[str, dict] = {}
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            continue
        value, scale = node.output[0], None
        for _ in range(CHAIN_DEPTH):
            steps = consumers.get(value, [])
            if len(steps) != 1:
                raise unexpected(node, f"{value!r} is read by {len(steps)} nodes, not 1, before the float product")
            (step,) = steps
            if step.op_type == "Mul":  # acc_float * (x_scale * w_scale)
                scales = producer.get(next((i for i in step.input if i != value), ""))
                weight_scale = [i for i in (scales.input if scales else []) if i in inits]
                if len(weight_scale) != 1:
                    raise unexpected(node, "its scale is not the activation's scale times one weight-scale initializer")
                scale = numpy_helper.to_array(inits[weight_scale[0]])
            value = step.output[0]
            if value in product_outputs:
                break
        else:
            raise unexpected(node, f"no fp32 weight product found within {CHAIN_DEPTH} nodes of it")
        if scale is None:
            raise unexpected(node, "no Mul by the weight's scale before the float product")
        has_zero_point = len(node.input) > 3 and node.input[3]
        if node.input[1] not in inits or (has_zero_point and node.input[3] not in inits):
            raise unexpected(node, "its int8 weight or zero point is not an initializer")
        zero_point = numpy_helper.to_array(inits[node.input[3]]) if has_zero_point else np.zeros(1)
        found[value] = {"weight": numpy_helper.to_array(inits[node.input[1]]), "scale": scale, "zeroPoint": zero_point}
    return found


def compare_weights(ours: dict[str, dict], theirs: dict[str, dict]) -> dict:
    """Product by product: are the int8 weights and scales the same? Zero points must be 0 on both sides."""
    shared = sorted(set(ours) & set(theirs))
    differing_values = 0
    max_q_diff = 0
    max_scale_rel_diff = 0.0
    for key in shared:
        a, b = ours[key], theirs[key]
        for part in ("weight", "scale"):
            if a[part].shape != b[part].shape:
                raise ExportError(f"{key}: {part} shape {a[part].shape} here, {b[part].shape} in onnxruntime's")
        diff = np.abs(a["weight"].astype(np.int32) - b["weight"].astype(np.int32))
        differing_values += int((diff > 0).sum())
        max_q_diff = max(max_q_diff, int(diff.max(initial=0)))
        max_scale_rel_diff = max(max_scale_rel_diff, float(np.max(np.abs(a["scale"] / b["scale"] - 1))))
    return {
        "productsHere": len(ours),
        "productsOnnxruntime": len(theirs),
        "paired": len(shared),
        "onlyHere": sorted(set(ours) - set(theirs)),
        "onlyOnnxruntime": sorted(set(theirs) - set(ours)),
        "int8Values": int(sum(ours[k]["weight"].size for k in shared)),
        "int8ValuesDiffering": differing_values,
        "maxInt8Difference": max_q_diff,
        "maxScaleRelativeDifference": max_scale_rel_diff,
        "zeroPointsAllZero": all(not np.any(p[k]["zeroPoint"]) for p in (ours, theirs) for k in shared),
    }


def op_counts(proto: onnx.ModelProto, ops=("MatMulInteger", "DynamicQuantizeLinear", "MatMul", "Gemm")) -> dict:
    types = [n.op_type for n in proto.graph.node]
    return {op: types.count(op) for op in ops}


def relative_rms(value: np.ndarray, reference: np.ndarray, name: str) -> float:
    ref = reference.astype(np.float64)
    energy = float(np.mean(ref**2)) if ref.size else 0.0
    if not energy > 0:  # also NaN
        raise ExportError(f"the fp32 encoder's {name!r} is empty, all zero or not finite: nothing to compare against")
    return float(np.sqrt(np.mean((value.astype(np.float64) - ref) ** 2) / energy))


def compare_outputs(ort, graphs: dict[str, Path], images: int, seed: int, threads: int) -> dict:
    """Run every graph on the same seeded standard-normal images (the encoder's input is a normalized
    image); per output: each variant's relative RMS error against fp32, and here vs onnxruntime's.
    One session at a time, without onnxruntime's CPU memory arena: with it a ViT-B encoder session grew by
    about 3 GB a run here (24 GiB ran out on the third), without it it stays under 1.2 GB, as fast."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.enable_cpu_mem_arena = False
    rng = np.random.default_rng(seed)
    outputs: dict[str, list[dict[str, np.ndarray]]] = {}
    seconds: dict[str, float] = {}
    feeds: list[dict[str, np.ndarray]] = []
    for key, path in graphs.items():
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        if not feeds:
            feed = session.get_inputs()[0]
            shape = [d if isinstance(d, int) else 1 for d in feed.shape]
            feeds = [{feed.name: rng.standard_normal(shape).astype(np.float32)} for _ in range(images)]
        names = [o.name for o in session.get_outputs()]
        start = time.perf_counter()
        outputs[key] = [dict(zip(names, session.run(None, f))) for f in feeds]
        seconds[key] = round((time.perf_counter() - start) / images, 2)
        del session
    per_output = {}
    for name in outputs["fp32"][0]:
        pairs = [(here[name], theirs[name]) for here, theirs in zip(outputs["here"], outputs["onnxruntime"])]
        per_output[name] = {
            "relRmsVsFp32": {
                key: [relative_rms(out[name], ref[name], name) for out, ref in zip(runs, outputs["fp32"])]
                for key, runs in outputs.items()
                if key != "fp32"
            },
            "maxAbsHereVsOnnxruntime": max(float(np.abs(a - b).max(initial=0)) for a, b in pairs),
            "identical": all(np.array_equal(a, b) for a, b in pairs),
        }
    return {"outputs": per_output, "secondsPerImage": seconds}


def crosscheck_folder(folder: Path, onnxruntime, *, images: int, seed: int, threads: int, log=print) -> dict:
    """The three comparisons for one fp32 model folder's encoder."""
    ort, quantize_dynamic, QuantType = onnxruntime
    manifest = read_fp32_folder(folder)
    source = folder / manifest["graphs"]["encoder"]["file"]
    fp32 = onnx.load(str(source))
    product_outputs = {p.node.output[0] for p in find_weight_products(fp32.graph)[0]}
    with tempfile.TemporaryDirectory(prefix="crosscheck-int8-") as tmp:
        graphs = {"fp32": source, "here": Path(tmp) / "here.onnx"}
        here = copy.deepcopy(fp32)
        quantize_encoder(here)  # an encoder with no weight product is an error, not an empty comparison
        onnx.save(here, str(graphs["here"]))
        for key, per_channel in (("onnxruntime", True), ("onnxruntime per-tensor", False)):
            graphs[key] = Path(tmp) / f"{key.replace(' ', '-')}.onnx"
            start = time.perf_counter()
            quantize_dynamic(
                source, graphs[key], weight_type=QuantType.QInt8, per_channel=per_channel, op_types_to_quantize=["MatMul", "Gemm"]
            )
            log(f"  quantize_dynamic(per_channel={per_channel}): {time.perf_counter() - start:.1f} s")
        theirs = onnx.load(str(graphs["onnxruntime"]))
        weights = compare_weights(integer_products(here.graph, product_outputs), integer_products(theirs.graph, product_outputs))
        counts = {"here": op_counts(here), "onnxruntime": op_counts(theirs)}
        log(f"  weights: {weights['paired']} products paired, {weights['int8ValuesDiffering']} int8 values differ")
        del fp32, here, theirs  # the ViT-B graphs are hundreds of MB each; the sessions need the memory
        outputs = compare_outputs(ort, graphs, images, seed, threads)
    return {
        "model": str(folder),
        "modelName": manifest.get("name", ""),
        "encoderSha256": manifest["graphs"]["encoder"]["sha256"],
        "weightProducts": len(product_outputs),
        "opCounts": counts,
        "weights": weights,
        "images": images,
        "seed": seed,
        **outputs,
    }


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# int8 rewrite (`export quantize`) vs onnxruntime's `quantize_dynamic`",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores ({m['threads']} onnxruntime threads), Python {m['python']}, "
        f"onnxruntime {m['onnxruntime']}, onnx {m['onnx']}, numpy {m['numpy']}; run {m['date']}, load average "
        f"{m['loadAverage1m']} at the end.",
        "",
        "Reproduce: `PYTHONPATH=<site with onnxruntime> python3 -m export crosscheck-int8 --model <fp32 folder> ...`",
        "(export/crosscheck_int8.py). onnxruntime's side: `quantize_dynamic(weight_type=QInt8, per_channel=True,",
        "op_types_to_quantize=[MatMul, Gemm])`, the choices `export quantize` makes; its default (per_channel=False,",
        "one scale per weight tensor) is run beside it for scale. Outputs: onnxruntime CPU on seeded standard-normal images.",
        "",
        "| model | products (here / onnxruntime / paired) | int8 values differing | max scale rel. diff | MatMulInteger here / ort | DynamicQuantizeLinear here / ort | output | here vs onnxruntime | rel. RMS vs fp32: here | onnxruntime per-column | onnxruntime per-tensor |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in report["models"]:
        w, c = r["weights"], r["opCounts"]
        for i, (name, o) in enumerate(r["outputs"].items()):
            rel = {k: f"{max(v):.4f}" for k, v in o["relRmsVsFp32"].items()}
            same = "identical" if o["identical"] else f"max abs {o['maxAbsHereVsOnnxruntime']:.2g}"
            head = (
                f"| {Path(r['model']).name} | {w['productsHere']} / {w['productsOnnxruntime']} / {w['paired']} | "
                f"{w['int8ValuesDiffering']} of {w['int8Values']} | {w['maxScaleRelativeDifference']:.1g} | "
                f"{c['here']['MatMulInteger']} / {c['onnxruntime']['MatMulInteger']} | "
                f"{c['here']['DynamicQuantizeLinear']} / {c['onnxruntime']['DynamicQuantizeLinear']} |"
                if i == 0
                else "| | | | | | |"
            )
            lines.append(
                f"{head} {name} | {same} | {rel['here']} | {rel['onnxruntime']} | {rel['onnxruntime per-tensor']} |"
            )
    lines += [
        "",
        "- rel. RMS: the largest over the images of ||variant - fp32|| / ||fp32|| per output.",
        "- Zero points: all 0 on both sides "
        + (
            "(checked)."
            if all(r["weights"]["zeroPointsAllZero"] and r["weights"]["paired"] for r in report["models"])
            else "NOT all 0, or no product paired: see the json."
        )
        + " onnxruntime stores one per column, `export quantize` one shared scalar; the arithmetic is the same.",
        "- DynamicQuantizeLinear: onnxruntime quantizes an activation once when several products read it;",
        "  `export quantize` once per product. The values are the same (the op is deterministic).",
        "",
    ]
    for r in report["models"]:
        times = ", ".join(f"{k} {v} s" for k, v in r["secondsPerImage"].items())
        lines.append(f"- {Path(r['model']).name} ({r['modelName']}): encoder s per image: {times}.")
    return "\n".join(lines) + "\n"


def run(models: list[Path], out_stem: Path, *, images: int, seed: int, threads: int, log=print) -> dict:
    onnxruntime = require_onnxruntime()
    out_stem.parent.mkdir(parents=True, exist_ok=True)  # an --out that cannot be made fails now, not after minutes
    results = []
    for folder in models:
        log(f"{folder}:")
        results.append(crosscheck_folder(Path(folder), onnxruntime, images=images, seed=seed, threads=threads, log=log))
    ort = onnxruntime[0]
    report = {
        "machine": machine(threads=threads, onnxruntime=ort.__version__, onnx=onnx.__version__, numpy=np.__version__),
        "models": results,
    }
    texts = {".json": json.dumps(report, indent=2, allow_nan=False) + "\n", ".md": markdown(report)}  # both, then write
    for suffix, text in texts.items():
        write_file_atomic(out_stem.with_suffix(suffix), lambda tmp, text=text: tmp.write_text(text))
    log(f"written: {out_stem}.json, {out_stem}.md")
    return report
