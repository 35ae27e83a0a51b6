"""The whole model (encoder, prompt encoder, decoder), in the checkpoint's key layout."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from .config import ModelConfig
from .image_encoder import ImageEncoder
from .mask_decoder import MaskDecoder
from .numerics import Numerics
from .prompt_encoder import PromptEncoder

DecoderKind = Literal["sam", "robust"]


class SamModel(nn.Module):
    def __init__(self, cfg: ModelConfig, kind: DecoderKind, numerics: Numerics | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.kind = kind
        self.numerics = numerics or Numerics()
        self.image_encoder = ImageEncoder(cfg)
        self.prompt_encoder = PromptEncoder(cfg)
        self.mask_decoder = MaskDecoder(cfg, kind == "robust", self.numerics)

    def encode(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Preprocessed image [1,3,1024,1024] -> (image embeddings, robust features or None)."""
        embeddings, early = self.image_encoder(image)
        if self.kind != "robust":
            return embeddings, None
        return embeddings, self.mask_decoder.robust_features(embeddings, early)


def build_model(cfg: ModelConfig, kind: DecoderKind, numerics: Numerics | None = None) -> SamModel:
    model = SamModel(cfg, kind, numerics)
    model.eval()  # no dropout anywhere; BatchNorm behaviour is chosen by Numerics, not by train/eval
    return model


def randomize(model: SamModel, seed: int) -> SamModel:
    """Deterministic random weights with sane scales (activations neither vanish nor explode), for
    fixtures and benchmarks: norm scales near 1, small biases, unit-variance embeddings,
    variance-preserving linear and conv weights, plausible BatchNorm running statistics."""
    gen = torch.Generator().manual_seed(seed)
    embeddings = {f"{name}.weight" for name, module in model.named_modules() if isinstance(module, nn.Embedding)}
    transposed = {
        f"{name}.weight" for name, module in model.named_modules() if isinstance(module, nn.ConvTranspose2d)
    }
    with torch.no_grad():
        for name, tensor in model.state_dict(keep_vars=True).items():
            if not tensor.is_floating_point():
                continue
            shape = tensor.shape
            leaf = name.rsplit(".", 1)[-1]
            if name in embeddings or name.endswith("positional_encoding_gaussian_matrix"):
                value = torch.randn(shape, generator=gen)
            elif leaf == "running_var":
                value = 0.5 + torch.rand(shape, generator=gen)
            elif leaf == "running_mean":
                value = 0.1 * torch.randn(shape, generator=gen)
            elif "rel_pos" in name or "pos_embed" in name:
                value = 0.1 * torch.randn(shape, generator=gen)
            elif len(shape) == 1:  # norm scales, then biases
                value = (1.0 if leaf == "weight" else 0.0) + 0.1 * torch.randn(shape, generator=gen)
            else:  # linear / conv weights, variance-preserving for their fan-in
                if name in transposed:  # [in, out, 2, 2] with stride 2: one input pixel per output
                    fan_in = shape[0]
                else:
                    fan_in = shape[1] * (shape[2] * shape[3] if len(shape) == 4 else 1)
                value = torch.randn(shape, generator=gen) / fan_in**0.5
            tensor.copy_(value)
    return model
