"""RobustSAM's Fourier block, as torch.fft (the reference) and in two ONNX-exportable forms.

The block: X = fft2(x); M = conv1x1(|X|); y = real(ifft2(M * exp(i * angle(X)))).
torch.onnx (TorchScript exporter) cannot export the FFT ops, so the export forms spell it out, both with
cos(angle(X)) = Re X / |X| and sin(angle(X)) = Im X / |X|, angle(0) = 0 (cos 1, sin 0), and both on the
non-redundant half of the spectrum: x is real, so X is Hermitian and only the columns 0..W/2 are needed;
M keeps that symmetry (the 1x1 conv acts per frequency). That halves the work and changes only rounding.
- `matmul` (fourier_filter_dft, the default): products with constant cos/sin DFT matrices; the real part
  of the inverse is the weighted sum over the half columns (weight 1 for column 0 and W/2, 2 for the
  others). Plain MatMul, which every onnxruntime EP runs (WebGPU included) with its fast GEMM.
- `dft-op` (fourier_filter_dft_op): ONNX `DFT` nodes (opset 17) from custom autograd.Function symbolics.
  onnxruntime's CPU kernel runs them as radix-2 FFTs (O(N log N) instead of O(N^2)), but one transform at
  a time on one thread: measured slower than the products' multithreaded GEMM in onnxruntime-node and in
  onnxruntime-web wasm (bench/results/fft-modes.md). WebGPU has no DFT kernel (CPU fallback).
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


class _HalfSpectrum(torch.autograd.Function):
    """Real x [B, C, H, W] -> fft2(x) for the columns 0..W/2 as [B, C, H, W/2+1, 2] (Re, Im last).

    In ONNX: a real-to-complex onesided DFT along W, then a complex DFT along H.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        return torch.view_as_real(torch.fft.rfft2(x, dim=(-2, -1)))

    @staticmethod
    def symbolic(g, x):
        signal = g.op("Unsqueeze", x, g.op("Constant", value_t=torch.tensor([4])))  # [B, C, H, W, 1]: real
        rows = g.op("DFT", signal, axis_i=3, onesided_i=1)
        return g.op("DFT", rows, axis_i=2)


class _InverseHalfSpectrum(torch.autograd.Function):
    """Real part of ifft2 of a spectrum with Hermitian symmetry (the spectrum of a real signal), given by
    its columns 0..W/2 as [B, C, H, W/2+1, 2] -> [B, C, H, W].

    In ONNX: a complex inverse DFT along H; the columns W/2+1..W-1 rebuilt as the conjugates of the
    columns W/2-1..1 (after the inverse along H every row is the spectrum of a real signal); a complex
    inverse DFT along W; its real part. (The DFT operator has no complex-to-real onesided inverse.)
    """

    @staticmethod
    def forward(ctx, spectrum: torch.Tensor, width: int) -> torch.Tensor:
        return torch.fft.irfft2(torch.view_as_complex(spectrum.contiguous()), s=(spectrum.shape[2], width))

    @staticmethod
    def symbolic(g, spectrum, width: int):
        def const(values):
            return g.op("Constant", value_t=torch.tensor(values))

        rows = g.op("DFT", spectrum, axis_i=2, inverse_i=1)
        # Columns W/2-1 down to 1 (Slice with step -1; `ends` is exclusive), conjugated.
        mirrored = g.op("Slice", rows, const([width // 2 - 1]), const([0]), const([3]), const([-1]))
        conjugate = g.op("Mul", mirrored, const([1.0, -1.0]))
        full = g.op("Concat", rows, conjugate, axis_i=3)  # [B, C, H, W, 2]
        signal = g.op("DFT", full, axis_i=3, inverse_i=1)
        real = g.op("Slice", signal, const([0]), const([1]), const([4]))
        return g.op("Squeeze", real, const([4]))


def fourier_filter_dft_op(x: torch.Tensor, conv: nn.Module) -> torch.Tensor:
    """The block on the half spectrum of the real input, with the transforms as ONNX DFT nodes (in
    PyTorch: torch.fft). The recombination is the `matmul` form's: cos(angle) = Re/|X|, sin(angle) =
    Im/|X|, angle(0) = 0; the 1x1 conv acts per frequency, so the filtered spectrum stays Hermitian.
    Re and Im are kept as separate [..., 1] tensors of one shape: onnxruntime's elementwise kernels took
    twice as long broadcasting over the trailing (Re, Im) pair."""
    if x.dim() != 4 or x.shape[-1] % 2:
        raise ValueError(f"the Fourier block takes [B, C, H, W] features with an even W, got {list(x.shape)}")
    spectrum = _HalfSpectrum.apply(x)  # [B, C, H, W/2+1, 2]
    re, im = spectrum[..., 0:1], spectrum[..., 1:2]
    magnitude = torch.sqrt(re * re + im * im)
    zero = (magnitude == 0).to(magnitude.dtype)  # angle(0) = 0: cos 1, sin 0 where |X| = 0 (so Re = Im = 0)
    filtered = conv(magnitude[..., 0])[..., None]
    gain = filtered / (magnitude + zero)
    out = torch.cat([gain * re + filtered * zero, gain * im], dim=-1)
    return _InverseHalfSpectrum.apply(out, int(x.shape[-1]))
