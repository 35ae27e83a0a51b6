"""SAM's mask decoder, with RobustSAM's additions when `robust` (key layout `mask_decoder.*`).

Both kinds return the single mask and IoU score that the reference `predict` returns with
multimask_output=False: mask token 0 (SAM), or row 0 of robust token 0 (RobustSAM, see `robust_hyper`).
"""

from __future__ import annotations

import torch
from torch import nn

from .common import MLP, LayerNorm2d
from .config import NUM_MASK_TOKENS, ModelConfig
from .numerics import Numerics
from .robust import EncoderFeatureBlock, MaskFeatureBlock, TokenBlock
from .transformer import TwoWayTransformer


class MaskDecoder(nn.Module):
    def __init__(self, cfg: ModelConfig, robust: bool, numerics: Numerics) -> None:
        super().__init__()
        dim = cfg.prompt_dim
        self.robust = robust
        self.transformer = TwoWayTransformer(cfg)
        self.iou_token = nn.Embedding(1, dim)
        self.mask_tokens = nn.Embedding(NUM_MASK_TOKENS, dim)
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(dim, dim // 4, kernel_size=2, stride=2),
            LayerNorm2d(dim // 4),
            nn.GELU(),
            nn.ConvTranspose2d(dim // 4, dim // 8, kernel_size=2, stride=2),
            nn.GELU(),
        )
        self.output_hypernetworks_mlps = nn.ModuleList(MLP(dim, dim, dim // 8, 3) for _ in range(NUM_MASK_TOKENS))
        self.iou_prediction_head = MLP(dim, cfg.iou_hidden, NUM_MASK_TOKENS, 3)
        if robust:
            self.custom_robust_token = nn.Embedding(NUM_MASK_TOKENS, dim)
            self.robust_mlp = MLP(dim, dim, dim // 8, 3)
            self.fourier_mask_features = MaskFeatureBlock(dim, numerics)
            self.fourier_first_layer_features = EncoderFeatureBlock(cfg.encoder_dim, dim, numerics)
            self.fourier_last_layer_features = EncoderFeatureBlock(dim, dim, numerics)
            self.custom_token_block = TokenBlock(dim)

    def robust_features(self, embeddings: torch.Tensor, early: torch.Tensor) -> torch.Tensor:
        """Image-only part of the robust path: [1,C,64,64] embeddings and [1,64,64,E] block-2 tokens ->
        [1, C/8, 256, 256]. It belongs in the encoder graph (computed once per slice)."""
        first = self.fourier_first_layer_features(early.permute(0, 3, 1, 2))
        last = self.fourier_last_layer_features(embeddings)
        return first + last

    def forward(
        self,
        embeddings: torch.Tensor,
        image_pe: torch.Tensor,
        sparse: torch.Tensor,
        dense: torch.Tensor,
        robust_features: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (low-res logits [1,1,256,256], IoU prediction [1,1])."""
        mask_tokens = self.custom_robust_token.weight if self.robust else self.mask_tokens.weight
        out_tokens = torch.cat([self.iou_token.weight, mask_tokens], dim=0).unsqueeze(0)
        tokens = torch.cat([out_tokens, sparse], dim=1)
        src = embeddings + dense
        b, c, h, w = src.shape
        hs, src = self.transformer(src, image_pe, tokens)
        iou = self.iou_prediction_head(hs[:, 0, :])[:, 0:1]
        upscaled = self.output_upscaling(src.transpose(1, 2).reshape(b, c, h, w))
        if self.robust:
            features = self.fourier_mask_features(upscaled) + robust_features
            hyper = self.robust_hyper(hs[:, 1, :])
        else:
            features = upscaled
            hyper = self.output_hypernetworks_mlps[0](hs[:, 1, :])
        _, fc, fh, fw = features.shape
        logits = (hyper.unsqueeze(1) @ features.reshape(1, fc, fh * fw)).reshape(1, 1, fh, fw)
        return logits, iou

    def robust_hyper(self, token0: torch.Tensor) -> torch.Tensor:
        """The reference builds hyper_in = stack([robust_mlp(token_block(t_i)) for i in 0..3], dim=1), a
        [4, 4, C/8] tensor (token_block maps one [1, C] token to 4 rows), multiplies it with the features and
        views the [4, 4, HW] result as 16 masks of which `predict` keeps mask 0: row 0 of token 0."""
        return self.robust_mlp(self.custom_token_block(token0)[0:1])

    def all_reference_masks(self, hs: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """The reference's full robust computation (all 16 'masks'), kept to test `robust_hyper`."""
        hyper_in = torch.stack(
            [self.robust_mlp(self.custom_token_block(hs[:, 1 + i, :])) for i in range(NUM_MASK_TOKENS)], dim=1
        )
        b, c, h, w = features.shape
        return (hyper_in @ features.reshape(b, c, h * w)).reshape(b, -1, h, w)
