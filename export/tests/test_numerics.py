"""The export forms of the model equal the authors' formulation."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from export.graphs import DecoderGraph
from export.model.batchnorm import BatchNorm2d, per_image_batch_norm
from export.model.numerics import DEFAULT_FFT, Numerics
from export.model.robust import instance_norm_1d, instance_norm_2d
from export.model.spectral import DftPlan, fourier_filter_dft, fourier_filter_dft_op, fourier_filter_reference


@pytest.mark.parametrize("form", ["matmul", "dft-op"])
def test_dft_rewrite_equals_torch_fft(form):
    gen = torch.Generator().manual_seed(0)
    for channels, size in ((16, 64), (4, 256)):
        x = torch.randn(1, channels, size, size, generator=gen)
        x[0, 0] = 0.0  # an all-zero channel: its spectrum is exactly 0, angle(0) = 0 in both forms
        # (No constant channel: its off-DC spectrum is rounding noise whose phase no two FFT
        # implementations agree on, so the block's output there is ill-conditioned by construction.)
        conv = nn.Conv2d(channels, channels, 1)
        with torch.no_grad():
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen) / channels**0.5)
            reference = fourier_filter_reference(x, conv)
            if form == "matmul":
                rewritten = fourier_filter_dft(x, conv, DftPlan(size, size))
            else:  # torch.fft here; the DFT nodes it exports are checked in onnxruntime by test/export/fft-modes
                rewritten = fourier_filter_dft_op(x, conv)
        scale = reference.abs().max().item()
        assert (rewritten - reference).abs().max().item() <= 1e-5 * max(1.0, scale), size


@pytest.mark.parametrize("h, w", [(64, 64), (256, 256), (8, 12), (6, 4)])
def test_dft_plan_forward_and_inverse_match_fft(h, w):
    x = torch.randn(2, 3, h, w, generator=torch.Generator().manual_seed(h * w))
    plan = DftPlan(h, w)
    re, im = plan.forward(x)
    assert re.shape[-2:] == (h + 2, w // 2 + 1)
    spectrum = torch.fft.fft2(x.double())[..., : w // 2 + 1]
    scale = spectrum.abs().max().item()
    assert (plan.natural_order(re) - spectrum.real).abs().max().item() < 2e-6 * scale
    assert (plan.natural_order(im) - spectrum.imag).abs().max().item() < 2e-6 * scale
    # The bottom block's rows 0 and H/2 repeat the top block's exactly, so the inverse's folding counts
    # them the same way.
    top, bottom = re[..., : h // 2 + 1, :], re[..., h // 2 + 1 :, :]
    assert torch.equal(top[..., [0, -1], :], bottom[..., [0, -1], :])
    assert (plan.inverse_real(re, im) - x).abs().max().item() < 1e-5


def test_dft_plan_refuses_odd_sizes():
    with pytest.raises(ValueError, match="even"):
        DftPlan(7, 8)


def test_per_image_batchnorm_matches_torch_train_mode_and_differs_from_running():
    gen = torch.Generator().manual_seed(1)
    x = 2.0 + 3.0 * torch.randn(1, 8, 32, 32, generator=gen)
    torch_bn = nn.BatchNorm2d(8)
    with torch.no_grad():
        torch_bn.weight.copy_(torch.rand(8, generator=gen) + 0.5)
        torch_bn.bias.copy_(torch.randn(8, generator=gen))
        torch_bn.running_mean.copy_(torch.randn(8, generator=gen) * 0.1)
        torch_bn.running_var.copy_(torch.rand(8, generator=gen) + 0.5)
    ours = {mode: BatchNorm2d(8, Numerics(ops="export", batchnorm=mode)) for mode in ("per-image", "running")}
    for bn in ours.values():
        bn.load_state_dict(torch_bn.state_dict())
    with torch.no_grad():
        eval_out = torch_bn.eval()(x)
        train_out = torch_bn.train()(x)  # what the reference inference does (it never calls .eval())
        per_image = ours["per-image"](x)
        running = ours["running"](x)
    assert (per_image - train_out).abs().max() < 1e-5
    assert (running - eval_out).abs().max() < 1e-5
    assert (per_image - running).abs().max() > 0.5  # the two modes really differ
    explicit = per_image_batch_norm(x, torch_bn.weight, torch_bn.bias, torch_bn.eps)
    assert torch.allclose(explicit, train_out, atol=1e-5)


def test_batchnorm_mode_changes_the_robust_model_output(tiny_robust):
    image = torch.randn(1, 3, 1024, 1024, generator=torch.Generator().manual_seed(2))
    outputs = {}
    for mode in ("per-image", "running"):
        tiny_robust.numerics.batchnorm = mode
        with torch.no_grad():
            outputs[mode] = tiny_robust.encode(image)[1]
    tiny_robust.numerics.batchnorm = "per-image"
    assert (outputs["per-image"] - outputs["running"]).abs().max() > 1e-2


def test_instance_norms_match_torch():
    x = torch.randn(1, 5, 16, 16)
    assert torch.allclose(instance_norm_2d(x), nn.InstanceNorm2d(5)(x), atol=1e-5)
    token = torch.randn(1, 64) * 3 + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that the 2-D input has 1 channel, not 4: as in RobustSAM
        reference = nn.InstanceNorm1d(4)(token)
    assert torch.allclose(instance_norm_1d(token), reference, atol=1e-5)


def test_single_robust_mask_is_the_references_mask_zero(tiny_robust):
    decoder = tiny_robust.mask_decoder
    gen = torch.Generator().manual_seed(3)
    hs = torch.randn(1, 7, 64, generator=gen)
    features = torch.randn(1, 8, 256, 256, generator=gen)
    with torch.no_grad():
        all_masks = decoder.all_reference_masks(hs, features)  # the reference's [1, 16, 256, 256]
        hyper = decoder.robust_hyper(hs[:, 1, :])
        single = (hyper.unsqueeze(1) @ features.reshape(1, 8, -1)).reshape(1, 1, 256, 256)
    assert all_masks.shape == (1, 16, 256, 256)
    assert torch.allclose(single, all_masks[:, 0:1], atol=1e-5)


def test_graph_prompt_form_equals_reference_prompt_encoder(tiny_robust):
    prompts = tiny_robust.prompt_encoder
    box = torch.tensor([[100.0, 150.0, 600.0, 700.0]])
    points = torch.tensor([[[300.0, 400.0], [120.0, 160.0]]])
    labels = torch.tensor([[1.0, 0.0]])
    mask = torch.randn(1, 1, 256, 256)
    with torch.no_grad():
        for with_box, with_mask in ((True, False), (False, False), (True, True)):
            sparse, dense = prompts(points, labels, box if with_box else None, mask if with_mask else None)
            tail = (box.reshape(1, 2, 2), torch.tensor([[2.0, 3.0]])) if with_box else (torch.zeros(1, 1, 2), torch.tensor([[-1.0]]))
            graph_sparse = prompts.embed_sparse(torch.cat([points, tail[0]], 1), torch.cat([labels, tail[1]], 1))
            graph_dense = prompts.embed_dense(mask if with_mask else torch.zeros(1, 1, 256, 256), torch.tensor([float(with_mask)]))
            assert torch.allclose(graph_sparse, sparse, atol=1e-6)
            assert torch.allclose(graph_dense, dense.expand_as(graph_dense), atol=1e-6)


@pytest.mark.parametrize("fft", ["matmul", "dft-op"])
def test_export_numerics_reproduce_reference_end_to_end(tiny_robust, fft):
    image = torch.randn(1, 3, 1024, 1024, generator=torch.Generator().manual_seed(4))
    prompt = (torch.tensor([[[200.0, 300.0], [500.0, 640.0]]]), torch.tensor([[2.0, 3.0]]))
    results = {}
    tiny_robust.numerics.fft = fft
    for ops in ("reference", "export"):
        tiny_robust.numerics.ops = ops
        with torch.no_grad():
            embeddings, robust = tiny_robust.encode(image)
            logits, iou = DecoderGraph(tiny_robust)(embeddings, robust, *prompt, torch.zeros(1, 1, 256, 256), torch.zeros(1))
        results[ops] = (robust, logits, iou)
    tiny_robust.numerics.ops = "reference"
    tiny_robust.numerics.fft = DEFAULT_FFT
    for a, b in zip(results["reference"], results["export"]):
        assert (a - b).abs().max() < 1e-4
