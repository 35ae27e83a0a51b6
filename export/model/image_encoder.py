"""SAM's ViT image encoder (key layout `image_encoder.*`).

Returns the 64x64 image embeddings and the output of the first global-attention block (block 2 in
ViT-B), which RobustSAM's first-layer feature block consumes.
"""

from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .common import LayerNorm2d, MLPBlock
from .config import EMBED_GRID, PATCH_SIZE, ModelConfig


class PatchEmbed(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=PATCH_SIZE, stride=PATCH_SIZE)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).permute(0, 2, 3, 1)  # B H W C


def relative_positions(size: int) -> torch.Tensor:
    """Index into a (2*size-1)-row table for every (query, key) pair: q - k + size - 1.

    Query and key grids always have the same size here (fixed 1024 input), so SAM's interpolation of
    the tables for other sizes is never needed.
    """
    coords = torch.arange(size)
    return coords[:, None] - coords[None, :] + (size - 1)


class Attention(nn.Module):
    """Multi-head self-attention with SAM's decomposed relative position terms."""

    def __init__(self, dim: int, heads: int, grid: int) -> None:
        super().__init__()
        self.heads = heads
        head_dim = dim // heads
        self.scale = head_dim**-0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.rel_pos_h = nn.Parameter(torch.zeros(2 * grid - 1, head_dim))
        self.rel_pos_w = nn.Parameter(torch.zeros(2 * grid - 1, head_dim))
        self.register_buffer("rel_index", relative_positions(grid), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, _ = x.shape
        qkv = self.qkv(x).reshape(b, h * w, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.reshape(3, b * self.heads, h * w, -1).unbind(0)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        attn = self._add_rel_pos(attn, q, h, w)
        attn = attn.softmax(dim=-1)
        out = (attn @ v).view(b, self.heads, h, w, -1).permute(0, 2, 3, 1, 4).reshape(b, h, w, -1)
        return self.proj(out)

    def _add_rel_pos(self, attn: torch.Tensor, q: torch.Tensor, h: int, w: int) -> torch.Tensor:
        # SAM adds these terms with the *unscaled* q.
        rh = self.rel_pos_h[self.rel_index]  # [h(query), h(key), C]
        rw = self.rel_pos_w[self.rel_index]  # [w(query), w(key), C]
        bh, _, c = q.shape
        r_q = q.reshape(bh, h, w, c)
        # rel_h[b, y, x, k] = sum_c r_q[b, y, x, c] * rh[y, k, c]; batched matmuls rather than einsum.
        rel_h = torch.matmul(r_q, rh.transpose(1, 2).unsqueeze(0))
        rel_w = torch.matmul(r_q.transpose(1, 2), rw.transpose(1, 2).unsqueeze(0)).transpose(1, 2)
        attn = attn.view(bh, h, w, h, w) + rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]
        return attn.view(bh, h * w, h * w)


def window_partition(x: torch.Tensor, window: int) -> Tuple[torch.Tensor, Tuple[int, int]]:
    """Zero-pad H and W up to a multiple of the window (64 -> 70 for 14) and cut into windows."""
    b, h, w, c = x.shape
    pad_h = (window - h % window) % window
    pad_w = (window - w % window) % window
    if pad_h or pad_w:
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    hp, wp = h + pad_h, w + pad_w
    x = x.view(b, hp // window, window, wp // window, window, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window, window, c), (hp, wp)


def window_unpartition(windows: torch.Tensor, window: int, padded: Tuple[int, int], size: Tuple[int, int]) -> torch.Tensor:
    hp, wp = padded
    h, w = size
    b = windows.shape[0] // ((hp // window) * (wp // window))
    x = windows.view(b, hp // window, wp // window, window, window, -1)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(b, hp, wp, -1)
    return x[:, :h, :w, :]


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig, window: int) -> None:
        super().__init__()
        dim = cfg.encoder_dim
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, cfg.encoder_heads, window if window > 0 else EMBED_GRID)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = MLPBlock(dim, dim * cfg.mlp_ratio, nn.GELU)
        self.window = window  # 0: global attention

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.norm1(x)
        if self.window > 0:
            h, w = x.shape[1], x.shape[2]
            x, padded = window_partition(x, self.window)
            x = self.attn(x)
            x = window_unpartition(x, self.window, padded, (h, w))
        else:
            x = self.attn(x)
        x = shortcut + x
        return x + self.mlp(self.norm2(x))


class ImageEncoder(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        dim = cfg.encoder_dim
        self.patch_embed = PatchEmbed(dim)
        self.pos_embed = nn.Parameter(torch.zeros(1, EMBED_GRID, EMBED_GRID, dim))
        self.blocks = nn.ModuleList(
            Block(cfg, 0 if i in cfg.global_blocks else cfg.window) for i in range(cfg.encoder_depth)
        )
        self.first_global = min(cfg.global_blocks)
        self.neck = nn.Sequential(
            nn.Conv2d(dim, cfg.prompt_dim, kernel_size=1, bias=False),
            LayerNorm2d(cfg.prompt_dim),
            nn.Conv2d(cfg.prompt_dim, cfg.prompt_dim, kernel_size=3, padding=1, bias=False),
            LayerNorm2d(cfg.prompt_dim),
        )

    def forward(self, image: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """image [1,3,1024,1024] preprocessed -> (embeddings [1,C,64,64], first-global-block output [1,64,64,E])."""
        x = self.patch_embed(image) + self.pos_embed
        early = x
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i == self.first_global:
                early = x
        return self.neck(x.permute(0, 3, 1, 2)), early
