"""Model sizes: the real SAM ViT-B and a `tiny` stand-in with the same key names and graph I/O contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

IMAGE_SIZE = 1024  # the encoder input is always 1024x1024
PATCH_SIZE = 16  # so the embedding grid is always 64x64
EMBED_GRID = IMAGE_SIZE // PATCH_SIZE
LOW_RES = 4 * EMBED_GRID  # low-res logits, mask input and robust features are 256x256
NUM_MASK_TOKENS = 4  # SAM's 1 + 3 multimask tokens; RobustSAM's token block relies on it (view(4, -1))


@dataclass(frozen=True)
class ModelConfig:
    name: str
    encoder_dim: int  # ViT width (768 for ViT-B)
    encoder_depth: int
    encoder_heads: int
    global_blocks: Tuple[int, ...]  # blocks with global attention; the first one feeds RobustSAM
    window: int  # window size of the other blocks (14: 64 tokens padded to 70)
    prompt_dim: int  # neck output / prompt embedding / decoder transformer width (256)
    mask_in_chans: int  # hidden channels of the prompt encoder's mask downscaling (16)
    decoder_heads: int
    decoder_mlp: int
    iou_hidden: int
    decoder_depth: int = 2
    mlp_ratio: int = 4

    @property
    def robust_channels(self) -> int:
        """Channels of the robust features and of the upscaled decoder features (transformer_dim // 8)."""
        return self.prompt_dim // 8


VIT_B = ModelConfig(
    name="vit_b",
    encoder_dim=768,
    encoder_depth=12,
    encoder_heads=12,
    global_blocks=(2, 5, 8, 11),
    window=14,
    prompt_dim=256,
    mask_in_chans=16,
    decoder_heads=8,
    decoder_mlp=2048,
    iou_hidden=256,
)

# Same key names as ViT-B; fewer channels and blocks. Block 2 is still the first global block (RobustSAM
# reads its output), the window is still 14 (so the 64 -> 70 padding path is exercised), and every
# channel count keeps the divisibility the RobustSAM blocks need (prompt_dim / 64 >= 1 for the
# channel attention of the mask-feature block, prompt_dim / 4 for the token block).
TINY = ModelConfig(
    name="tiny",
    encoder_dim=16,
    encoder_depth=3,
    encoder_heads=2,
    global_blocks=(2,),
    window=14,
    prompt_dim=64,
    mask_in_chans=8,
    decoder_heads=2,
    decoder_mlp=128,
    iou_hidden=64,
)

CONFIGS = {"vit_b": VIT_B, "tiny": TINY}
