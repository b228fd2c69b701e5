"""torch.autograd.functional on the program's own functions: results equal PyTorch's, the result's
size refused before any backward pass, and every pass counted by the budget. Oracle: CPython."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import torch
import torch.autograd.functional as AF

from autograd_explorer.lang import budget as budget_module

from .helpers import counted_calls, fails, run

PROGRAM = """import torch
from torch.autograd.functional import jacobian, hessian, vjp, jvp, vhp, hvp
torch.manual_seed(0)
x = torch.randn(4, dtype=torch.float64)
w = torch.randn(3, 4, dtype=torch.float64)
def energy(v):
    return (v ** 3).sum() + torch.sin(v).prod()
def layer(v, u):
    return torch.tanh(w @ v) * u.sum()
J = jacobian(lambda v: torch.tanh(w @ v), x)
Jpair = jacobian(layer, (x, x[:2]))
Jgraph = jacobian(energy, x, create_graph=True)
H = hessian(energy, x)
Hpair = hessian(lambda a, b: (a * b).sum() ** 2, (x, x))
out, vj = vjp(lambda v: torch.tanh(w @ v), x, torch.ones(3, dtype=torch.float64))
out2, jv = jvp(lambda v: torch.tanh(w @ v), x, torch.ones(4, dtype=torch.float64))
out3, vh = vhp(energy, x, x)
out4, hv = hvp(energy, x, x)
"""


def flat(value: object) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    assert isinstance(value, tuple)
    return [t for item in value for t in flat(item)]


def test_every_function_equals_torch_autograd_functional() -> None:
    got = run(PROGRAM).namespace
    expected: dict[str, object] = {}
    exec(PROGRAM, expected)  # noqa: S102 (trusted test code: the oracle)
    for name in ("J", "Jpair", "Jgraph", "H", "Hpair", "out", "vj", "out2", "jv", "out3", "vh", "out4", "hv"):
        mine, theirs = flat(got[name]), flat(expected[name])
        assert len(mine) == len(theirs), name
        for a, b in zip(mine, theirs, strict=True):
            assert a.shape == b.shape and torch.allclose(a, b, rtol=0, atol=1e-12), name
    assert got["Jgraph"].requires_grad  # type: ignore[union-attr]
    x = got["x"]
    assert isinstance(x, torch.Tensor)  # and the hand derivation: d²/dv² of Σv³ is 6v on the diagonal
    assert torch.allclose(AF.hessian(lambda v: (v**3).sum(), x), torch.diag(6 * x))


def test_an_oversized_hessian_is_refused_at_its_call_before_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted_calls(monkeypatch, "torch.autograd.functional.hessian")
    call = "torch.autograd.functional.hessian(f, x)"
    source = f"import torch\nx = torch.ones(2000)\ndef f(v):\n    return (v ** 3).sum()\nH = {call}\n"
    error = fails(source, "limit")
    assert (error.line, error.column, error.end_column) == (5, 4, 4 + len(call))
    assert error.message == (
        "tensor too large: 4000000 elements, the limit is 1000000 per tensor (max_tensor_elements)"
    )
    assert calls == [0]


def counted_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the backward passes torch.autograd.functional runs (a list of one count)."""
    passes = [0]
    original = AF._autograd_grad

    def counting(*args: object, **kwargs: object) -> object:
        passes[0] += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(AF, "_autograd_grad", counting)
    return passes


def test_an_oversized_jacobian_is_refused_before_its_first_backward_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passes = counted_passes(monkeypatch)
    call = "torch.autograd.functional.jacobian(lambda v: v * 2, x)"
    error = fails(f"import torch\nx = torch.ones(2000)\nJ = {call}\n", "limit")
    assert (error.line, error.column, error.end_column) == (3, 4, 4 + len(call))
    assert "4000000 elements" in error.message
    assert passes == [0]
    run("import torch\nx = torch.ones(20)\nJ = torch.autograd.functional.jacobian(lambda v: v * 2, x)\n")
    assert passes == [20]  # the counter sees the passes when there are some


def test_the_passes_count_as_operations_refused_before_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """900 rows, each a pass through the function's 2 operations (its call and `v * 2`): 1800."""
    passes = counted_passes(monkeypatch)
    source = "import torch\nx = torch.ones(900)\nJ = torch.autograd.functional.jacobian(lambda v: v * 2, x)\n"
    run(source, max_operations=1900)
    assert passes == [900]
    error = fails(source, "limit", max_operations=1700)
    assert error.line == 3 and "jacobian needs 900 backward passes of about 2 operations" in error.message
    assert passes == [900]


def test_the_wall_clock_stops_the_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each pass is made to take 100 s of the budget's clock: the first one ends the run."""
    passes = counted_passes(monkeypatch)
    real = time.monotonic
    monkeypatch.setattr(budget_module, "time", SimpleNamespace(monotonic=lambda: real() + 100 * passes[0]))
    call = "torch.autograd.functional.hessian(lambda v: (v ** 3).sum(), x)"
    source = f"import torch\nx = torch.ones(50)\nH = {call}\n"
    error = fails(source, "limit", max_wall_seconds=5.0)
    assert error.line == 3 and "max_wall_seconds" in error.message
    assert passes == [1]


def test_vectorize_is_refused() -> None:
    error = fails(
        "import torch\nJ = torch.autograd.functional.jacobian(torch.sin, torch.ones(2), vectorize=True)\n",
        "forbidden",
    )
    assert error.line == 2 and "vectorize" in error.message


def test_pytorchs_own_errors_come_back_at_the_call() -> None:
    error = fails(
        "import torch\nH = torch.autograd.functional.hessian(lambda v: v * 2, torch.ones(3))\n", "runtime"
    )
    assert error.line == 2 and "single element" in error.message
