"""RobustSAM's Fourier block, as torch.fft (the reference) and in two ONNX-exportable forms.

The block: X = fft2(x); M = conv1x1(|X|); y = real(ifft2(M * exp(i * angle(X)))).
torch.onnx (TorchScript exporter) cannot export the FFT ops, so the export forms spell it out, both with
cos(angle(X)) = Re X / |X| and sin(angle(X)) = Im X / |X|, angle(0) = 0 (cos 1, sin 0), and both on the
non-redundant half of the spectrum: x is real, so X is Hermitian and only the columns 0..W/2 are needed;
M keeps that symmetry (the 1x1 conv acts per frequency). That halves the work and changes only rounding.
- `matmul` (fourier_filter_dft, the default): products with constant cos/sin DFT matrices, folded along H
  by the symmetries of cos and sin (`DftPlan`): half the multiply-adds of plain products.
  Plain MatMul, Slice, Concat and elementwise ops, which every onnxruntime EP runs (WebGPU included).
- `dft-op` (fourier_filter_dft_op): ONNX `DFT` nodes (opset 17) from custom autograd.Function symbolics.
  onnxruntime's CPU kernel runs them as radix-2 FFTs (O(N log N) instead of O(N^2)), but one transform at
  a time on one thread: measured slower than the products' multithreaded GEMM in onnxruntime-node and in
  onnxruntime-web wasm (bench/results/fft-modes.md). WebGPU has no DFT kernel (CPU fallback).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def dft_cos_sin(n: int, columns: int, rows: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of 2*pi*j*k/n for j < rows (default n), k < columns, in float64 from exact integer
    phases; exact 0 and +-1 where the phase is a multiple of a quarter turn (the folded transforms below
    rely on sin being exactly 0 at phases 0 and pi)."""
    j = torch.arange(n if rows is None else rows, dtype=torch.int64)[:, None]
    k = torch.arange(columns, dtype=torch.int64)[None, :]
    phase = j * k % n
    angle = phase.to(torch.float64) * (2 * math.pi / n)
    cos, sin = torch.cos(angle), torch.sin(angle)
    if n % 4 == 0:
        quarter = phase % (n // 4) == 0
        turn = phase // (n // 4)
        cos = torch.where(quarter, torch.tensor([1.0, 0.0, -1.0, 0.0], dtype=torch.float64)[turn % 4], cos)
        sin = torch.where(quarter, torch.tensor([0.0, 1.0, 0.0, -1.0], dtype=torch.float64)[turn % 4], sin)
    return cos, sin


def fold(x: torch.Tensor, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """x[j] + x[N-j] and x[j] - x[N-j] for j = 0..N/2 along `dim` (N even; x[N] means x[0]).

    A cosine sum over j = 0..N-1 equals one over the folded sums with the terms j = 0 and N/2 halved (they
    are counted twice), a sine sum one over the folded differences (sin is 0 there): half the length.
    """
    n = x.shape[dim]
    half = n // 2
    mirrored = torch.cat([x.narrow(dim, 0, 1), x.narrow(dim, half, half).flip(dim)], dim)  # x[N-j]
    head = x.narrow(dim, 0, half + 1)
    return head + mirrored, head - mirrored


class DftPlan(nn.Module):
    """The 2-D DFT of real [..., H, W] features (H, W even) and its inverse, as products with constant
    cos/sin matrices. Non-persistent: never part of a state_dict.

    Along W only the columns 0..W/2 of the spectrum are computed (x is real, so X is Hermitian). Along H
    the products use the symmetries of cos and sin: their inputs are folded (`fold`), and the outputs at
    frequency k and H-k come from the same two products (cos is even in k, sin odd). The spectrum is
    therefore held as two stacked row blocks, `top` (rows k = 0..H/2) and `bottom` (rows H-k, k = 0..H/2,
    whose rows 0 and H/2 repeat top's): elementwise work and 1x1 convs do not care about row order, and
    the inverse folds the two blocks directly. Half the multiply-adds of plain DFT products.
    (Folding along W too would halve the W products, but it reverses the innermost axis, which
    onnxruntime's Slice does element by element: slower overall. A Cooley-Tukey factorisation along H
    was tried before: fewer multiply-adds, no faster in onnxruntime.)
    """

    def __init__(self, h: int, w: int) -> None:
        super().__init__()
        if h % 2 or w % 2:
            raise ValueError(f"the DFT plan needs even sizes, got {h}x{w}")
        self.size = (h, w)
        half_h, half_w = h // 2 + 1, w // 2 + 1
        cos_h, sin_h = dft_cos_sin(h, half_h, rows=half_h)  # [H/2+1, H/2+1]
        cos_w, sin_w = dft_cos_sin(w, half_w)  # [W, W/2+1]
        ends_h = torch.ones(half_h, dtype=torch.float64)
        ends_h[0] = ends_h[-1] = 0.5  # folded sums count the rows 0 and H/2 twice
        # The inverse along W rebuilds a real signal from the half spectrum: columns 0 and W/2 once, the
        # others twice (as k and W-k); 1/(HW) for the inverse of both axes.
        scale_w = torch.full((half_w,), 2.0, dtype=torch.float64)
        scale_w[0] = scale_w[-1] = 1.0
        scale_w /= h * w
        for name, value in {
            "cos_w": cos_w,
            "neg_sin_w": -sin_w,
            "cos_h": cos_h * ends_h[None, :],  # frequency k <- folded rows j
            "sin_h": sin_h,
            "inv_cos_w": scale_w[:, None] * cos_w.T,  # [W/2+1, W]
            "inv_sin_w": scale_w[:, None] * sin_w.T,
        }.items():
            self.register_buffer(name, value.to(torch.float32), persistent=False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Real x [..., H, W] -> (Re, Im) of fft2(x) for the columns 0..W/2, rows as [top; bottom]:
        each [..., H + 2, W/2 + 1]."""
        a, b = x @ self.cos_w, x @ self.neg_sin_w  # each row's transform: Re, Im
        a_even, a_odd = fold(a, -2)
        b_even, b_odd = fold(b, -2)
        p, q = self.cos_h @ a_even, self.sin_h @ b_odd
        r, t = self.cos_h @ b_even, self.sin_h @ a_odd
        # Row k takes +sin, row H-k -sin.
        return torch.cat([p + q, p - q], -2), torch.cat([r - t, r + t], -2)

    def inverse_real(self, re: torch.Tensor, im: torch.Tensor) -> torch.Tensor:
        """Real part of ifft2 of a Hermitian spectrum in `forward`'s layout -> [..., H, W]."""
        half_h = self.size[0] // 2 + 1
        re_top, re_bottom = re[..., :half_h, :], re[..., half_h:, :]
        im_top, im_bottom = im[..., :half_h, :], im[..., half_h:, :]
        u, v = self.cos_h @ (re_top + re_bottom), self.sin_h @ (im_top - im_bottom)
        s, t = self.cos_h @ (im_top + im_bottom), self.sin_h @ (re_top - re_bottom)
        # The inverse turns the other way: row n takes -sin, row H-n +sin. Same [top; bottom] layout.
        wr = torch.cat([u - v, u + v], -2)
        wi = torch.cat([s + t, s - t], -2)
        return self.natural_order(wr @ self.inv_cos_w - wi @ self.inv_sin_w)

    def natural_order(self, blocks: torch.Tensor) -> torch.Tensor:
        """[top; bottom] rows -> rows 0..H-1."""
        half_h = self.size[0] // 2 + 1
        return torch.cat([blocks[..., :half_h, :], blocks[..., half_h + 1 : -1, :].flip(-2)], -2)


def fourier_filter_reference(x: torch.Tensor, conv: nn.Module) -> torch.Tensor:
    """The authors' formulation, with torch.fft."""
    spectrum = torch.fft.fft2(x, dim=(-2, -1))
    magnitude = conv(torch.abs(spectrum))
    phase = torch.angle(spectrum)
    filtered = torch.complex(magnitude * torch.cos(phase), magnitude * torch.sin(phase))
    return torch.real(torch.fft.ifft2(filtered, dim=(-2, -1)))


def fourier_filter_dft(x: torch.Tensor, conv: nn.Module, plan: DftPlan) -> torch.Tensor:
    """The same with DFT matrix products and elementwise ops only."""
    re, im = plan.forward(x)
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
