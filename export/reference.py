"""The PyTorch reference pipeline: slice -> 8-bit window -> contract preprocessing -> model -> mask.

This is what the golden fixtures record and what the TypeScript runtime must reproduce. Every step is
written out in the order of its floating-point operations (test/fixtures/README.md repeats them).

Contracts:
- `sam` (the RobustMedSAM authors' eval.py, i.e. SAM's predictor): grey 8-bit image as float 0-255,
  repeated to RGB; longest side resized to 1024 with torch's bilinear antialiased resize, new size
  int(side * (1024 / longest) + 0.5); normalised with SAM's mean/std; zero-padded right and bottom to
  1024x1024. Prompts: x * (new_w / old_w), y * (new_h / old_h). Postprocess: low-res logits bilinear to
  1024x1024, crop to the resized size, bilinear to the slice size, > 0.
- `medsam` (MedSAM's own inference): the same torch resize, but straight to 1024x1024 whatever the
  aspect ratio (MedSAM itself uses skimage's cubic resize: a documented deviation, so that one resize
  serves both contracts); min-max of the resized image to [0, 1] (denominator at least 1e-8); no
  mean/std, no padding. Prompts: x / W * 1024, y / H * 1024. Postprocess: sigmoid of the low-res logits,
  bilinear to the slice size, > 0.5.
All resizes are F.interpolate(mode="bilinear", align_corners=False), antialias=True for the image.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from .model.config import IMAGE_SIZE
from .model.sam import SamModel

SAM_MEAN = (123.675, 116.28, 103.53)
SAM_STD = (58.395, 57.12, 57.375)
CT_WINDOW = (-160.0, 240.0)  # MedSAM's abdomen window, in HU


def window_to_u8(values: np.ndarray, window: tuple[float, float] = CT_WINDOW) -> np.ndarray:
    """floor((clip(v, lo, hi) - lo) / (hi - lo) * 255) in float64, in that order (MedSAM's uint8
    truncation with a fixed window)."""
    lo, hi = float(window[0]), float(window[1])
    clipped = np.clip(values.astype(np.float64), lo, hi)
    return np.floor((clipped - lo) / (hi - lo) * 255.0).astype(np.uint8)


@dataclass
class Prompt:
    """In slice pixel coordinates (x = column, y = row). Box corners in any order (as dragged)."""

    box: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1
    points: list[tuple[float, float, int]] = field(default_factory=list)  # x, y, label (1 include, 0 exclude)


@dataclass
class Prepared:
    image: torch.Tensor  # [1,3,1024,1024] float32, the encoder input
    resized: tuple[int, int]  # (rows, columns) of the image inside the 1024 frame
    scale_xy: tuple[float, float]  # what slice x, y are multiplied by (sam) or how they map (medsam)


def resized_size(rows: int, columns: int) -> tuple[int, int]:
    """SAM's ResizeLongestSide: scale = 1024 / longest; int(side * scale + 0.5)."""
    scale = IMAGE_SIZE * 1.0 / max(rows, columns)
    return int(rows * scale + 0.5), int(columns * scale + 0.5)


def _rgb(u8: np.ndarray) -> torch.Tensor:
    grey = torch.from_numpy(u8.astype(np.float32))
    return grey[None, None].expand(1, 3, *grey.shape).contiguous()


def _resize_image(rgb: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return F.interpolate(rgb, size=size, mode="bilinear", align_corners=False, antialias=True)


def preprocess(u8: np.ndarray, contract: str) -> Prepared:
    rows, columns = u8.shape
    rgb = _rgb(u8)
    if contract == "sam":
        new_rows, new_cols = resized_size(rows, columns)
        resized = _resize_image(rgb, (new_rows, new_cols))
        mean = torch.tensor(SAM_MEAN).view(1, 3, 1, 1)
        std = torch.tensor(SAM_STD).view(1, 3, 1, 1)
        normalised = (resized - mean) / std
        image = F.pad(normalised, (0, IMAGE_SIZE - new_cols, 0, IMAGE_SIZE - new_rows))
        return Prepared(image, (new_rows, new_cols), (new_cols / columns, new_rows / rows))
    if contract == "medsam":
        resized = _resize_image(rgb, (IMAGE_SIZE, IMAGE_SIZE))
        low, high = resized.min(), resized.max()
        image = (resized - low) / torch.clamp(high - low, min=1e-8)
        return Prepared(image, (IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE / columns, IMAGE_SIZE / rows))
    raise ValueError(f"unknown contract {contract!r}")


def prompt_to_input_frame(prompt: Prompt, rows: int, columns: int, contract: str) -> tuple[list, list]:
    """Slice-pixel prompt -> the decoder graph's point_coords / point_labels (1024 frame).

    Box corners are sorted (top-left, bottom-right) first. Layout: points, then either the two box
    corners (labels 2, 3) or, without a box, one padding point (0, 0) with label -1.
    """

    def to_frame(x: float, y: float) -> list[float]:
        if contract == "sam":
            new_rows, new_cols = resized_size(rows, columns)
            return [x * (new_cols / columns), y * (new_rows / rows)]
        return [x / columns * IMAGE_SIZE, y / rows * IMAGE_SIZE]

    coords, labels = [], []
    for x, y, label in prompt.points:
        if label not in (0, 1):
            raise ValueError(f"point label must be 0 (exclude) or 1 (include), got {label}")
        coords.append(to_frame(x, y))
        labels.append(float(label))
    if prompt.box is not None:
        x0, y0, x1, y1 = prompt.box
        coords.append(to_frame(min(x0, x1), min(y0, y1)))
        coords.append(to_frame(max(x0, x1), max(y0, y1)))
        labels += [2.0, 3.0]
    else:
        coords.append([0.0, 0.0])
        labels.append(-1.0)
    return coords, labels


def postprocess(low_res: torch.Tensor, prepared: Prepared, rows: int, columns: int, contract: str) -> np.ndarray:
    """Low-res logits [1,1,256,256] -> uint8 mask [rows, columns] (1 inside)."""
    if contract == "sam":
        up = F.interpolate(low_res, size=(IMAGE_SIZE, IMAGE_SIZE), mode="bilinear", align_corners=False)
        up = up[..., : prepared.resized[0], : prepared.resized[1]]
        out = F.interpolate(up, size=(rows, columns), mode="bilinear", align_corners=False)
        return (out[0, 0] > 0).numpy().astype(np.uint8)
    prob = torch.sigmoid(low_res)
    out = F.interpolate(prob, size=(rows, columns), mode="bilinear", align_corners=False)
    return (out[0, 0] > 0.5).numpy().astype(np.uint8)


@dataclass
class Result:
    prepared: Prepared
    image_embeddings: torch.Tensor
    robust_features: torch.Tensor | None
    point_coords: list
    point_labels: list
    low_res_logits: torch.Tensor
    iou_prediction: torch.Tensor
    mask: np.ndarray


def encode(model: SamModel, u8: np.ndarray, contract: str):
    prepared = preprocess(u8, contract)
    with torch.no_grad():
        embeddings, robust = model.encode(prepared.image)
    return prepared, embeddings, robust


def segment(
    model: SamModel,
    u8: np.ndarray,
    prompt: Prompt,
    contract: str,
    mask_input: torch.Tensor | None = None,
    encoded=None,
) -> Result:
    """The reference: SAM's own prompt encoding (reference form) and the reference numerics."""
    rows, columns = u8.shape
    prepared, embeddings, robust = encoded or encode(model, u8, contract)
    coords, labels = prompt_to_input_frame(prompt, rows, columns, contract)
    points = [(c, l) for c, l in zip(coords, labels) if l in (0.0, 1.0)]
    box_corners = [c for c, l in zip(coords, labels) if l in (2.0, 3.0)]
    with torch.no_grad():
        sparse, dense = model.prompt_encoder(
            torch.tensor([[c for c, _ in points]]) if points else None,
            torch.tensor([[l for _, l in points]]) if points else None,
            torch.tensor([box_corners[0] + box_corners[1]]) if box_corners else None,
            mask_input,
        )
        low_res, iou = model.mask_decoder(embeddings, model.prompt_encoder.dense_pe(), sparse, dense, robust)
    mask = postprocess(low_res, prepared, rows, columns, contract)
    return Result(prepared, embeddings, robust, coords, labels, low_res, iou, mask)
