"""RobustSAM's additions to the mask decoder (key layout: the 89 `mask_decoder.*` additions).

- three anti-degradation feature blocks (selective-kernel convs with BatchNorm and InstanceNorm
  branches, channel attention, a Fourier block), on block-2 features, on the image embeddings and on the
  upscaled decoder features;
- the robust output token path (`custom_robust_token`, `custom_token_block`, `robust_mlp`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .batchnorm import BatchNorm2d
from .common import LayerNorm2d
from .config import EMBED_GRID, LOW_RES, NUM_MASK_TOKENS
from .numerics import Numerics
from .spectral import DftPlan, fourier_filter_dft, fourier_filter_dft_op, fourier_filter_reference

SELECTOR_GRID = 4  # the selective-kernel attention is computed on a 4x4 grid of the feature map


class ChannelAttention(nn.Module):
    """Squeeze-and-excitation: x * sigmoid(MLP(mean over H, W))."""

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        self.excitation = nn.Sequential(
            nn.Linear(channels, channels // reduction),
            nn.ReLU(),
            nn.Linear(channels // reduction, channels),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = self.excitation(x.mean(dim=(2, 3)))
        return x * weights[:, :, None, None]


class Selector(nn.Module):
    """Two-way softmax attention on a 4x4 grid, each cell spread over its block of pixels."""

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        inner = channels * SELECTOR_GRID**2
        self.fc = nn.Sequential(nn.Linear(inner, inner // reduction, bias=False), nn.ReLU())
        self.att_conv1 = nn.Linear(inner // reduction, inner)
        self.att_conv2 = nn.Linear(inner // reduction, inner)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, c, h, w = x.shape
        g = SELECTOR_GRID
        # Adaptive average pooling to 4x4 (h and w are multiples of 4 here: 64 or 256).
        pooled = x.reshape(b, c, g, h // g, g, w // g).mean(dim=(3, 5)).reshape(b, -1)
        y = self.fc(pooled)
        att = torch.stack([self.att_conv1(y), self.att_conv2(y)]).reshape(2, b, c, g, g)
        att = torch.softmax(att, dim=0)
        # Nearest-neighbour upsampling by h/4, w/4 is a plain repeat of every cell.
        att = att[:, :, :, :, None, :, None].expand(2, b, c, g, h // g, g, w // g).reshape(2, b, c, h, w)
        return att[0], att[1]


class SelectiveConv(nn.Module):
    """Two 3x3 convs, one after BatchNorm + LeakyReLU, one after InstanceNorm + LeakyReLU, mixed by the
    selector's attention."""

    def __init__(self, channels: int, numerics: Numerics) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)
        self.selector = Selector(channels)
        self.BN = BatchNorm2d(channels, numerics)
        self.numerics = numerics

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out1 = self.conv1(F.leaky_relu(self.BN(x), 0.01))
        normed = F.instance_norm(x, eps=1e-5) if self.numerics.ops == "reference" else instance_norm_2d(x)
        out2 = self.conv2(F.leaky_relu(normed, 0.01))
        att1, att2 = self.selector(out1 + out2)
        return out1 * att1 + out2 * att2


class SKDown(nn.Module):
    def __init__(self, channels: int, numerics: Numerics) -> None:
        super().__init__()
        self.maxpool_conv = nn.Sequential(SelectiveConv(channels, numerics))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.maxpool_conv(x)


class DNCBlock(nn.Module):
    """cat(x, selective conv(x)) -> channel attention: C -> 2C channels."""

    def __init__(self, channels: int, numerics: Numerics) -> None:
        super().__init__()
        self.channel_attention = ChannelAttention(2 * channels)
        self.SEMBlock = SKDown(channels, numerics)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.channel_attention(torch.cat([x, self.SEMBlock(x)], dim=1))


class FourierBlock(nn.Module):
    """1x1 conv on the magnitude of fft2, phase kept, real part of ifft2."""

    def __init__(self, channels: int, size: int, numerics: Numerics) -> None:
        super().__init__()
        self.conv_layer = nn.Conv2d(channels, channels, kernel_size=1)
        self.plan = DftPlan(size, size)
        self.numerics = numerics

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.numerics.ops == "reference":
            return fourier_filter_reference(x, self.conv_layer)
        if self.numerics.fft == "dft-op":
            return fourier_filter_dft_op(x, self.conv_layer)
        return fourier_filter_dft(x, self.conv_layer, self.plan)


class FeatureBlock(nn.Module):
    """dnc (C -> 2C) -> Fourier (2C) -> 3x3 conv (2C -> C) -> a resolution stage (`tail`)."""

    def __init__(self, channels: int, size: int, numerics: Numerics) -> None:
        super().__init__()
        self.dnc_block_combined = DNCBlock(channels, numerics)
        self.fgm_block = FourierBlock(2 * channels, size, numerics)
        self.conv_layer = nn.Conv2d(2 * channels, channels, kernel_size=3, padding=1)

    def tail(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_layer(self.fgm_block(self.dnc_block_combined(x)))
        return self.tail(x)


def upsample_x4(in_ch: int, mid_ch: int, out_ch: int) -> nn.Sequential:
    return nn.Sequential(
        nn.ConvTranspose2d(in_ch, mid_ch, kernel_size=2, stride=2),
        LayerNorm2d(mid_ch),
        nn.GELU(),
        nn.ConvTranspose2d(mid_ch, out_ch, kernel_size=2, stride=2),
    )


class EncoderFeatureBlock(FeatureBlock):
    """`fourier_first_layer_features` (on block-2 tokens, C = ViT width) and `fourier_last_layer_features`
    (on the image embeddings, C = prompt width): 64x64 -> 256x256 with prompt_dim / 8 channels."""

    def __init__(self, channels: int, prompt_dim: int, numerics: Numerics) -> None:
        super().__init__(channels, EMBED_GRID, numerics)
        self.upsample_layer = upsample_x4(channels, prompt_dim, prompt_dim // 8)

    def tail(self, x: torch.Tensor) -> torch.Tensor:
        return self.upsample_layer(x)


class MaskFeatureBlock(FeatureBlock):
    """`fourier_mask_features`, on the upscaled decoder features (256x256, prompt_dim / 8 channels)."""

    def __init__(self, prompt_dim: int, numerics: Numerics) -> None:
        channels = prompt_dim // 8
        super().__init__(channels, LOW_RES, numerics)
        self.downsample_layer = nn.Sequential(
            nn.Conv2d(channels, 2 * channels, 3, 1, 1),
            LayerNorm2d(2 * channels),
            nn.GELU(),
            nn.Conv2d(2 * channels, channels, 3, 1, 1),
        )

    def tail(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample_layer(x)


def instance_norm_2d(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """nn.InstanceNorm2d without affine or running stats, spelled out (torch.onnx needs the channel count
    of its input statically, which the traced encoder graph does not carry)."""
    mean = x.mean(dim=(2, 3), keepdim=True)
    centred = x - mean
    return centred / torch.sqrt((centred * centred).mean(dim=(2, 3), keepdim=True) + eps)


def instance_norm_1d(token: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """What nn.InstanceNorm1d does to RobustSAM's [1, C] token: a 2-D input is one unbatched instance
    with one channel, normalised over its C values (biased variance, no affine)."""
    mean = token.mean(dim=-1, keepdim=True)
    centred = token - mean
    return centred / torch.sqrt((centred * centred).mean(dim=-1, keepdim=True) + eps)


class TokenBlock(nn.Module):
    """Two instance norms, then the token is viewed as [4, C/4] rows and each row goes through an MLP
    (C/4 -> C/4 -> C). The reference's view(4, -1) is why only batch size 1 works."""

    def __init__(self, prompt_dim: int) -> None:
        super().__init__()
        part = prompt_dim // NUM_MASK_TOKENS
        self.mlp = nn.Sequential(nn.Linear(part, part), nn.ReLU(), nn.Linear(part, part * NUM_MASK_TOKENS))

    def forward(self, token: torch.Tensor) -> torch.Tensor:
        """token [1, C] -> [4, C]."""
        token = instance_norm_1d(instance_norm_1d(token))
        return self.mlp(token.reshape(NUM_MASK_TOKENS, -1))
