"""BatchNorm2d with an explicit statistics mode.

RobustSAM's reference inference never calls .eval(), so its BatchNorms normalise with the statistics
of the one image in the batch ("per-image"); `running` uses the checkpoint's running_mean/var instead.
torch.onnx traces nn.BatchNorm2d with eval semantics, so the per-image export form computes the mean
and biased variance in the graph itself.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .numerics import Numerics


class BatchNorm2d(nn.BatchNorm2d):
    """Same parameters and buffers (state_dict keys) as nn.BatchNorm2d; never updates running stats."""

    def __init__(self, channels: int, numerics: Numerics) -> None:
        super().__init__(channels)
        self.numerics = numerics

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.numerics.batchnorm == "running":
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)
        if self.numerics.ops == "reference":
            # Exactly what train-mode BatchNorm computes, without touching the running statistics.
            return F.batch_norm(x, None, None, self.weight, self.bias, True, 0.0, self.eps)
        return per_image_batch_norm(x, self.weight, self.bias, self.eps)


def per_image_batch_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float) -> torch.Tensor:
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dim=(0, 2, 3), keepdim=True)  # biased, as BatchNorm normalises
    return centred / torch.sqrt(var + eps) * weight[None, :, None, None] + bias[None, :, None, None]
