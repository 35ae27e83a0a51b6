"""SAM's prompt encoder (key layout `prompt_encoder.*`).

Two entry points with one semantics:
- `forward(points, labels, box, mask)`: what SAM's reference code does (the padding point only when
  there is no box, box corners appended after the points);
- `embed_sparse(coords, labels)` + `embed_dense(mask, has_mask)`: the graph form, where the caller has
  already laid out the prompt as SAM's ONNX convention does (points with labels 0/1, then either the
  box corners with labels 2/3 or one padding point (0, 0) with label -1).
"""

from __future__ import annotations

import math
from typing import Optional, Tuple

import torch
from torch import nn

from .common import LayerNorm2d
from .config import EMBED_GRID, IMAGE_SIZE, ModelConfig

# Labels of the graph form (the index into point_embeddings, or -1 for "not a point").
NOT_A_POINT = -1
NEGATIVE, POSITIVE, BOX_TOP_LEFT, BOX_BOTTOM_RIGHT = 0, 1, 2, 3


class PositionEmbeddingRandom(nn.Module):
    def __init__(self, num_feats: int) -> None:
        super().__init__()
        # Random in SAM's init, but a trained model's values come from its checkpoint.
        self.register_buffer("positional_encoding_gaussian_matrix", torch.randn(2, num_feats))

    def encode(self, coords01: torch.Tensor) -> torch.Tensor:
        """coords in [0,1] (x, y) -> [sin, cos] features."""
        proj = (2 * coords01 - 1) @ self.positional_encoding_gaussian_matrix
        proj = 2 * math.pi * proj
        return torch.cat([torch.sin(proj), torch.cos(proj)], dim=-1)

    def dense(self, size: int) -> torch.Tensor:
        """[1, C, size, size] encoding of the embedding grid's cell centres."""
        centres = (torch.arange(size, dtype=torch.float32) + 0.5) / size
        y = centres[:, None].expand(size, size)
        x = centres[None, :].expand(size, size)
        return self.encode(torch.stack([x, y], dim=-1)).permute(2, 0, 1).unsqueeze(0)

    def points(self, coords: torch.Tensor) -> torch.Tensor:
        """coords in pixels of the 1024 input frame, already shifted by +0.5."""
        return self.encode(coords / IMAGE_SIZE)


class PromptEncoder(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        dim = cfg.prompt_dim
        self.dim = dim
        self.pe_layer = PositionEmbeddingRandom(dim // 2)
        self.point_embeddings = nn.ModuleList(nn.Embedding(1, dim) for _ in range(4))
        self.not_a_point_embed = nn.Embedding(1, dim)
        chans = cfg.mask_in_chans
        self.mask_downscaling = nn.Sequential(
            nn.Conv2d(1, chans // 4, kernel_size=2, stride=2),
            LayerNorm2d(chans // 4),
            nn.GELU(),
            nn.Conv2d(chans // 4, chans, kernel_size=2, stride=2),
            LayerNorm2d(chans),
            nn.GELU(),
            nn.Conv2d(chans, dim, kernel_size=1),
        )
        self.no_mask_embed = nn.Embedding(1, dim)

    def dense_pe(self) -> torch.Tensor:
        return self.pe_layer.dense(EMBED_GRID)

    # --- graph form -------------------------------------------------------------------------------
    def embed_sparse(self, coords: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """coords [1,N,2] (x, y) in the 1024 frame, labels [1,N] float in {-1,0,1,2,3} -> [1,N,C]."""
        pe = self.pe_layer.points(coords + 0.5)
        labels = labels.unsqueeze(-1)
        not_a_point = (labels == NOT_A_POINT).to(pe.dtype)
        out = pe * (1 - not_a_point) + not_a_point * self.not_a_point_embed.weight
        for index, embedding in enumerate(self.point_embeddings):
            out = out + (labels == index).to(pe.dtype) * embedding.weight
        return out

    def embed_dense(self, mask: torch.Tensor, has_mask: torch.Tensor) -> torch.Tensor:
        """mask [1,1,256,256] low-res logits, has_mask [1] (1 or 0) -> [1,C,64,64]."""
        from_mask = self.mask_downscaling(mask)
        no_mask = self.no_mask_embed.weight.reshape(1, -1, 1, 1)
        return has_mask * from_mask + (1 - has_mask) * no_mask

    # --- reference form -----------------------------------------------------------------------------
    def forward(
        self,
        points: Optional[torch.Tensor],
        labels: Optional[torch.Tensor],
        box: Optional[torch.Tensor],
        mask: Optional[torch.Tensor],
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """SAM's reference prompt encoding for one image: points [1,N,2] + labels [1,N] (0/1), box [1,4]
        as x0,y0,x1,y1 in the 1024 frame, mask [1,1,256,256] or None."""
        sparse = torch.empty((1, 0, self.dim))
        if points is not None:
            coords = points + 0.5
            lab = labels.clone().float()
            if box is None:  # SAM pads with a "not a point" only when no box follows
                coords = torch.cat([coords, torch.zeros(1, 1, 2)], dim=1)
                lab = torch.cat([lab, -torch.ones(1, 1)], dim=1)
            emb = self.pe_layer.points(coords)
            emb[lab == -1] = 0.0
            emb[lab == -1] += self.not_a_point_embed.weight
            emb[lab == 0] += self.point_embeddings[0].weight
            emb[lab == 1] += self.point_embeddings[1].weight
            sparse = torch.cat([sparse, emb], dim=1)
        if box is not None:
            corners = (box + 0.5).reshape(-1, 2, 2)
            emb = self.pe_layer.points(corners)
            emb[:, 0, :] += self.point_embeddings[2].weight
            emb[:, 1, :] += self.point_embeddings[3].weight
            sparse = torch.cat([sparse, emb], dim=1)
        if mask is not None:
            dense = self.mask_downscaling(mask)
        else:
            dense = self.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(1, -1, EMBED_GRID, EMBED_GRID)
        return sparse, dense
