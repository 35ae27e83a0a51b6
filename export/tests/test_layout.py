"""Strict checkpoint loading against the SAM / RobustSAM key layouts."""

from __future__ import annotations

import json
from collections import OrderedDict

import pytest
import torch

from export.checkpoint import load_checkpoint, model_state
from export.errors import ExportError
from export.model.config import TINY, VIT_B
from export.model.sam import build_model

from .conftest import shared_layout_dir


def json_layout() -> dict[str, tuple[list[int], str]]:
    layout = {}
    for name in ("sam_vit_b.json", "robustsam_vit_b_additions.json"):
        for item in json.loads((shared_layout_dir() / name).read_text())["keys"]:
            layout[item["key"]] = (item["shape"], item["dtype"])
    return layout


def model_layout(model) -> dict[str, tuple[list[int], str]]:
    return {k: (list(v.shape), str(v.dtype).replace("torch.", "")) for k, v in model.state_dict().items()}


def test_vit_b_modules_have_exactly_the_published_layout():
    expected = json_layout()
    robust = model_layout(build_model(VIT_B, "robust"))
    assert robust == expected  # 403 keys: every name, shape and dtype
    sam_keys = {item["key"] for item in json.loads((shared_layout_dir() / "sam_vit_b.json").read_text())["keys"]}
    assert set(model_layout(build_model(VIT_B, "sam"))) == sam_keys
    assert len(sam_keys) == 314 and len(expected) == 403


def test_tiny_uses_the_same_key_names():
    names = set(json_layout())
    tiny = set(build_model(TINY, "robust").state_dict())
    assert tiny <= names
    assert {k for k in names if not k.startswith("image_encoder.blocks.")} <= tiny  # only whole blocks dropped
    assert "image_encoder.blocks.2.attn.rel_pos_h" in tiny
    shapes = build_model(TINY, "robust").state_dict()
    assert list(shapes["image_encoder.blocks.2.attn.rel_pos_h"].shape) == [127, 8]  # global: 2*64-1
    assert list(shapes["image_encoder.blocks.0.attn.rel_pos_h"].shape) == [27, 8]  # window 14: 2*14-1


def test_exact_checkpoint_loads(robust_pth, tiny_robust):
    state, cfg, kind, notes = model_state(load_checkpoint(robust_pth), None)
    assert (cfg.name, kind, notes) == ("tiny", "robust", [])
    model = build_model(cfg, kind)
    model.load_state_dict(state, strict=True)
    for key, value in tiny_robust.state_dict().items():
        assert torch.equal(model.state_dict()[key], value)


def test_module_prefixed_and_wrapped_checkpoint_loads(tmp_path, tiny_robust):
    prefixed = OrderedDict((f"module.{k}", v) for k, v in tiny_robust.state_dict().items())
    path = tmp_path / "wrapped.pth"
    torch.save({"model": prefixed, "epoch": 3}, path)
    state, _, kind, notes = model_state(load_checkpoint(path), None)
    assert kind == "robust"
    assert set(state) == set(tiny_robust.state_dict())
    assert any("module." in n for n in notes) and any("'model'" in n for n in notes)


def test_every_problem_is_named_in_one_error(tmp_path, tiny_robust):
    state = dict(tiny_robust.state_dict())
    del state["mask_decoder.robust_mlp.layers.2.bias"]
    state["mask_decoder.iou_token.weight"] = torch.zeros(2, 64)
    state["mask_decoder.extra.weight"] = torch.zeros(1)
    path = tmp_path / "broken.pth"
    torch.save(state, path)
    with pytest.raises(ExportError) as err:
        model_state(load_checkpoint(path), "robust")
    text = str(err.value)
    assert "1 missing keys:\n  mask_decoder.robust_mlp.layers.2.bias" in text
    assert "1 unexpected keys:\n  mask_decoder.extra.weight" in text
    assert "mask_decoder.iou_token.weight: shape [2, 64], expected [1, 64]" in text


def test_sam_checkpoint_as_robust_is_refused_with_a_hint(sam_pth):
    with pytest.raises(ExportError) as err:
        model_state(load_checkpoint(sam_pth), "robust")
    assert "89 missing keys" in str(err.value)
    assert "--kind sam" in err.value.hint


def test_robust_checkpoint_as_sam_keeps_the_sam_decoder_path(robust_pth):
    state, _, kind, notes = model_state(load_checkpoint(robust_pth), "sam")
    assert kind == "sam" and "mask_decoder.custom_robust_token.weight" not in state
    assert any("left out 89 RobustSAM decoder tensors" in n for n in notes)


def test_not_a_checkpoint(tmp_path):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"this is not a checkpoint")
    with pytest.raises(ExportError, match="not a readable PyTorch checkpoint"):
        load_checkpoint(junk)
    with pytest.raises(ExportError, match="does not exist"):
        load_checkpoint(tmp_path / "absent.pth")


def test_truncated_checkpoint(tmp_path, robust_pth):
    cut = tmp_path / "cut.pth"
    cut.write_bytes(robust_pth.read_bytes()[:5000])
    with pytest.raises(ExportError, match="not a readable PyTorch checkpoint"):
        load_checkpoint(cut)


class Opaque:  # an arbitrary Python object inside a checkpoint
    pass


def test_pickled_objects_need_trust(tmp_path, tiny_sam):
    path = tmp_path / "with-objects.pth"
    torch.save({"model": tiny_sam.state_dict(), "args": Opaque()}, path)
    with pytest.raises(ExportError) as err:
        load_checkpoint(path)
    assert "--trust-pickle" in err.value.hint
    assert load_checkpoint(path, trust_pickle=True).state


def test_decoder_only_file_points_to_fuse(tmp_path, tiny_robust):
    path = tmp_path / "decoder.pth"
    torch.save({k: v for k, v in tiny_robust.state_dict().items() if k.startswith("mask_decoder.")}, path)
    with pytest.raises(ExportError) as err:
        model_state(load_checkpoint(path), None)
    assert "only a mask decoder" in str(err.value) and "--decoder" in err.value.hint
