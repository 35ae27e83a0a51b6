"""The reference pipeline's contract steps, and that the committed fixtures are what the tool makes."""

from __future__ import annotations

import json

import numpy as np
import torch

from export.fixtures import write_fixtures
from export.reference import Prompt, preprocess, prompt_to_input_frame, resized_size, window_to_u8

from .conftest import REPO_ROOT


def test_window_is_medsams_truncation():
    hu = np.array([-1000, -160, -159, 0, 79, 80, 239, 240, 3000], dtype=np.int16)
    assert window_to_u8(hu).tolist() == [0, 0, 0, 102, 152, 153, 254, 255, 255]


def test_sam_contract_resize_and_padding():
    assert resized_size(512, 384) == (1024, 768)
    assert resized_size(1100, 160) == (1024, 149)  # int(160 * 1024 / 1100 + 0.5) = int(149.45)
    u8 = np.full((512, 384), 200, dtype=np.uint8)
    prepared = preprocess(u8, "sam")
    assert prepared.image.shape == (1, 3, 1024, 1024)
    assert torch.all(prepared.image[..., 768:] == 0)  # zero padding after normalisation
    assert torch.allclose(prepared.image[0, 0, 0, 0], torch.tensor((200 - 123.675) / 58.395))


def test_medsam_contract_stretch_and_minmax():
    u8 = np.tile(np.arange(256, dtype=np.uint8), (300, 1))[:, :200]
    image = preprocess(u8, "medsam").image
    assert image.shape == (1, 3, 1024, 1024)
    assert image.min().item() == 0.0 and image.max().item() == 1.0


def test_prompt_corners_are_sorted_and_scaled_per_contract():
    prompt = Prompt(box=(300, 400, 100, 50), points=[(10.0, 20.0, 1)])
    coords, labels = prompt_to_input_frame(prompt, 512, 384, "sam")
    assert labels == [1.0, 2.0, 3.0]
    assert coords == [[20.0, 40.0], [200.0, 100.0], [600.0, 800.0]]
    coords, labels = prompt_to_input_frame(prompt, 512, 384, "medsam")
    assert coords[1] == [100 / 384 * 1024, 50 / 512 * 1024]
    coords, labels = prompt_to_input_frame(Prompt(points=[(5.0, 6.0, 0)]), 512, 384, "sam")
    assert labels == [0.0, -1.0] and coords[-1] == [0.0, 0.0]  # padding point only without a box


def same_json(a, b) -> bool:
    """Equal JSON, floats to 1e-5 relative (sums over tensors depend on the BLAS build's rounding). A
    signed `sum` beside its `absSum` is compared relative to the absSum: its terms cancel, so its own
    magnitude says nothing about the rounding it carries."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        if {"sum", "absSum"} <= a.keys() and not abs(a["sum"] - b["sum"]) <= 1e-5 * max(1.0, a["absSum"], b["absSum"]):
            return False
        return all(same_json(a[k], b[k]) for k in a if k != "sum" or "absSum" not in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) <= 1e-5 * max(1.0, abs(a), abs(b))
    return a == b


def without_graph_hashes(manifest: dict) -> dict:
    for spec in manifest["graphs"].values():
        del spec["sha256"], spec["bytes"]
    return manifest


def test_committed_fixtures_are_what_the_tool_makes(tmp_path):
    """Regenerating reproduces the committed fixtures: integer data exactly, floats to 1e-4 of their scale, masks to
    99.9% (a logit within rounding of the threshold may flip), ONNX files by their manifests (their bytes
    are compared on the machine that made them by `git diff` after `npm run export -- fixtures`)."""
    write_fixtures(tmp_path, log=lambda _: None)
    committed = REPO_ROOT / "test" / "fixtures"
    hint = "stale fixtures: run `npm run export -- fixtures`"
    for sub in ("models", "golden", "graph-check"):
        fresh = sorted(p.relative_to(tmp_path) for p in (tmp_path / sub).rglob("*") if p.is_file())
        old = sorted(p.relative_to(committed) for p in (committed / sub).rglob("*") if p.is_file())
        assert fresh == old, hint
        for rel in fresh:
            a, b = tmp_path / rel, committed / rel
            if rel.name == "model.json":
                assert without_graph_hashes(json.loads(a.read_text())) == without_graph_hashes(json.loads(b.read_text())), hint
            elif rel.suffix == ".json":
                assert same_json(json.loads(a.read_text()), json.loads(b.read_text())), (rel, hint)
            elif rel.suffix == ".npy":
                x, y = np.load(a), np.load(b)
                assert x.dtype == y.dtype and x.shape == y.shape, rel
                if rel.name == "mask.npy":
                    assert (x == y).mean() >= 0.999, rel
                elif x.dtype.kind == "f":
                    # Another CPU or BLAS build sums in another order: the error grows with the magnitudes
                    # summed, so the tolerance is relative to the array's largest value (robust logits
                    # differed by 9e-5 at magnitude 6.7 between two machines with OpenBLAS; a stale fixture is off by O(1)).
                    scale = max(1.0, float(np.abs(y).max()))
                    assert np.allclose(x, y, atol=1e-4 * scale, rtol=1e-5), rel
                else:
                    assert np.array_equal(x, y), rel
