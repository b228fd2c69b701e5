"""torch.autograd.functional on the program's own functions: results equal PyTorch's, the result's
size refused before any backward pass, and every pass counted by the budget. Oracle: CPython."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import torch
import torch.autograd.functional as AF

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang import budget as budget_module

from .helpers import counted_calls, cpython, fails, run

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
    """The tensors of a result, in order (a dict's by key: torch.func's aux may be one)."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        return [t for key in sorted(value) for t in flat(value[key])]
    assert isinstance(value, tuple | list)
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


# --- torch.func's spellings -----------------------------------------------------------------------

FUNC_PROGRAM = """import torch
from torch.func import grad, jacrev, jacfwd, hessian, vjp
torch.manual_seed(0)
x = torch.randn(4, dtype=torch.float64)
y = torch.randn(4, dtype=torch.float64)
w = torch.randn(3, 4, dtype=torch.float64)
def energy(v):
    return (v ** 3).sum() + torch.sin(v).prod()
def layer(v, u):
    return torch.tanh(w @ v) * u.sum()
g = grad(energy)(x)
g_second = torch.func.grad(lambda a, b: (a * b ** 2).sum(), argnums=1)(x, y)
g_pair = grad(lambda a, b: (a * b ** 2).sum(), argnums=(0, 1))(x, y)
J = jacrev(layer)(x, y)
J_fwd = jacfwd(layer, argnums=1)(x, y)
J_pair = jacrev(layer, argnums=(0, 1))(x, y)
H = hessian(energy)(x)
H_vector = hessian(lambda v: torch.sin(v) * v.sum())(x)
H_arg = hessian(lambda a, b: (a * b) ** 3, argnums=1)(x, y)
H_pair = hessian(lambda a, b: (a.sum() * b ** 2).sum(), argnums=(0, 1))(x, y)
H_nested = jacrev(grad(energy))(x)
out, vjp_fn = vjp(layer, x, y)
cotangents = vjp_fn(torch.ones(3, dtype=torch.float64))
unused = vjp(lambda a, b: a * 2, x, y)[1](torch.ones(4, dtype=torch.float64))
leaf = torch.ones(4, dtype=torch.float64, requires_grad=True)
outer = grad(energy)(leaf).sum()
outer.backward()
def loss_and_prediction(v):
    prediction = torch.tanh(w @ v)
    return (prediction ** 2).sum(), prediction
g_aux, prediction = grad(loss_and_prediction, has_aux=True)(x)
J_aux, aux_tree = jacrev(lambda v: (layer(v, y), {"norm": v.norm(), "parts": [v * 2]}), has_aux=True)(x)
J_fwd_aux, aux_fwd = jacfwd(lambda a, b: (layer(a, b), a + b), argnums=(0, 1), has_aux=True)(x, y)
out_aux, vjp_aux_fn, aux_vjp = vjp(lambda v: (layer(v, y), v.sum()), x, has_aux=True)
cotangents_aux = vjp_aux_fn(torch.ones(3, dtype=torch.float64))
H_aux = jacrev(grad(loss_and_prediction, has_aux=True), has_aux=True)(x)
g_leaf, prediction_leaf = grad(loss_and_prediction, has_aux=True)(leaf)  # in a graph: the aux is too
prediction_leaf.sum().backward()
print(prediction_leaf.requires_grad, leaf.grad)
scale = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)  # read by f from outside
def closure_loss(v):
    fit = ((v * scale).sum() - 1) ** 2
    return fit, fit * 2
g_closure, aux_closure = grad(closure_loss, has_aux=True)(torch.tensor([3.0, 4.0], dtype=torch.float64))
J_closure = jacrev(lambda v: v * scale)(x[:2])
out_closure, vjp_closure_fn = vjp(lambda v: (v * scale).sum(), x[:2])
((g_closure ** 2).sum() + J_closure.sum() + aux_closure + out_closure).backward()
print(g_closure.requires_grad, aux_closure.requires_grad, g.requires_grad, J.requires_grad, scale.grad)
print(g.shape, J.shape, J_fwd.shape, H.shape, H_vector.shape, H_arg.shape, len(J_pair), len(cotangents))
print(outer.requires_grad, prediction.requires_grad, aux_tree["norm"].requires_grad, len(aux_fwd.shape))
print(sorted(aux_tree), isinstance(aux_tree["parts"], list), len(J_fwd_aux), aux_vjp.requires_grad)
"""
FUNC_NAMES = (
    "g",
    "g_second",
    "g_pair",
    "J",
    "J_fwd",
    "J_pair",
    "H",
    "H_vector",
    "H_arg",
    "H_pair",
    "H_nested",
    "out",
    "cotangents",
    "unused",
    "outer",
    "g_aux",
    "prediction",
    "J_aux",
    "aux_tree",
    "J_fwd_aux",
    "aux_fwd",
    "out_aux",
    "aux_vjp",
    "cotangents_aux",
    "H_aux",
    "g_leaf",
    "prediction_leaf",
    "g_closure",
    "aux_closure",
    "J_closure",
    "out_closure",
)


def test_torch_func_equals_cpython_running_torch_func() -> None:
    got = run(FUNC_PROGRAM)
    expected, printed = cpython(FUNC_PROGRAM)
    assert got.printed == printed
    for name in FUNC_NAMES:
        mine, theirs = flat(got.namespace[name]), flat(expected[name])
        assert len(mine) == len(theirs), name
        for a, b in zip(mine, theirs, strict=True):
            assert a.shape == b.shape and torch.allclose(a, b, rtol=0, atol=1e-12), name
    leaf, oracle = got.namespace["leaf"], expected["leaf"]
    assert isinstance(leaf, torch.Tensor) and isinstance(oracle, torch.Tensor)
    assert leaf.grad is not None and oracle.grad is not None and torch.allclose(leaf.grad, oracle.grad)
    x = got.namespace["x"]
    assert isinstance(x, torch.Tensor)  # the hand derivation: the gradient of Σv³ is 3v²
    assert torch.allclose(
        run("import torch\ng = torch.func.grad(lambda v: (v ** 3).sum())(x)", {"x": x}).namespace["g"],
        3 * x**2,
    )  # type: ignore[arg-type]


def test_an_oversized_torch_func_hessian_is_refused_before_the_function_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passes = counted_passes(monkeypatch)
    call = "torch.func.hessian(f)(x)"
    source = f"import torch\nx = torch.ones(2000)\ndef f(v):\n    return (v ** 3).sum()\nH = {call}\n"
    error = fails(source, "limit")
    assert (error.line, error.column, error.end_column) == (5, 4, 4 + len(call))
    assert error.message == (
        "tensor too large: 4000000 elements, the limit is 1000000 per tensor (max_tensor_elements)"
    )
    assert passes == [0]


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_an_oversized_torch_func_jacobian_is_refused_before_its_first_pass(
    monkeypatch: pytest.MonkeyPatch, transform: str
) -> None:
    passes = counted_passes(monkeypatch)
    call = f"torch.func.{transform}(lambda v: v * 2)(x)"
    error = fails(f"import torch\nx = torch.ones(2000)\nJ = {call}\n", "limit")
    assert (error.line, error.column, error.end_column) == (3, 4, 4 + len(call))
    assert "4000000 elements" in error.message
    assert passes == [0]


def test_torch_func_passes_count_as_operations(monkeypatch: pytest.MonkeyPatch) -> None:
    passes = counted_passes(monkeypatch)
    source = "import torch\nx = torch.ones(900)\nJ = torch.func.jacrev(lambda v: v * 2)(x)\n"
    run(source, max_operations=1900)
    assert passes == [900]
    error = fails(source, "limit", max_operations=1700)
    assert error.line == 3 and "jacobian needs 900 backward passes of about 2 operations" in error.message
    assert passes == [900]


def fewest_operations(source: str) -> int:
    """The smallest max_operations the program runs within (bisected)."""
    low, high = 1, 100_000
    while low < high:
        middle = (low + high) // 2
        try:
            run(source, max_operations=middle)
        except ProgramError:
            low = middle + 1
        else:
            high = middle
    return low


def test_each_vjp_fn_call_is_a_counted_pass() -> None:
    """Each vjp_fn(v) is a backward pass charged what f's run cost (at least its call and `v * 2`),
    where a plain function's call of the same shape costs one operation."""
    base = "import torch\nx = torch.ones(3)\nout, fn = torch.func.vjp(lambda v: (v * 2).sum(), x)\nh = abs\n"
    passes = fewest_operations(base + "for i in range(50):\n    g = fn(torch.tensor(1.0))\n")
    plain = fewest_operations(base + "for i in range(50):\n    g = h(torch.tensor(1.0))\n")
    assert passes - plain >= 50 * 2
    error = fails(
        base + "for i in range(50):\n    g = fn(torch.tensor(1.0))\n", "limit", max_operations=passes - 1
    )
    assert "vjp needs 1 backward passes" in error.message and error.line == 6


def test_the_wall_clock_stops_torch_func_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    passes = counted_passes(monkeypatch)
    real = time.monotonic
    monkeypatch.setattr(budget_module, "time", SimpleNamespace(monotonic=lambda: real() + 100 * passes[0]))
    source = "import torch\nx = torch.ones(50)\nH = torch.func.hessian(lambda v: (v ** 3).sum())(x)\n"
    error = fails(source, "limit", max_wall_seconds=5.0)
    assert error.line == 3 and "max_wall_seconds" in error.message
    assert passes == [1]


@pytest.mark.parametrize(
    "call",
    [
        "torch.func.grad(lambda v: v * 2)(x)",
        "torch.func.grad(lambda v: v.sum(), argnums=1)(x)",
        "torch.func.grad(lambda v: v.sum(), argnums=1.5)(x)",
        "torch.func.grad(lambda v: v.sum())(3.0)",
        "torch.func.vjp(lambda v: v * 2, x)[1](torch.ones(3))",
        "torch.func.grad(lambda v: v.sum(), has_aux=True)(x)",
        "torch.func.grad(lambda v: (v.sum(), v, v), has_aux=True)(x)",
        "torch.func.grad(lambda v: [v.sum(), v], has_aux=True)(x)",
        "torch.func.grad(lambda v: (v.sum(), 1.5), has_aux=True)(x)",
        "torch.func.jacrev(lambda v: v * 2, has_aux=True)(x)",
        "torch.func.jacfwd(lambda v: (v * 2, 'text'), has_aux=True)(x)",
        "torch.func.vjp(lambda v: v * 2, x, has_aux=True)",
        "torch.func.vjp(lambda v: (v * 2, None), x, has_aux=True)",
    ],
)
def test_torch_funcs_own_errors_come_back_at_the_call(call: str) -> None:
    source = f"import torch\nx = torch.ones(2)\ny = {call}\n"
    error = fails(source, "runtime")
    with pytest.raises((RuntimeError, ValueError)) as oracle:
        cpython(source)
    assert error.message == str(oracle.value)
    assert error.line == 3


@pytest.mark.parametrize(
    ("call", "words"),
    [
        ("torch.func.hessian(lambda a, b: a * b, argnums=(0, 1))(x, x)", "give one argnum"),
        ("torch.func.jacrev(lambda v: (v, v))(x)", "has_aux=True"),
    ],
)
def test_what_torch_func_does_beyond_one_tensor_is_refused_at_the_call(call: str, words: str) -> None:
    error = fails(f"import torch\nx = torch.ones(2)\ny = {call}\n", "forbidden")
    assert words in error.message
    assert (error.line, error.column) == (3, 4)


def test_a_hessian_of_a_tensor_is_sized_before_its_outer_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """jacrev(jacrev(f)): the inner Jacobian (200 × 200) runs its 200 passes; the outer one's
    200 × 200 × 200 elements are refused before any of its own."""
    passes = counted_passes(monkeypatch)
    call = "torch.func.hessian(lambda v: v * 2)(x)"
    error = fails(f"import torch\nx = torch.ones(200)\nH = {call}\n", "limit")
    assert (error.line, error.column, error.end_column) == (3, 4, 4 + len(call))
    assert "8000000 elements" in error.message
    assert passes == [200]
