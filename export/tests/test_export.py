"""ONNX export: valid graphs with the manifest's I/O, fp16 storage, atomic folders, the CLI."""

from __future__ import annotations

import hashlib
import json

import onnx
import torch
import pytest
from onnx import TensorProto

from export import onnx_export
from export.cli import main
from export.errors import ExportError
from export.onnx_export import export_model_folder

MANIFEST_KEYS = {"format", "name", "version", "decoderKind", "contract", "precision", "provenance", "graphs"}


def graph_io(proto: onnx.ModelProto, which: str) -> list[dict]:
    values = proto.graph.input if which == "inputs" else proto.graph.output
    return [
        {
            "name": v.name,
            "type": "float32" if v.type.tensor_type.elem_type == TensorProto.FLOAT else v.type.tensor_type.elem_type,
            "shape": [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim],
        }
        for v in values
    ]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, tiny_robust, tiny_sam):
    root = tmp_path_factory.mktemp("models")
    folders = {}
    for name, model, precision in (("robust", tiny_robust, "fp32"), ("sam", tiny_sam, "fp32"), ("robust-fp16", tiny_robust, "fp16")):
        export_model_folder(
            model, root / name, contract="sam", precision=precision, name=name, version="1", sources=[], log=lambda _: None
        )
        folders[name] = root / name
    return folders


@pytest.mark.parametrize("name", ["robust", "sam", "robust-fp16"])
def test_model_folder_is_valid_and_matches_its_manifest(exported, name):
    folder = exported[name]
    manifest = json.loads((folder / "model.json").read_text())
    assert MANIFEST_KEYS <= set(manifest)
    assert manifest["format"] == "robustmedsam-model/1"
    assert manifest["decoderKind"] == ("sam" if name == "sam" else "robust")
    assert ("batchNorm" in manifest) == (name != "sam")
    assert set(manifest["provenance"]) == {"tool", "createdAt", "config", "sources"}
    for role in ("encoder", "decoder"):
        spec = manifest["graphs"][role]
        data = (folder / spec["file"]).read_bytes()
        assert spec["bytes"] == len(data)
        assert spec["sha256"] == hashlib.sha256(data).hexdigest()
        proto = onnx.load_from_string(data)
        onnx.checker.check_model(proto)
        assert graph_io(proto, "inputs") == spec["inputs"]
        assert graph_io(proto, "outputs") == spec["outputs"]
    decoder_inputs = [i["name"] for i in manifest["graphs"]["decoder"]["inputs"]]
    expected = ["image_embeddings"] + (["robust_features"] if name != "sam" else [])
    assert decoder_inputs == expected + ["point_coords", "point_labels", "mask_input", "has_mask_input"]
    assert manifest["graphs"]["decoder"]["inputs"][len(expected)]["shape"] == [1, "N", 2]


def test_manifest_records_each_graphs_largest_tensor(exported):
    # The tiny encoder's global-attention block: 2 heads x (64 x 64 tokens)^2 float32 scores, 128 MiB,
    # the figure a WebGPU adapter's storage-buffer binding limit is checked against.
    manifest = json.loads((exported["robust"] / "model.json").read_text())
    encoder, decoder = manifest["graphs"]["encoder"], manifest["graphs"]["decoder"]
    assert encoder["largestTensorBytes"] == 2 * 4096 * 4096 * 4
    # The robust decoder's largest: a Fourier-block product on 256 x 256 features, over any of its outputs.
    assert decoder["largestTensorBytes"] > 4 * 256 * 256
    assert decoder["largestTensorBytes"] < encoder["largestTensorBytes"]


def test_fp16_stores_encoder_weights_as_half_but_keeps_float_io_and_decoder(exported):
    fp32 = exported["robust"] / "encoder.onnx"
    fp16 = exported["robust-fp16"] / "encoder.onnx"
    proto = onnx.load(str(fp16))
    types = {i.data_type for i in proto.graph.initializer if len(i.dims) and max(i.dims) >= 256}
    assert types == {TensorProto.FLOAT16}
    assert all(v.type.tensor_type.elem_type == TensorProto.FLOAT for v in list(proto.graph.input) + list(proto.graph.output))
    assert fp16.stat().st_size < 0.7 * fp32.stat().st_size
    # The decoder keeps its float32 weights: byte for byte the fp32 folder's graph.
    assert (exported["robust-fp16"] / "decoder.onnx").read_bytes() == (exported["robust"] / "decoder.onnx").read_bytes()


def test_export_failure_leaves_nothing(tmp_path, tiny_sam, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("tracing failed")

    monkeypatch.setattr(onnx_export, "export_graph", broken)
    with pytest.raises(RuntimeError):
        export_model_folder(tiny_sam, tmp_path / "out", contract="sam", precision="fp32", name="x", version="1", sources=[])
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_replace_an_unrelated_folder(tmp_path, tiny_sam):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(ExportError, match="did not write"):
        export_model_folder(tiny_sam, precious, contract="sam", precision="fp32", name="x", version="1", sources=[])
    assert (precious / "notes.txt").read_text() == "keep me"


def test_cli_end_to_end_and_errors(tmp_path, capsys):
    ckpt, out = tmp_path / "r.pth", tmp_path / "model"
    assert main(["random", "--config", "tiny", "--kind", "sam", "--out", str(ckpt)]) == 0
    assert main(["onnx", "--checkpoint", str(ckpt), "--contract", "medsam", "--out", str(out)]) == 0
    manifest = json.loads((out / "model.json").read_text())
    assert (manifest["decoderKind"], manifest["contract"], manifest["provenance"]["config"]) == ("sam", "medsam", "tiny")
    assert manifest["provenance"]["sources"][0]["file"] == "r.pth"
    assert main(["onnx", "--checkpoint", str(ckpt), "--contract", "sam", "--out", str(out)]) == 0  # replaces its own
    capsys.readouterr()
    assert main(["onnx", "--checkpoint", str(tmp_path / "nope.pth"), "--contract", "sam", "--out", str(tmp_path / "x")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["onnx", "--checkpoint", str(ckpt), "--kind", "robust", "--contract", "sam", "--out", str(tmp_path / "y")]) == 1
    err = capsys.readouterr().err
    assert "89 missing keys" in err and "hint:" in err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    with pytest.raises(SystemExit) as usage:
        main(["onnx", "--checkpoint", str(ckpt), "--contract", "bogus", "--out", str(out)])
    assert usage.value.code == 2


def test_export_leaves_the_models_numerics_as_they_were(tmp_path, tiny_sam):
    assert tiny_sam.numerics.ops == "reference"
    export_model_folder(tiny_sam, tmp_path / "m", contract="sam", precision="fp32", name="x", version="1", sources=[], log=lambda _: None)
    assert tiny_sam.numerics.ops == "reference"


def test_mac_count_of_a_known_module():
    from torch import nn

    from export.macs import count_macs

    class Toy(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)  # 4*8*8 outputs x 3*3*3
            self.up = nn.ConvTranspose2d(4, 2, 2, stride=2)  # 4*8*8 inputs x 2*2*2, out [1,2,16,16]
            self.lin = nn.Linear(16, 5)  # [1,2,16,16] -> [1,2,16,5]: 160 outputs x 16
            self.register_buffer("m", torch.ones(5, 7), persistent=False)  # [1,2,16,7]: 224 outputs x 5

        def forward(self, x):
            return self.lin(self.up(self.conv(x))) @ self.m

    expected = 256 * 27 + 256 * 8 + 160 * 16 + 224 * 5
    assert count_macs(Toy(), (torch.zeros(1, 3, 8, 8),)) == expected


@pytest.mark.parametrize("fft", ["dft-op", "matmul"])
def test_fft_form_is_exported_and_recorded(tmp_path, tiny_robust, fft):
    """--fft dft-op puts ONNX DFT nodes (opset 17) in both graphs and no DFT-matrix products; matmul the
    reverse. (Their numbers are checked in onnxruntime by test/export/fft-modes.test.ts.)"""
    previous = tiny_robust.numerics.fft
    tiny_robust.numerics.fft = fft
    try:
        export_model_folder(tiny_robust, tmp_path / "m", contract="sam", precision="fp32", name="x", version="1", sources=[], log=lambda _: None)
    finally:
        tiny_robust.numerics.fft = previous
    manifest = json.loads((tmp_path / "m" / "model.json").read_text())
    assert manifest["fft"] == fft
    for role in ("encoder", "decoder"):
        proto = onnx.load(str(tmp_path / "m" / f"{role}.onnx"))
        ops = [node.op_type for node in proto.graph.node]
        # Per Fourier block: forward (onesided along W, then along H) and inverse (along H, then W).
        blocks = 2 if role == "encoder" else 1
        assert ops.count("DFT") == (4 * blocks if fft == "dft-op" else 0), role
        dft_nodes = [node for node in proto.graph.node if node.op_type == "DFT"]
        attributes = sorted(tuple(sorted((a.name, a.i) for a in node.attribute)) for node in dft_nodes)
        if fft == "dft-op":
            assert attributes.count((("axis", 3), ("onesided", 1))) == blocks
            assert attributes.count((("axis", 2), ("inverse", 1))) == blocks
        # the matmul form's half-spectrum cos/sin matrices [W, W/2+1] are graph constants only there
        half = [n for n in proto.graph.node if n.op_type == "Constant" and list(n.attribute[0].t.dims) in ([256, 129], [64, 33])]
        assert bool(half) == (fft == "matmul"), role


def test_sam_manifest_has_no_fft_field(exported):
    assert "fft" not in json.loads((exported["sam"] / "model.json").read_text())
