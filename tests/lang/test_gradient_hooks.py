"""`t.register_hook(hook)`: the program's hook runs when PyTorch's engine computes t's gradient, and
a tensor it returns replaces that gradient. Checked against CPython running the same program with
real torch (the gradients and what the hooks printed), and the observer is told of every call."""

from __future__ import annotations

import pytest
import torch

from autograd_explorer.lang.contract import LanguageLimits
from autograd_explorer.lang.run import run_program
from tests.lang.helpers import RecordingObserver, cpython, fails, run

PROGRAMS = {
    # a non-leaf's hook doubles what its node receives: x.grad is 2 · 2y · 3
    "doubling": (
        "import torch\n"
        "x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n"
        "y = x * 3\n"
        "h = y.register_hook(lambda g: g * 2)\n"
        "(y * y).sum().backward()\n"
        "print(x.grad)\n"
    ),
    # hooks run in the order registered; print returns None (the gradient goes on); remove() ends one
    "print, clamp, remove": (
        "import torch\n"
        "w = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)\n"
        "w.register_hook(print)\n"
        "h = w.register_hook(lambda g: g.clamp(-1, 1))\n"
        "(w ** 3).sum().backward()\n"
        "print(w.grad)\n"
        "h.remove()\n"
        "w.grad = None\n"
        "(w ** 3).sum().backward()\n"
        "print(w.grad)\n"
    ),
    # a def as hook, printing inside; a hook on a leaf halves every step of a descent
    "def in a loop": (
        "import torch\n"
        "def halve(g):\n"
        "    print('arrived', g.item())\n"
        "    return g * 0.5\n"
        "w = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)\n"
        "w.register_hook(halve)\n"
        "for i in range(3):\n"
        "    loss = (w - 3) ** 2\n"
        "    loss.backward()\n"
        "    with torch.no_grad():\n"
        "        w -= 0.1 * w.grad\n"
        "        w.grad.zero_()\n"
        "print(w.item())\n"
    ),
    # a method of the program's class as hook, its state kept between calls
    "method": (
        "import torch\n"
        "class Counter:\n"
        "    def __init__(self):\n"
        "        self.calls = 0\n"
        "    def seen(self, g):\n"
        "        self.calls += 1\n"
        "        return g + self.calls\n"
        "c = Counter()\n"
        "x = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)\n"
        "y = x.exp()\n"
        "y.register_hook(c.seen)\n"
        "y.sum().backward(retain_graph=True)\n"
        "y.sum().backward()\n"
        "print(c.calls, x.grad)\n"
    ),
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_hooks_give_the_gradients_and_prints_cpython_gives(name: str) -> None:
    source = PROGRAMS[name]
    names, printed = cpython(source)
    result = run(source)
    assert result.printed == printed
    for variable in ("x", "w"):
        if variable in names:
            ours, theirs = result.namespace[variable], names[variable]
            assert isinstance(ours, torch.Tensor) and isinstance(theirs, torch.Tensor)
            assert ours.grad is not None and theirs.grad is not None
            assert torch.equal(ours.grad, theirs.grad), (ours.grad, theirs.grad)
            assert torch.equal(ours.detach(), theirs.detach())


def test_the_observer_hears_each_call_with_what_arrived_and_what_went_on() -> None:
    observer = RecordingObserver()
    run_program(PROGRAMS["doubling"], None, LanguageLimits(), observer)  # type: ignore[arg-type]
    ((span, text, grad, result),) = observer.hooks
    assert (span.line, span.column, text) == (4, 4, "y.register_hook(lambda g: g * 2)")
    # y's two uses each send 2y · 1 / 2 = y: [3, 6] twice, summed [6, 12]; the hook returns twice that
    assert grad.tolist() == [6.0, 12.0]
    assert isinstance(result, torch.Tensor) and result.tolist() == [12.0, 24.0]


def test_a_hook_that_only_looks_returns_none() -> None:
    observer = RecordingObserver()
    run_program(PROGRAMS["print, clamp, remove"], None, LanguageLimits(), observer)  # type: ignore[arg-type]
    # first pass: print, then the clamp; second pass: print alone (the clamp was removed)
    assert [(span.line, result is None) for span, _, _, result in observer.hooks] == [
        (3, True),
        (4, False),
        (3, True),
    ]


def test_a_hook_must_be_a_function() -> None:
    error = fails("x = torch.ones(2, requires_grad=True)\ny = x * 2\ny.register_hook(3)\n", "runtime")
    assert "register_hook(): hook must be a function of the program, not int" in error.message
    assert (error.line, error.column) == (3, 0)


def test_a_tensor_without_gradient_takes_no_hook_pytorch_says() -> None:
    error = fails("x = torch.ones(2)\nx.register_hook(print)\n", "runtime")
    assert "doesn't require gradient" in error.message
    assert error.line == 2


def test_an_error_inside_the_hook_is_marked_where_it_is() -> None:
    error = fails(
        "x = torch.ones(2, requires_grad=True)\ny = x * 2\n"
        "y.register_hook(lambda g: g / k)\ny.sum().backward()\n",
        "runtime",
    )
    assert "name 'k' is not defined" in error.message
    assert (error.line, error.column) == (3, 30)


def test_a_hook_that_changes_the_shape_is_named_with_its_line() -> None:
    error = fails(
        "x = torch.ones(2, requires_grad=True)\ny = x * 2\n"
        "y.register_hook(lambda g: g[0])\ny.sum().backward()\n",
        "autograd",
    )
    assert "hook '<lambda> (line 3)' has changed the size of value" in error.message


def test_a_node_hook_stays_refused() -> None:
    """grad_fn's own hooks would reach the engine's internals (its saved tensors): not the tensor's."""
    error = fails(
        "x = torch.ones(2, requires_grad=True)\ny = x * 2\ny.grad_fn.register_hook(print)\n", "forbidden"
    )
    assert "the attribute .register_hook of grad_fn is not part of the explorer language" in error.message
    assert "y.register_hook(h)" in error.message
