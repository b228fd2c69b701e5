"""Tracing our own model code: op outputs come from a TorchFunctionMode; gradients from the engine."""

from __future__ import annotations

import torch

from autograd_explorer.settings import Settings
from autograd_explorer.trace.function_trace import trace_function


def test_a_small_network_prediction_is_traced_with_values_and_input_saliency() -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1), torch.nn.Sigmoid()
    )
    x = torch.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    names = {"x": x, **{f"net.{k}": v for k, v in net.named_parameters()}}
    p = trace_function(lambda: net(x).squeeze(), names, Settings(), output_name="p")
    ops = [n["op"] for n in p["nodes"]]
    assert {"AddmmBackward0", "ReluBackward0", "SigmoidBackward0"} <= set(ops)
    assert p["nodes"][-1]["is_output"] and p["output"]["name"] == "p"
    assert all(n["value"] is not None for n in p["nodes"] if n["op"] in ("ReluBackward0", "SigmoidBackward0"))
    # The input's gradient (saliency) equals torch.autograd.grad in float64.
    net64 = net.double()
    x64 = x.detach().double().requires_grad_()
    (expected,) = torch.autograd.grad(net64(x64).squeeze(), x64)
    got = torch.tensor(p["grads"]["x"]["data"], dtype=torch.float64)
    assert torch.allclose(got, expected, atol=1e-5)
    assert {"net.0.weight", "net.2.bias"} <= set(p["grads"])
