"""Shared fixtures for the export tests: tiny models and checkpoints (fast on 2 cores)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
import torch

from export.model.config import TINY
from export.model.sam import build_model, randomize

warnings.filterwarnings("ignore", category=UserWarning)

REPO_ROOT = Path(__file__).resolve().parents[2]
LAYOUT_DIR = REPO_ROOT.parent / "shared" / "data" / "checkpoint-layout"
REQUIRE_TOOLS = os.environ.get("ROBUSTMEDSAM_REQUIRE_TOOLS") == "1"


def shared_layout_dir() -> Path:
    """../shared/data/checkpoint-layout, or a skip (a failure under ROBUSTMEDSAM_REQUIRE_TOOLS=1)."""
    if not LAYOUT_DIR.is_dir():
        message = f"missing {LAYOUT_DIR}"
        if REQUIRE_TOOLS:
            pytest.fail(f"ROBUSTMEDSAM_REQUIRE_TOOLS=1 but {message}")
        pytest.skip(message)
    return LAYOUT_DIR


@pytest.fixture(scope="session")
def tiny_robust():
    return randomize(build_model(TINY, "robust"), 7)


@pytest.fixture(scope="session")
def tiny_sam():
    return randomize(build_model(TINY, "sam"), 8)


@pytest.fixture()
def robust_pth(tmp_path, tiny_robust) -> Path:
    path = tmp_path / "robust.pth"
    torch.save(tiny_robust.state_dict(), path)
    return path


@pytest.fixture()
def sam_pth(tmp_path, tiny_sam) -> Path:
    path = tmp_path / "sam.pth"
    torch.save(tiny_sam.state_dict(), path)
    return path
