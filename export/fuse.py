"""Module-wise fusion: image and prompt encoder from MedSAM, mask decoder from RobustSAM (or from a
fine-tuned decoder checkpoint), checked strictly, with the provenance of every tensor group."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from .checkpoint import Checkpoint, detect_config, expected_layout, is_robust_key, layout_problems
from .errors import ExportError
from .files import write_file_atomic

GROUPS = (
    ("image_encoder", "image encoder", lambda k: k.startswith("image_encoder.")),
    ("prompt_encoder", "prompt encoder", lambda k: k.startswith("prompt_encoder.")),
    ("mask_decoder.sam", "mask decoder (SAM part)", lambda k: k.startswith("mask_decoder.") and not is_robust_key(k)),
    ("mask_decoder.robust", "mask decoder (RobustSAM additions)", is_robust_key),
)


@dataclass
class GroupSource:
    group: str
    label: str
    role: str
    checkpoint: Checkpoint
    tensors: int
    values: int


def _decoder_tensors(checkpoint: Checkpoint) -> dict[str, torch.Tensor]:
    """mask_decoder.* tensors; a decoder-only file with bare keys (transformer.*, iou_token.*) is accepted."""
    state = checkpoint.state
    prefixed = {k: v for k, v in state.items() if k.startswith("mask_decoder.")}
    if prefixed:
        return prefixed
    return {f"mask_decoder.{k}": v for k, v in state.items()}


def _take(checkpoint: Checkpoint, role: str, tensors: dict, expected: dict, prefixes: tuple[str, ...]) -> dict:
    want = {k: v for k, v in expected.items() if k.startswith(prefixes)}
    have = {k: v for k, v in tensors.items() if k.startswith(prefixes)}
    problems = layout_problems(have, want)
    if problems:
        raise ExportError(
            f"--{role} {checkpoint.path}: its {' and '.join(p.rstrip('.') for p in prefixes)} tensors do not match the layout:\n"
            + "\n".join(problems),
            {
                "medsam": "pass medsam_vit_b.pth (SAM ViT-B key layout)",
                "robustsam": "pass robustsam_checkpoint_b.pth (SAM ViT-B keys + 89 RobustSAM decoder keys)",
                "decoder": "pass a RobustSAM-layout decoder (full checkpoint, mask_decoder.* keys, or bare decoder keys)",
            }[role],
        )
    return have


def fuse(medsam: Checkpoint, robustsam: Checkpoint, decoder: Checkpoint | None, out: Path, log=print) -> dict:
    cfg = detect_config(medsam.state, str(medsam.path))
    expected = expected_layout(cfg, "robust")
    fused: dict[str, torch.Tensor] = {}
    fused.update(_take(medsam, "medsam", medsam.state, expected, ("image_encoder.", "prompt_encoder.")))
    decoder_source = decoder or robustsam
    role = "decoder" if decoder else "robustsam"
    fused.update(_take(decoder_source, role, _decoder_tensors(decoder_source), expected, ("mask_decoder.",)))
    if decoder is not None:  # the RobustSAM file is then only a cross-check of the layout
        _take(robustsam, "robustsam", _decoder_tensors(robustsam), expected, ("mask_decoder.",))
    problems = layout_problems(fused, expected)
    if problems:  # cannot happen when the groups above passed; kept as the final guarantee
        raise ExportError("fused state does not match the layout:\n" + "\n".join(problems))

    sources = {"image_encoder": ("medsam", medsam), "prompt_encoder": ("medsam", medsam)}
    sources["mask_decoder.sam"] = (role, decoder_source)
    sources["mask_decoder.robust"] = (role, decoder_source)
    report = []
    log(f"fused {cfg.name} robust checkpoint -> {out}")
    for group, label, belongs in GROUPS:
        keys = [k for k in fused if belongs(k)]
        src_role, src = sources[group]
        values = sum(fused[k].numel() for k in keys)
        report.append(
            {"group": group, "tensors": len(keys), "values": values, "role": src_role, "file": src.path.name, "sha256": src.sha256}
        )
        log(f"  {label:36s} {len(keys):4d} tensors {values / 1e6:8.2f}M values <- {src_role}: {src.path.name} (sha256 {src.sha256[:12]}...)")
    for name, ckpt, used in (("medsam", medsam, ("image_encoder.", "prompt_encoder.")), (role, decoder_source, ("mask_decoder.",))):
        ignored = [k for k in ckpt.state if not k.startswith(used)]
        if ignored:
            log(f"  ignored from --{name} {ckpt.path.name}: {len(ignored)} tensors ({', '.join(sorted({k.split('.')[0] for k in ignored}))})")
    provenance = {
        "fusedFrom": [
            {"role": "medsam", "file": medsam.path.name, "sha256": medsam.sha256},
            {"role": "robustsam", "file": robustsam.path.name, "sha256": robustsam.sha256},
        ]
        + ([{"role": "decoder", "file": decoder.path.name, "sha256": decoder.sha256}] if decoder else []),
        "groups": report,
    }
    write_file_atomic(out, lambda tmp: torch.save(fused, tmp))
    write_file_atomic(provenance_path(out), lambda tmp: tmp.write_text(json.dumps(provenance, indent=2) + "\n"))
    log(f"  provenance: {provenance_path(out)}")
    return provenance


def provenance_path(checkpoint: Path) -> Path:
    """The sidecar that `fuse` writes and `onnx` reads: <checkpoint>.provenance.json."""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(checkpoint.name + ".provenance.json")
