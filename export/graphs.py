"""The two graphs of the ONNX contract (encoder per slice, decoder per prompt), as nn.Modules that torch.onnx traces.

Encoder graph: `image` [1,3,1024,1024] -> `image_embeddings` [1,C,64,64] (+ `robust_features`
[1,C/8,256,256] for robust decoders: both RobustSAM blocks that read only the image live here).
Decoder graph: embeddings (+ robust features), `point_coords` [1,N,2] in the 1024 input frame,
`point_labels` [1,N], `mask_input` [1,1,256,256], `has_mask_input` [1] -> `low_res_logits` [1,1,256,256],
`iou_prediction` [1,1].

Point labels follow SAM's ONNX convention: 1 include, 0 exclude, 2/3 box top-left/bottom-right, -1 the
padding point (0, 0) that the caller appends when there is no box (SAM pads only then).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .model.config import EMBED_GRID, IMAGE_SIZE, LOW_RES
from .model.sam import SamModel


class EncoderGraph(nn.Module):
    def __init__(self, model: SamModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor):
        embeddings, robust = self.model.encode(image)
        return embeddings if robust is None else (embeddings, robust)


class DecoderGraph(nn.Module):
    def __init__(self, model: SamModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, image_embeddings, *rest):
        if self.model.kind == "robust":
            robust_features, point_coords, point_labels, mask_input, has_mask_input = rest
        else:
            robust_features = None
            point_coords, point_labels, mask_input, has_mask_input = rest
        prompts = self.model.prompt_encoder
        sparse = prompts.embed_sparse(point_coords, point_labels)
        dense = prompts.embed_dense(mask_input, has_mask_input)
        return self.model.mask_decoder(image_embeddings, prompts.dense_pe(), sparse, dense, robust_features)


def io_spec(model: SamModel) -> dict:
    """Graph input/output names and shapes ("N" = number of prompt points), as model.json lists them."""
    c = model.cfg.prompt_dim
    f32 = "float32"
    embeddings = {"name": "image_embeddings", "type": f32, "shape": [1, c, EMBED_GRID, EMBED_GRID]}
    robust = {"name": "robust_features", "type": f32, "shape": [1, c // 8, LOW_RES, LOW_RES]}
    enc_out = [embeddings] + ([robust] if model.kind == "robust" else [])
    dec_in = enc_out + [
        {"name": "point_coords", "type": f32, "shape": [1, "N", 2]},
        {"name": "point_labels", "type": f32, "shape": [1, "N"]},
        {"name": "mask_input", "type": f32, "shape": [1, 1, LOW_RES, LOW_RES]},
        {"name": "has_mask_input", "type": f32, "shape": [1]},
    ]
    return {
        "encoder": {
            "inputs": [{"name": "image", "type": f32, "shape": [1, 3, IMAGE_SIZE, IMAGE_SIZE]}],
            "outputs": enc_out,
        },
        "decoder": {
            "inputs": dec_in,
            "outputs": [
                {"name": "low_res_logits", "type": f32, "shape": [1, 1, LOW_RES, LOW_RES]},
                {"name": "iou_prediction", "type": f32, "shape": [1, 1]},
            ],
        },
    }


def example_inputs(spec: list[dict], points: int = 3) -> tuple[torch.Tensor, ...]:
    """Deterministic example tensors for tracing (a box plus one point)."""
    out = []
    for item in spec:
        shape = [points if s == "N" else s for s in item["shape"]]
        if item["name"] == "point_coords":
            value = torch.tensor([[[400.0, 300.0], [200.0, 150.0], [700.0, 650.0]]])[:, :points]
        elif item["name"] == "point_labels":
            value = torch.tensor([[1.0, 2.0, 3.0]])[:, :points]
        elif item["name"] == "has_mask_input":
            value = torch.zeros(shape)
        else:
            value = torch.randn(shape, generator=torch.Generator().manual_seed(len(out)))
        out.append(value)
    return tuple(out)


def largest_tensor_bytes(module: nn.Module, spec: dict) -> int:
    """The largest tensor `module` computes on its example inputs (float32 bytes), inputs and outputs
    included: from PyTorch's op-level profile of one forward run (every op's input shapes, so every
    intermediate, such as the ViT's 12 x 4096 x 4096 global attention). model.json records it because a
    WebGPU adapter must be able to bind it whole: onnxruntime's WebGPU EP computes wrong values, without an
    error, for a tensor over the adapter's maxStorageBufferBindingSize (seen on Mesa's lavapipe, 128 MiB).
    """
    inputs = example_inputs(spec["inputs"], points=2)
    with torch.no_grad(), torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True) as prof:
        outputs = module(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    sizes = [t.numel() for t in (*inputs, *outputs)]
    for event in prof.events():
        sizes += [math.prod(shape) for shape in event.input_shapes if shape and all(isinstance(d, int) for d in shape)]
    return 4 * max(sizes)

