"""Fusion: MedSAM encoders + RobustSAM (or a fine-tuned) decoder, with provenance."""

from __future__ import annotations

import json

import pytest
import torch

from export.checkpoint import load_checkpoint, model_state
from export.errors import ExportError
from export.fuse import fuse, provenance_path
from export.model.config import TINY
from export.model.sam import build_model, randomize


def test_fusion_takes_each_group_from_its_source(tmp_path, sam_pth, robust_pth, tiny_sam, tiny_robust):
    out = tmp_path / "fused.pth"
    lines = []
    provenance = fuse(load_checkpoint(sam_pth), load_checkpoint(robust_pth), None, out, log=lines.append)
    fused, _, kind, _ = model_state(load_checkpoint(out), None)
    assert kind == "robust"
    for key, value in fused.items():
        source = tiny_sam if key.startswith(("image_encoder.", "prompt_encoder.")) else tiny_robust
        assert torch.equal(value, source.state_dict()[key]), key
    groups = {g["group"]: g for g in provenance["groups"]}
    assert groups["image_encoder"]["role"] == "medsam" and groups["image_encoder"]["file"] == "sam.pth"
    assert groups["mask_decoder.robust"]["tensors"] == 89
    assert groups["mask_decoder.sam"]["role"] == "robustsam"
    assert sum(g["tensors"] for g in groups.values()) == len(fused)
    assert json.loads(provenance_path(out).read_text()) == provenance
    printed = "\n".join(lines)
    assert "image encoder" in printed and "<- medsam: sam.pth" in printed
    assert "ignored from --medsam sam.pth: 120 tensors (mask_decoder)" in printed


def test_fine_tuned_decoder_replaces_robustsams(tmp_path, sam_pth, robust_pth):
    tuned = randomize(build_model(TINY, "robust"), 99).state_dict()
    decoder_only = {k[len("mask_decoder.") :]: v for k, v in tuned.items() if k.startswith("mask_decoder.")}
    path = tmp_path / "tuned-decoder.pth"
    torch.save(decoder_only, path)  # bare decoder keys, as a decoder-only fine-tune may save them
    out = tmp_path / "fused.pth"
    provenance = fuse(load_checkpoint(sam_pth), load_checkpoint(robust_pth), load_checkpoint(path), out, log=lambda _: None)
    fused = load_checkpoint(out).state
    assert torch.equal(fused["mask_decoder.custom_robust_token.weight"], tuned["mask_decoder.custom_robust_token.weight"])
    assert {g["role"] for g in provenance["groups"] if g["group"].startswith("mask_decoder")} == {"decoder"}
    assert [s["role"] for s in provenance["fusedFrom"]] == ["medsam", "robustsam", "decoder"]


def test_plain_sam_as_robustsam_is_refused(tmp_path, sam_pth):
    with pytest.raises(ExportError) as err:
        fuse(load_checkpoint(sam_pth), load_checkpoint(sam_pth), None, tmp_path / "f.pth", log=lambda _: None)
    assert "89 missing keys" in str(err.value)
    assert "robustsam_checkpoint_b.pth" in err.value.hint
    assert not (tmp_path / "f.pth").exists()
