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


def test_a_loss_row_made_when_read_equals_the_node_called_in_the_pass() -> None:
    """The loss's Jacobian row is kept as the engine's own grad_inputs and made when read: it equals
    the row the node gives when called with an incoming 1 during the pass, and the closed form."""
    v = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    loss = (v**2).mean()
    raw = RawPass(kind="backward", roots=[loss.grad_fn], seeds=[None], outputs=[loss])
    called: list[list[torch.Tensor | None] | None] = []

    def run() -> None:
        loss.backward()

    def hook(grad_inputs: object, grad_outputs: tuple[torch.Tensor, ...]) -> None:
        ones = (torch.ones_like(grad_outputs[0]),)
        called.append(local_jacobians(loss.grad_fn, ones, 1024))  # the node called: the eager row

    handle = loss.grad_fn.register_hook(hook)
    try:
        capture_pass(raw, run, jacobians=True, max_jacobian_elements=1024, max_nodes=100, max_jacobian_rows=1)
    finally:
        handle.remove()
    (step,) = [s for s in raw.steps if s.fn is loss.grad_fn]
    assert step.free_row_elements == 1024 and step.jacobians is None  # nothing made in the pass
    (row,) = step.read_jacobians() or [None]
    (eager,) = called[0] or [None]
    assert row is not None and eager is not None and torch.equal(row, eager)
    assert torch.equal(row, torch.full((1, 3), 1 / 3, dtype=torch.float64))  # d mean / d input
    assert step.free_row_elements == 0 and step.read_jacobians() is step.jacobians


def test_a_scalar_node_with_another_incoming_gradient_is_called_in_the_pass() -> None:
    """Only an incoming 1 makes the engine's row the Jacobian: `2 * loss` leaves the inner node's
    incoming gradient 2, so its row is computed in the pass (the node called), and is exact."""
    v = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    inner = v.sum()
    out = 2 * inner
    raw = RawPass(kind="backward", roots=[out.grad_fn], seeds=[None], outputs=[out])
    capture_pass(
        raw, out.backward, jacobians=True, max_jacobian_elements=1024, max_nodes=100, max_jacobian_rows=1
    )
    (step,) = [s for s in raw.steps if s.fn is inner.grad_fn]
    assert step.free_row_elements == 0 and step.jacobians is not None
    assert torch.equal(step.read_jacobians()[0], torch.ones(1, 3, dtype=torch.float64))  # type: ignore[index]


def test_saved_values_a_later_training_step_changes_in_place_show_what_their_pass_used() -> None:
    """A pass that frees its graph has its saved values read as it runs. A weight saved by `h @ V`
    (the leaf itself) and nn.Linear's `weight.t()` (a view of it) share the weight's memory, which
    the training step `V -= lr * V.grad` then changes: shown as read, every pass's saved weight was
    the program's final one. They are copied as read, so each pass shows its own."""
    from autograd_explorer.settings import Settings
    from autograd_explorer.trace.tracer import TraceOptions, record_program

    source = (
        "import torch\nfrom torch import nn\ntorch.manual_seed(0)\n"
        "W = torch.randn(3, 2, requires_grad=True)\nV = torch.randn(2, 2, requires_grad=True)\n"
        "lin = nn.Linear(2, 1)\nx = torch.randn(4, 3)\n"
        "for step in range(3):\n    g = torch.tanh(x @ W) @ V\n    loss = lin(g).pow(2).mean()\n"
        "    loss.backward()\n    with torch.no_grad():\n        V -= 0.5 * V.grad\n"
        "        lin.weight -= 0.5 * lin.weight.grad\n"
        "        V.grad.zero_()\n        lin.weight.grad.zero_()\n"
    )
    recording = record_program(source, None, TraceOptions(format="compact"), Settings())
    assert recording.facts is not None
    c = recording.facts.node_columns()
    torch.manual_seed(0)
    W = torch.randn(3, 2, requires_grad=True)
    V = torch.randn(2, 2, requires_grad=True)
    lin = torch.nn.Linear(2, 1)
    x = torch.randn(4, 3)
    used: list[tuple[torch.Tensor, torch.Tensor]] = []
    for _ in range(3):
        used.append((V.detach().clone(), lin.weight.detach().clone()))
        loss = lin(torch.tanh(x @ W) @ V).pow(2).mean()
        loss.backward()
        with torch.no_grad():
            V -= 0.5 * V.grad
            lin.weight -= 0.5 * lin.weight.grad
            V.grad.zero_()
            lin.weight.grad.zero_()
    saved = [dict(c.saved[i]) for i, op in enumerate(c.op) if op in ("MmBackward0", "AddmmBackward0")]
    with_mat2 = [s for s in saved if "mat2" in s]
    assert len(with_mat2) == 6  # per pass: `… @ V` saves V, lin's addmm saves weight.t()
    for (mm, addmm), (v, lin_w) in zip(zip(with_mat2[0::2], with_mat2[1::2], strict=True), used, strict=True):
        assert torch.equal(mm["mat2"], v)  # the leaf V as this pass's forward used it
        assert torch.equal(addmm["mat2"], lin_w.t())  # nn.Linear's weight.t(), a view of its weight
    assert not torch.equal(used[0][0], V.detach())  # the weights did change: the test can fail
