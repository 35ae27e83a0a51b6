"""`python3 -m export bench-sizes`: a ViT-B-size random-weight export, timed, with graph sizes and the
fp16-vs-fp32 difference, written to bench/results/export-sizes.{json,md}.

The model folders stay under --work (default out/bench-models, git-ignored) for the runtime's
latency benchmarks: vit_b-robust (fp32, contract sam), vit_b-robust-fp16, vit_b-sam.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import onnx
import torch

from .checkpoint import load_checkpoint, model_state
from .graphs import DecoderGraph, EncoderGraph, example_inputs, io_spec
from .machine import machine as machine_info
from .macs import count_macs
from .files import write_file_atomic
from .model.config import VIT_B
from .model.numerics import Numerics
from .model.sam import build_model, randomize
from .onnx_export import export_model_folder
from .provenance import state_dict_sha256
from .reference import CT_WINDOW, Prompt, segment, window_to_u8
from .synthetic import synthetic_ct

SEED = 0
REPO_ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict:
    blas = "unknown"
    try:
        blas = os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu")
    except OSError:
        pass
    return machine_info(torchThreads=torch.get_num_threads(), torch=torch.__version__, onnx=onnx.__version__, blas=blas)


def graph_stats(folder: Path) -> dict:
    manifest = json.loads((folder / "model.json").read_text())
    out = {}
    for role, spec in manifest["graphs"].items():
        proto = onnx.load(str(folder / spec["file"]), load_external_data=False)
        out[role] = {
            "bytes": spec["bytes"],
            "nodes": len(proto.graph.node),
            "initializerValues": int(sum(np.prod(i.dims) if i.dims else 1 for i in proto.graph.initializer)),
        }
    return out


# The weights SamModel.encode uses (the encoder graph's): the ViT and RobustSAM's two image-side blocks.
ENCODER_WEIGHT_PREFIXES = (
    "image_encoder.",
    "mask_decoder.fourier_first_layer_features.",
    "mask_decoder.fourier_last_layer_features.",
)


def reference_results(state: dict, log) -> dict:
    """The PyTorch reference pipeline on a synthetic 512x512 CT slice with a box (contract sam), with the
    fp32 weights and with the encoder's weights rounded to fp16 (fp32 arithmetic), which is what an
    `--precision fp16` folder computes."""
    hu = synthetic_ct(512, 512, 21)
    u8 = window_to_u8(hu, CT_WINDOW)
    prompt = Prompt(box=(120, 140, 330, 360))
    results = {}
    for name, rounded in (("fp32", False), ("fp16", True)):
        model = build_model(VIT_B, "robust", Numerics(ops="reference"))
        weights = {
            k: (v.half().float() if rounded and v.is_floating_point() and k.startswith(ENCODER_WEIGHT_PREFIXES) else v)
            for k, v in state.items()
        }
        model.load_state_dict(weights)
        start = time.perf_counter()
        results[name] = segment(model, u8, prompt, "sam")
        log(f"  reference forward ({name} weights): {time.perf_counter() - start:.1f} s")
    return results


def fp16_difference(results: dict) -> dict:
    a, b = results["fp32"], results["fp16"]
    inter = int((a.mask & b.mask).sum())
    total = int(a.mask.sum() + b.mask.sum())
    return {
        "embeddingsMaxAbsDiff": float((a.image_embeddings - b.image_embeddings).abs().max()),
        "embeddingsMaxAbs": float(a.image_embeddings.abs().max()),
        "robustFeaturesMaxAbsDiff": float((a.robust_features - b.robust_features).abs().max()),
        "logitsMaxAbsDiff": float((a.low_res_logits - b.low_res_logits).abs().max()),
        "logitsMaxAbs": float(a.low_res_logits.abs().max()),
        "iouDiff": float((a.iou_prediction - b.iou_prediction).abs().max()),
        "maskDice": 1.0 if total == 0 else 2 * inter / total,
        "maskPixelsDiffering": int((a.mask != b.mask).sum()),
        "maskPixels": int(a.mask.size),
    }


def onnx_parity(reference, folders: dict[str, Path], work: Path, log) -> dict:
    """Run the exported full-size graphs with onnxruntime-node (bench/export-sizes.parity.mjs) on the
    reference's inputs and compare with the fp32 PyTorch outputs. Skipped (with the reason) without node."""
    data = work / "parity"
    data.mkdir(exist_ok=True)
    tensors = {
        "image": reference.prepared.image,
        "point_coords": torch.tensor([reference.point_coords], dtype=torch.float32),
        "point_labels": torch.tensor([reference.point_labels], dtype=torch.float32),
        "mask_input": torch.zeros(1, 1, 256, 256),
        "has_mask_input": torch.zeros(1),
        "expected.image_embeddings": reference.image_embeddings,
        "expected.robust_features": reference.robust_features,
        "expected.low_res_logits": reference.low_res_logits,
        "expected.iou_prediction": reference.iou_prediction,
    }
    spec = {"tensors": {}, "decoderFeeds": ["point_coords", "point_labels", "mask_input", "has_mask_input"]}
    spec["expected"] = [n.split(".", 1)[1] for n in tensors if n.startswith("expected.")]
    for name, value in tensors.items():
        file = f"{name}.f32"
        (data / file).write_bytes(value.detach().contiguous().numpy().astype("<f4").tobytes())
        spec["tensors"][name] = {"file": file, "shape": list(value.shape)}
    (data / "parity.json").write_text(json.dumps(spec))
    script = REPO_ROOT / "bench" / "export-sizes.parity.mjs"
    out = {}
    for label, folder in folders.items():
        try:
            run = subprocess.run(
                ["node", str(script), str(folder), str(data)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=900
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            out[label] = {"skipped": str(err)}
            continue
        if run.returncode != 0:
            out[label] = {"skipped": run.stderr.strip()[-500:]}
            continue
        out[label] = json.loads(run.stdout.strip().splitlines()[-1])
        log(f"  onnxruntime-node {label}: {out[label]}")
    return out


def run(work: Path, results: Path, log=print) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine(), "steps": []}
    checkpoint = work / "vit_b-random.pth"
    start = time.perf_counter()
    model = randomize(build_model(VIT_B, "robust"), SEED)
    state = model.state_dict()
    write_file_atomic(checkpoint, lambda tmp: torch.save(state, tmp))
    report["steps"].append({"step": "random --config vit_b", "seconds": time.perf_counter() - start, "bytes": checkpoint.stat().st_size})
    log(f"random vit_b: {checkpoint} ({checkpoint.stat().st_size / 1e6:.0f} MB)")
    report["weightsSha256"] = state_dict_sha256(state)
    del model
    folders = {}
    for label, kind, precision in (
        ("vit_b-robust", "robust", "fp32"),
        ("vit_b-robust-fp16", "robust", "fp16"),
        ("vit_b-sam", "sam", "fp32"),
    ):
        start = time.perf_counter()
        ckpt = load_checkpoint(checkpoint)
        loaded, cfg, kind, _ = model_state(ckpt, kind)
        m = build_model(cfg, kind, Numerics(ops="export"))
        m.load_state_dict(loaded)
        macs, counting = {}, time.perf_counter()
        if precision == "fp32":  # the same arithmetic whatever the stored precision
            spec = io_spec(m)
            macs["decoder"] = count_macs(DecoderGraph(m), example_inputs(spec["decoder"]["inputs"]))
            if kind == "robust":
                macs["encoder"] = count_macs(EncoderGraph(m), example_inputs(spec["encoder"]["inputs"]))
            log(f"{label} GMAC: " + ", ".join(f"{k} {v / 1e9:.2f}" for k, v in macs.items()))
        start += time.perf_counter() - counting  # the count is not part of the export time
        folder = work / label
        result = export_model_folder(
            m,
            folder,
            contract="sam",
            precision=precision,
            name=f"random ViT-B {kind} (benchmark)",
            version="0.0.0",
            sources=[{"role": "random-weights", "file": checkpoint.name, "sha256": ckpt.sha256}],
            log=lambda msg, label=label: log(f"{label} {msg}"),
        )
        seconds = time.perf_counter() - start
        folders[label] = folder
        report["steps"].append(
            {
                "step": f"onnx --kind {kind} --precision {precision}",
                # Relative to the repository where it lies there: results never name the machine's folders.
                "folder": str(folder.resolve().relative_to(REPO_ROOT)) if folder.resolve().is_relative_to(REPO_ROOT) else str(folder),
                "seconds": seconds,
                "graphSeconds": result["seconds"],
                "graphs": graph_stats(folder),
                "macs": macs,
            }
        )
        del m
    log("PyTorch reference (fp32 weights, then the encoder's rounded to fp16):")
    references = reference_results(state, log)
    report["fp16VsFp32"] = fp16_difference(references)
    robust = {label: folders[label] for label in ("vit_b-robust", "vit_b-robust-fp16")}
    report["onnxVsPytorch"] = onnx_parity(references["fp32"], robust, work, log)
    results.mkdir(parents=True, exist_ok=True)
    write_file_atomic(results / "export-sizes.json", lambda tmp: tmp.write_text(json.dumps(report, indent=2) + "\n"))
    write_file_atomic(results / "export-sizes.md", lambda tmp: tmp.write_text(markdown(report)))
    return report


def parity_rows(parity: dict) -> list[str]:
    rows = []
    for label, result in parity.items():
        if "skipped" in result:
            rows.append(f"| {label} | skipped: {result['skipped'][:80]} | | | | |")
            continue
        cells = [
            f"{result[n]['maxAbsDiff']:.2g} (max {result[n]['maxAbs']:.3g})"
            for n in ("image_embeddings", "robust_features", "low_res_logits", "iou_prediction")
        ]
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {result['encoderMs']} |")
    return rows


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# Export sizes and times (ViT-B, random weights)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores (torch threads {m['torchThreads']}), Python {m['python']}, "
        f"torch {m['torch']}, onnx {m['onnx']}, BLAS {m['blas']}; run {m['date']}"
        + (f", load average {m['loadAverage1m']} at start (shared machine: times are upper bounds)." if "loadAverage1m" in m else "."),
        "",
        "Reproduce: `npm run export -- bench-sizes` (writes the model folders to out/bench-models/, git-ignored).",
        "GMAC: multiply-accumulates per run (decoder: a box and one point), counted by export/macs.py; the SAM",
        "encoder is ~486 GMAC, the robust one adds RobustSAM's two image-side blocks.",
        "",
        "| step | encoder MB | decoder MB | encoder GMAC | decoder GMAC | encoder export s | decoder export s | total s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for step in report["steps"]:
        if "graphs" not in step:
            lines.append(f"| {step['step']} ({step['bytes'] / 1e6:.0f} MB .pth) | | | | | | | {step['seconds']:.1f} |")
            continue
        g, s, macs = step["graphs"], step["graphSeconds"], step.get("macs", {})
        gmac = {role: f"{macs[role] / 1e9:.1f}" if role in macs else "" for role in ("encoder", "decoder")}
        lines.append(
            f"| {step['step']} | {g['encoder']['bytes'] / 1e6:.1f} | {g['decoder']['bytes'] / 1e6:.1f} | "
            f"{gmac['encoder']} | {gmac['decoder']} | {s['encoder']:.1f} | {s['decoder']:.1f} | {step['seconds']:.1f} |"
        )
    d = report["fp16VsFp32"]
    lines += [
        "",
        "fp16-stored encoder weights vs fp32 (graph I/O and arithmetic float32; measured with the PyTorch reference on a",
        "synthetic 512x512 CT slice, box prompt, contract sam):",
        "",
        "| quantity | value |",
        "| --- | --- |",
        f"| image_embeddings max abs diff (max abs value) | {d['embeddingsMaxAbsDiff']:.3g} ({d['embeddingsMaxAbs']:.3g}) |",
        f"| robust_features max abs diff | {d['robustFeaturesMaxAbsDiff']:.3g} |",
        f"| low_res_logits max abs diff (max abs value) | {d['logitsMaxAbsDiff']:.3g} ({d['logitsMaxAbs']:.3g}) |",
        f"| IoU prediction diff | {d['iouDiff']:.3g} |",
        f"| final mask Dice fp16 vs fp32 | {d['maskDice']:.5f} ({d['maskPixelsDiffering']} of {d['maskPixels']} pixels differ) |",
        "",
        "Full-size graphs in onnxruntime-node against the fp32 PyTorch reference (same preprocessed input and",
        "prompt; `bench/export-sizes.parity.mjs`):",
        "",
        "| model folder | image_embeddings | robust_features | low_res_logits | iou_prediction | encoder ms |",
        "| --- | --- | --- | --- | --- | --- |",
        *parity_rows(report.get("onnxVsPytorch", {})),
        "",
        "int8 (`export quantize`, the encoder's weight products) is measured in bench/results/int8-encoder.md;",
        "fp16 on many boxes of the bundled samples in bench/results/fp16-fidelity.md.",
        "",
    ]
    return "\n".join(lines)
