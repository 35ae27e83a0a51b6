"""Multiply-accumulate count of a graph module for its example inputs (a box and one point for the
decoder): convolutions and linear layers through forward hooks, the remaining matrix products
(attention, DFT matrices, hypernetwork dot products) from the TorchScript trace, where every shape is
static."""

from __future__ import annotations

import math
import warnings

import torch
from torch import nn


def _sizes(value) -> list[int] | None:
    kind = value.type()
    if isinstance(kind, torch._C.TensorType) and kind.sizes() is not None:
        return list(kind.sizes())
    return None


def _layer_macs(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> int:
    counted = [0]

    def hook(layer, args, output):
        if isinstance(layer, nn.ConvTranspose2d):  # every input value feeds out_channels * kh * kw outputs
            counted[0] += args[0].numel() * layer.out_channels * math.prod(layer.kernel_size)
        elif isinstance(layer, nn.Conv2d):
            counted[0] += output.numel() * (layer.in_channels // layer.groups) * math.prod(layer.kernel_size)
        elif isinstance(layer, nn.Linear):
            counted[0] += output.numel() * layer.in_features

    handles = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    try:
        with torch.no_grad():
            module(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return counted[0]


def _matmul_macs(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> int:
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = torch.jit.trace(module, inputs, check_trace=False).inlined_graph
    total = 0
    for node in graph.nodes():
        if node.kind() not in ("aten::matmul", "aten::bmm", "aten::mm"):
            continue
        out = _sizes(node.output())
        a, b = (_sizes(v) for v in list(node.inputs())[:2])  # a constant operand may carry no shape
        inner = a[-1] if a is not None else (b[-2] if b is not None and len(b) >= 2 else None)
        if out is not None and inner is not None:
            total += math.prod(out) * inner
    return total


def count_macs(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> int:
    return _layer_macs(module, inputs) + _matmul_macs(module, inputs)
