"""RobustSAM's Fourier block, as torch.fft (the reference) and as an exact DFT rewrite (for ONNX).

The block: X = fft2(x); M = conv1x1(|X|); y = real(ifft2(M * exp(i * angle(X)))).
torch.onnx (TorchScript exporter) cannot export the FFT ops and onnxruntime-web's WebGPU backend has no
DFT kernel, so the export form spells the transforms out as products with constant cos/sin matrices:
- cos(angle(X)) = Re X / |X| and sin(angle(X)) = Im X / |X|, with angle(0) = 0 (cos 1, sin 0);
- x is real, so X is Hermitian and only the columns 0..W/2 of the spectrum are computed; M keeps that
  symmetry (the 1x1 conv acts per frequency), so the real part of the inverse is the weighted sum over
  those columns (weight 1 for column 0 and W/2, 2 for the others). That halves the work of the full
  complex DFT and changes nothing but rounding.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def dft_cos_sin(n: int, columns: int) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of 2*pi*j*k/n for j < n, k < columns, built in float64 with exact integer phases."""
    j = torch.arange(n, dtype=torch.int64)[:, None]
    k = torch.arange(columns, dtype=torch.int64)[None, :]
    angle = (j * k % n).to(torch.float64) * (2 * math.pi / n)
    return torch.cos(angle), torch.sin(angle)


class DftPlan(nn.Module):
    """Constant matrices for one spatial size (H, W). Non-persistent: never part of a state_dict.

    (A Cooley-Tukey factorisation along H was tried: 2.4x fewer multiply-adds, but onnxruntime runs the
    resulting batches of 16x16 products no faster than these plain products, plus the twiddle passes.)
    """

    def __init__(self, h: int, w: int) -> None:
        super().__init__()
        half = w // 2 + 1
        cos_h, sin_h = dft_cos_sin(h, h)
        cos_w, sin_w = dft_cos_sin(w, half)
        weight = torch.full((half,), 2.0, dtype=torch.float64)
        weight[0] = 1.0
        if w % 2 == 0:
            weight[-1] = 1.0
        scale = weight[:, None] / (h * w)
        for name, value in {
            "cos_h": cos_h,
            "sin_h": sin_h,
            "cos_w": cos_w,  # [W, W/2+1]
            "sin_w": sin_w,
            "inv_cos_w": scale * cos_w.T,  # [W/2+1, W], Hermitian weights and 1/(HW) folded in
            "inv_sin_w": scale * sin_w.T,
        }.items():
            self.register_buffer(name, value.to(torch.float32), persistent=False)
        self.size = (h, w)

    def forward_half(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Real x [..., H, W] -> (Re, Im) of fft2(x) for the columns 0..W/2, each [..., H, W/2+1]."""
        a = x @ self.cos_w
        b = -(x @ self.sin_w)
        re = self.cos_h @ a + self.sin_h @ b
        im = self.cos_h @ b - self.sin_h @ a
        return re, im

    def inverse_real(self, re: torch.Tensor, im: torch.Tensor) -> torch.Tensor:
        """Real part of ifft2 of a Hermitian spectrum given by its columns 0..W/2."""
        wr = self.cos_h @ re - self.sin_h @ im
        wi = self.cos_h @ im + self.sin_h @ re
        return wr @ self.inv_cos_w - wi @ self.inv_sin_w


def fourier_filter_reference(x: torch.Tensor, conv: nn.Module) -> torch.Tensor:
    """The authors' formulation, with torch.fft."""
    spectrum = torch.fft.fft2(x, dim=(-2, -1))
    magnitude = conv(torch.abs(spectrum))
    phase = torch.angle(spectrum)
    filtered = torch.complex(magnitude * torch.cos(phase), magnitude * torch.sin(phase))
    return torch.real(torch.fft.ifft2(filtered, dim=(-2, -1)))


def fourier_filter_dft(x: torch.Tensor, conv: nn.Module, plan: DftPlan) -> torch.Tensor:
    """The same with DFT matrix products and elementwise ops only."""
    re, im = plan.forward_half(x)
    magnitude = torch.sqrt(re * re + im * im)
    # angle(0) = 0: where |X| = 0 (so Re = Im = 0), divide by 1 and add 1 to the cosine. Elementwise
    # arithmetic rather than Where with full-size constant tensors, which would bloat the graph.
    zero = (magnitude == 0).to(magnitude.dtype)
    safe = magnitude + zero
    cos = re / safe + zero
    sin = im / safe
    filtered = conv(magnitude)
    return plan.inverse_real(filtered * cos, filtered * sin)
