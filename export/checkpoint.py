"""Reading checkpoints strictly against the SAM / RobustSAM key layouts.

Accepted: robustmedsam_best.pth, fused checkpoints written by `fuse`, robustsam_checkpoint_b.pth
(all: SAM layout + RobustSAM's 89 decoder additions), medsam_vit_b.pth and sam_vit_b_01ec64.pth (SAM
layout), each possibly wrapped ({"model": ...} / {"state_dict": ...}) and possibly with `module.`
prefixes (DataParallel). The expected layout is the one our modules define; export/tests prove it equal
to ../shared/data/checkpoint-layout/*.json key for key, shape for shape.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import ExportError
from .model.config import CONFIGS, ModelConfig
from .model.sam import build_model
from .provenance import file_sha256

WRAPPER_KEYS = ("model", "state_dict", "model_state_dict", "net")
ROBUST_MARKER = "mask_decoder.custom_robust_token.weight"
ROBUST_PREFIXES = (
    "mask_decoder.custom_robust_token.",
    "mask_decoder.robust_mlp.",
    "mask_decoder.fourier_mask_features.",
    "mask_decoder.fourier_first_layer_features.",
    "mask_decoder.fourier_last_layer_features.",
    "mask_decoder.custom_token_block.",
)
LIST_LIMIT = 400  # names listed per problem kind in one error (a decoder-only file misses ~200)


def is_robust_key(key: str) -> bool:
    return key.startswith(ROBUST_PREFIXES)


@dataclass
class Checkpoint:
    path: Path
    sha256: str
    state: dict[str, torch.Tensor]
    notes: list[str]


def load_checkpoint(path: str | Path, trust_pickle: bool = False) -> Checkpoint:
    """Load a state_dict: unwrap, strip `module.`, float tensors to float32. No layout check yet."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"checkpoint {path} does not exist", "check the path")
    notes: list[str] = []
    try:
        obj = torch.load(path, map_location="cpu", weights_only=not trust_pickle)
    except pickle.UnpicklingError as err:
        if "Unsupported class" in str(err):
            raise ExportError(
                f"{path} holds Python objects besides tensors ({str(err).rsplit(':', 1)[-1].strip()}), which are not "
                "loaded by default",
                "if you trust where the file came from, add --trust-pickle",
            ) from err
        raise _unreadable(path, err) from err
    except Exception as err:  # torch raises many kinds on a truncated or foreign file
        raise _unreadable(path, err) from err
    if isinstance(obj, torch.nn.Module):  # a whole pickled model (only loadable with --trust-pickle)
        notes.append("state_dict taken from a pickled nn.Module")
        obj = obj.state_dict()
    if isinstance(obj, dict):
        for key in WRAPPER_KEYS:
            if isinstance(obj.get(key), dict) and obj[key] and all(
                isinstance(v, torch.Tensor) for v in obj[key].values()
            ):
                notes.append(f"state_dict taken from the checkpoint's {key!r} entry")
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ExportError(
            f"{path} does not hold a state_dict (a dict of tensors), nor one under {', '.join(WRAPPER_KEYS)}",
            "pass the model weights file (e.g. robustmedsam_best.pth, medsam_vit_b.pth)",
        )
    state: dict[str, torch.Tensor] = {}
    stripped = 0
    for key, value in obj.items():
        if key.startswith("module."):
            key = key[len("module.") :]
            stripped += 1
        if value.is_floating_point() and value.dtype != torch.float32:
            value = value.float()
        state[key] = value
    if stripped:
        notes.append(f"stripped 'module.' from {stripped} keys")
    return Checkpoint(path, file_sha256(path), state, notes)


def _unreadable(path: Path, err: Exception) -> ExportError:
    detail = str(err).rsplit("WeightsUnpickler error:", 1)[-1].strip()
    return ExportError(
        f"{path} is not a readable PyTorch checkpoint ({type(err).__name__}: {detail})",
        "the file may be truncated or not a .pth file: download it again and compare its sha256",
    )


def detect_config(state: dict[str, torch.Tensor], where: str) -> ModelConfig:
    weight = state.get("image_encoder.patch_embed.proj.weight")
    if weight is None:
        decoder_only = all(k.startswith("mask_decoder.") for k in state) or "transformer.layers.0.norm1.weight" in state
        raise ExportError(
            f"{where} has no image encoder (no image_encoder.patch_embed.proj.weight)"
            + (": it holds only a mask decoder" if decoder_only else ""),
            "a decoder-only checkpoint needs encoders: `fuse --medsam medsam_vit_b.pth --robustsam "
            "robustsam_checkpoint_b.pth --decoder <this file> --out fused.pth`, then export fused.pth"
            if decoder_only
            else "pass a full SAM-family checkpoint (SAM ViT-B key layout)",
        )
    for cfg in CONFIGS.values():
        if weight.shape[0] == cfg.encoder_dim:
            return cfg
    raise ExportError(
        f"{where}: ViT width {weight.shape[0]} is none of {', '.join(f'{c.name} ({c.encoder_dim})' for c in CONFIGS.values())}",
        "only SAM ViT-B checkpoints (and the tiny test config) are supported",
    )


def expected_layout(cfg: ModelConfig, kind: str) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    model = build_model(cfg, kind)
    return {k: (tuple(v.shape), v.dtype) for k, v in model.state_dict().items()}


def layout_problems(
    state: dict[str, torch.Tensor], expected: dict[str, tuple[tuple[int, ...], torch.dtype]]
) -> list[str]:
    """Every missing key, unexpected key and shape mismatch, as readable lines (empty when exact)."""
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [
        f"{k}: shape {list(state[k].shape)}, expected {list(expected[k][0])}"
        for k in expected
        if k in state and tuple(state[k].shape) != expected[k][0]
    ]
    lines = []
    for title, items in (("missing keys", missing), ("unexpected keys", unexpected), ("shape mismatches", wrong)):
        if items:
            lines.append(f"{len(items)} {title}:")
            lines += [f"  {item}" for item in items[:LIST_LIMIT]]
            if len(items) > LIST_LIMIT:
                lines.append(f"  ... and {len(items) - LIST_LIMIT} more")
    return lines


def check_layout(state: dict[str, torch.Tensor], cfg: ModelConfig, kind: str, where: str) -> None:
    problems = layout_problems(state, expected_layout(cfg, kind))
    if problems:
        has_robust = any(is_robust_key(k) for k in state)
        hint = "the file does not match the SAM ViT-B key layout (../shared/data/checkpoint-layout/)"
        if kind == "robust" and not has_robust:
            hint = "this is a plain SAM/MedSAM checkpoint: export it with --kind sam, or `fuse` it with a RobustSAM decoder"
        raise ExportError(f"{where} does not match the {cfg.name} {kind} layout:\n" + "\n".join(problems), hint)


def model_state(checkpoint: Checkpoint, kind: str | None) -> tuple[dict[str, torch.Tensor], ModelConfig, str, list[str]]:
    """The tensors a model of `kind` (inferred when None) loads from this checkpoint, checked strictly.

    A robust checkpoint exported as `sam` keeps SAM's own decoder path (mask tokens, hypernetworks), which
    RobustSAM checkpoints carry too; its 89 additions are then left out, and a note says so.
    """
    where = str(checkpoint.path)
    state = dict(checkpoint.state)
    cfg = detect_config(state, where)
    has_robust = ROBUST_MARKER in state
    kind = kind or ("robust" if has_robust else "sam")
    notes = list(checkpoint.notes)
    if kind == "sam" and has_robust:
        dropped = [k for k in state if is_robust_key(k)]
        for k in dropped:
            del state[k]
        notes.append(
            f"left out {len(dropped)} RobustSAM decoder tensors: exporting the plain SAM decoder path of this "
            "checkpoint (its mask tokens and hypernetworks)"
        )
        # The rest must still be exactly the SAM layout, so a partial robust decoder is still an error.
        leftovers = [k for k in checkpoint.state if is_robust_key(k)]
        robust_problems = layout_problems(
            {k: checkpoint.state[k] for k in leftovers},
            {k: v for k, v in expected_layout(cfg, "robust").items() if is_robust_key(k)},
        )
        if robust_problems:
            raise ExportError(f"{where} has an incomplete RobustSAM decoder:\n" + "\n".join(robust_problems))
    check_layout(state, cfg, kind, where)
    return state, cfg, kind, notes
