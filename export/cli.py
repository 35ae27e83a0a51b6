"""Command line: `python3 -m export <command>` (or `npm run export -- <command>`)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import TOOL_VERSION
from .errors import ExportError
from .model.numerics import DEFAULT_FFT, FFT_MODES

REPO_ROOT = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def cmd_random(args) -> None:
    import torch

    from .files import write_file_atomic
    from .model.config import CONFIGS
    from .model.sam import build_model, randomize
    from .provenance import state_dict_sha256

    cfg = CONFIGS[args.config]
    model = randomize(build_model(cfg, args.kind), args.seed)
    state = model.state_dict()
    write_file_atomic(Path(args.out), lambda tmp: torch.save(state, tmp))
    values = sum(v.numel() for v in state.values())
    print(f"random {cfg.name} {args.kind} weights (seed {args.seed}): {len(state)} tensors, {values / 1e6:.1f}M values -> {args.out}")
    print(f"weights sha256 {state_dict_sha256(state)}")


def cmd_fuse(args) -> None:
    from .checkpoint import load_checkpoint
    from .fuse import fuse

    medsam = load_checkpoint(args.medsam, args.trust_pickle)
    robustsam = load_checkpoint(args.robustsam, args.trust_pickle)
    decoder = load_checkpoint(args.decoder, args.trust_pickle) if args.decoder else None
    for ckpt in (medsam, robustsam, decoder):
        for note in ckpt.notes if ckpt else []:
            print(f"{ckpt.path.name}: {note}")
    fuse(medsam, robustsam, decoder, Path(args.out))


def cmd_onnx(args) -> None:
    from .checkpoint import load_checkpoint, model_state
    from .fuse import provenance_path
    from .model.numerics import DEFAULT_FFT, Numerics
    from .model.sam import build_model
    from .onnx_export import export_model_folder

    checkpoint = load_checkpoint(args.checkpoint, args.trust_pickle)
    state, cfg, kind, notes = model_state(checkpoint, args.kind)
    for note in notes:
        print(f"{checkpoint.path.name}: {note}")
    if kind == "sam" and args.batchnorm != "per-image":
        print("note: --batchnorm only concerns robust decoders; ignored")
    if kind == "sam" and args.fft != DEFAULT_FFT:
        print("note: --fft only concerns robust decoders (their Fourier blocks); ignored")
    model = build_model(cfg, kind, Numerics(ops="export", batchnorm=args.batchnorm, fft=args.fft))
    model.load_state_dict(state, strict=True)
    sources = [{"role": "checkpoint", "file": checkpoint.path.name, "sha256": checkpoint.sha256}]
    sidecar = provenance_path(checkpoint.path)
    if sidecar.is_file():
        sources += json.loads(sidecar.read_text()).get("fusedFrom", [])
    default_name = {"robust": "RobustMedSAM", "sam": "SAM"}[kind] + (" ViT-B" if cfg.name == "vit_b" else f" ({cfg.name})")
    start = time.perf_counter()
    result = export_model_folder(
        model,
        Path(args.out),
        contract=args.contract,
        precision=args.precision,
        name=args.name or default_name,
        version=args.model_version,
        sources=sources,
    )
    m = result["manifest"]
    print(
        f"model folder {args.out}: {m['decoderKind']} decoder, contract {m['contract']}, {m['precision']}"
        + (f", BatchNorm {m['batchNorm']}" if "batchNorm" in m else "")
        + (f", FFT {m['fft']}" if "fft" in m else "")
        + f", {time.perf_counter() - start:.1f} s"
    )


def cmd_quantize(args) -> None:
    from .quantize import quantize_model_folder

    quantize_model_folder(Path(args.model), Path(args.out))
    print(f"model folder {args.out}: int8 encoder, decoder copied from {args.model}")


def cmd_crosscheck_int8(args) -> None:
    from .crosscheck_int8 import run

    if args.images < 1:
        raise ExportError(f"--images must be at least 1, found {args.images}", "compare on one image or more")
    fixtures = REPO_ROOT / "test" / "fixtures" / "models"
    models = [Path(m) for m in args.model] if args.model else [fixtures / "tiny-robust", fixtures / "tiny-sam"]
    run(models, Path(args.out), images=args.images, seed=args.seed, threads=args.threads)


def cmd_fixtures(args) -> None:
    from .fixtures import write_fixtures

    write_fixtures(Path(args.root))


def cmd_bench_sizes(args) -> None:
    import torch

    from .bench_sizes import run

    if args.threads:
        torch.set_num_threads(args.threads)
    run(Path(args.work), Path(args.results))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="export",
        description="RobustMedSAM checkpoint fusion and ONNX export (see export/README.md).",
    )
    parser.add_argument("--version", action="version", version=f"export {TOOL_VERSION}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("random", help="random weights in the real key layout (fixtures, benchmarks)")
    p.add_argument("--config", choices=["tiny", "vit_b"], required=True)
    p.add_argument("--kind", choices=["robust", "sam"], default="robust", help="robust (default) also holds every SAM key")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="checkpoint file to write (.pth)")
    p.set_defaults(run=cmd_random)

    p = sub.add_parser("fuse", help="image + prompt encoder from MedSAM, mask decoder from RobustSAM (or --decoder)")
    p.add_argument("--medsam", required=True, help="medsam_vit_b.pth")
    p.add_argument("--robustsam", required=True, help="robustsam_checkpoint_b.pth")
    p.add_argument("--decoder", help="a fine-tuned RobustSAM-layout decoder to use instead of RobustSAM's")
    p.add_argument("--out", required=True, help="fused checkpoint to write (+ <out>.provenance.json)")
    p.add_argument("--trust-pickle", action="store_true", help="allow checkpoints holding Python objects (trusted files only)")
    p.set_defaults(run=cmd_fuse)

    p = sub.add_parser("onnx", help="export a model folder (encoder.onnx, decoder.onnx, model.json)")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--kind", choices=["robust", "sam"], help="decoder kind (default: robust when the checkpoint has RobustSAM's keys)")
    p.add_argument("--contract", choices=["sam", "medsam"], required=True, help="preprocessing contract written to model.json")
    p.add_argument(
        "--precision",
        choices=["fp32", "fp16", "int8"],
        default="fp32",
        help="stored weights (int8: the encoder's weight products quantized, decoder fp32); graph I/O is float32 either way",
    )
    p.add_argument(
        "--batchnorm",
        choices=["per-image", "running"],
        default="per-image",
        help="robust decoders: per-image statistics as the reference inference runs (default) or running stats",
    )
    p.add_argument(
        "--fft",
        choices=list(FFT_MODES),
        default=DEFAULT_FFT,
        help=f"robust decoders: Fourier blocks as ONNX DFT nodes (dft-op: FFTs on onnxruntime's CPU EP, no WebGPU kernel) "
        f"or as DFT matrix products (matmul: every EP); default {DEFAULT_FFT}",
    )
    p.add_argument("--name", help="model name in model.json")
    p.add_argument("--model-version", default="1.0.0", help="model version in model.json")
    p.add_argument("--out", required=True, help="model folder to write (replaced atomically)")
    p.add_argument("--trust-pickle", action="store_true", help="allow checkpoints holding Python objects (trusted files only)")
    p.set_defaults(run=cmd_onnx)

    p = sub.add_parser("quantize", help="an fp32 model folder -> the same model with an int8 encoder (seconds, no re-export)")
    p.add_argument("--model", required=True, help="fp32 model folder (made by `onnx`)")
    p.add_argument("--out", required=True, help="model folder to write (replaced atomically)")
    p.set_defaults(run=cmd_quantize)

    p = sub.add_parser("crosscheck-int8", help="`quantize` against onnxruntime's quantize_dynamic (needs onnxruntime's Python package)")
    p.add_argument("--model", action="append", help="fp32 model folder (repeat; default: the two tiny fixtures)")
    p.add_argument("--out", default=str(REPO_ROOT / "bench" / "results" / "int8-crosscheck"), help="results, .json and .md")
    p.add_argument("--images", type=int, default=2, help="seeded random images per model")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads")
    p.set_defaults(run=cmd_crosscheck_int8)

    p = sub.add_parser("fixtures", help="regenerate test/fixtures deterministically")
    p.add_argument("--root", default=str(REPO_ROOT / "test" / "fixtures"))
    p.set_defaults(run=cmd_fixtures)
    p = sub.add_parser("bench-sizes", help="ViT-B random-weight export: sizes, times, fp16 difference (minutes)")
    p.add_argument("--work", default=str(REPO_ROOT / "out" / "bench-models"), help="where the model folders go")
    p.add_argument("--results", default=str(REPO_ROOT / "bench" / "results"))
    p.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    p.set_defaults(run=cmd_bench_sizes)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except ExportError as err:
        print(f"export {args.command}: error: {err}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as err:  # disk full, permission denied, ...: nothing half-written stays behind
        print(f"export {args.command}: error: {err}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"export {args.command}: interrupted; nothing was written", file=sys.stderr)
        return 130
    return EXIT_OK
