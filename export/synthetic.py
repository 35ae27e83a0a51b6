"""Synthetic CT-like slices (int16 HU): smooth anatomy-like shapes plus noise, from a fixed seed."""

from __future__ import annotations

import numpy as np


def _ellipse(yy, xx, cy, cx, ry, rx, soft: float) -> np.ndarray:
    """1 inside, 0 outside, with a smooth edge `soft` pixels wide."""
    r = np.sqrt(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2)
    return 1.0 / (1.0 + np.exp((r - 1.0) * min(ry, rx) / soft))


def synthetic_ct(rows: int, columns: int, seed: int) -> np.ndarray:
    """An axial-CT-like int16 slice: air, a body with a fat rim, soft-tissue organs of different HU, a bright
    vertebra, and Gaussian quantum noise. Shapes scale with the slice, so any size works."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:rows, 0:columns].astype(np.float64)
    cy, cx = rows / 2, columns / 2
    hu = np.full((rows, columns), -1000.0)
    body = _ellipse(yy, xx, cy, cx, 0.45 * rows, 0.45 * columns, 2.0)
    inner = _ellipse(yy, xx, cy, cx, 0.40 * rows, 0.40 * columns, 3.0)
    hu += body * (1000.0 - 100.0)  # fat at -100
    hu += inner * 140.0  # muscle-like at +40
    organs = [  # (cy, cx, ry, rx as fractions, HU above muscle)
        (0.42, 0.35, 0.17, 0.15, 25.0),  # liver-like
        (0.45, 0.68, 0.09, 0.08, 10.0),  # spleen-like
        (0.60, 0.40, 0.06, 0.05, -10.0),  # kidney-like
        (0.60, 0.62, 0.06, 0.05, -10.0),
        (0.50, 0.52, 0.03, 0.03, 150.0),  # contrast-filled vessel
    ]
    for fy, fx, ry, rx, delta in organs:
        jitter = rng.uniform(-0.02, 0.02, size=2)
        hu += delta * _ellipse(yy, xx, (fy + jitter[0]) * rows, (fx + jitter[1]) * columns, ry * rows, rx * columns, 2.5)
    hu += 600.0 * _ellipse(yy, xx, 0.75 * rows, 0.5 * columns, 0.06 * rows, 0.07 * columns, 1.5)  # vertebra
    hu += rng.normal(0.0, 18.0, size=hu.shape) * body  # noise inside the body only
    return np.clip(np.round(hu), -1024, 3071).astype(np.int16)
