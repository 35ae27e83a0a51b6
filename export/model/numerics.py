"""How the model computes the operations that have two faithful forms.

`reference` runs what the authors' code runs (torch.fft, BatchNorm in train mode); `export` runs the
forms that trace into plain ONNX (the Fourier transforms as `fft` says, the per-image BatchNorm
statistics spelled out).
The pytest suite proves the two agree. One Numerics object is shared by every module of a model, so a
single assignment switches the whole model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Ops = Literal["reference", "export"]
BatchNormMode = Literal["per-image", "running"]
FftMode = Literal["dft-op", "matmul"]

BATCHNORM_MODES = ("per-image", "running")
# The authors' inference code never calls .eval(): their BatchNorms normalise with the statistics of the
# one image they are given. That is what their published numbers measured, so it is our default.
DEFAULT_BATCHNORM: BatchNormMode = "per-image"

# How the export form computes the Fourier blocks' transforms: `dft-op` = ONNX DFT nodes (FFTs in
# onnxruntime's CPU kernel), `matmul` = products with constant DFT matrices (every EP, WebGPU included).
FFT_MODES = ("dft-op", "matmul")
DEFAULT_FFT: FftMode = "matmul"


@dataclass
class Numerics:
    ops: Ops = "reference"
    batchnorm: BatchNormMode = DEFAULT_BATCHNORM
    fft: FftMode = DEFAULT_FFT
