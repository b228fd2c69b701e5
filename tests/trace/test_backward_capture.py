"""Hooks record the engine's own order and are all removed afterwards."""

from __future__ import annotations

import torch

from autograd_explorer.trace.backward_capture import RawPass, capture_pass, graph_nodes, local_jacobians


def test_hooks_are_removed_after_the_pass() -> None:
    x = torch.tensor(2.0, requires_grad=True)
    y = x * x + torch.sin(x)
    raw = RawPass(kind="backward", roots=[y.grad_fn], seeds=[torch.ones(())])
    capture_pass(
        raw, lambda: y.backward(retain_graph=True), jacobians=False, max_jacobian_elements=64, max_nodes=100
    )
    recorded = len(raw.steps)
    assert recorded == len(list(graph_nodes([y.grad_fn])))
    y.backward()  # a second pass on the same graph must not reach our hooks
    assert len(raw.steps) == recorded


def test_step_order_is_a_reverse_topological_order() -> None:
    x = torch.tensor(0.7, requires_grad=True)
    y = torch.exp(x) * torch.cos(x) - x**2
    raw = RawPass(kind="backward", roots=[y.grad_fn], seeds=[torch.ones(())])
    capture_pass(raw, lambda: y.backward(), jacobians=False, max_jacobian_elements=64, max_nodes=100)
    position = {id(s.fn): k for k, s in enumerate(raw.steps)}
    for s in raw.steps:
        for producer, _ in s.fn.next_functions:
            if producer is not None:
                assert position[id(producer)] > position[id(s.fn)]


def test_local_jacobian_of_a_matrix_product_is_exact() -> None:
    A = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=torch.float64)
    v = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    out = A @ v
    (jac,) = local_jacobians(out.grad_fn, (torch.ones(3, dtype=torch.float64),), 1024)[1:]
    expected = torch.autograd.functional.jacobian(lambda t: A @ t, v.detach())
    assert jac is not None and torch.equal(jac, expected)
