"""The lecture's programs (CONTENT.md §1–§3, §7), checked against hand derivations and float64 autograd."""

from __future__ import annotations

import pytest
import torch

from tests.lang.helpers import fails, run


def as_float(value: object) -> float:
    assert isinstance(value, torch.Tensor)
    return float(value.detach())


def test_first_graph_value_and_gradient() -> None:
    """§1: f(x) = x³ − 3x at x = 1: f = −2, f′ = 3x² − 3 = 0."""
    result = run("f = x**3 - 3*x\nf.backward()", {"x": 1.0})
    assert as_float(result.namespace["f"]) == -2.0
    assert as_float(result.namespace["x"].grad) == 0.0  # type: ignore[union-attr]


@pytest.mark.parametrize("x", [-2.0, -0.5, 0.3, 1.7])
def test_first_graph_derivative_matches_hand_and_float64(x: float) -> None:
    result = run("x**3 - 3*x", {"x": x})
    (grad,) = torch.autograd.grad(result.output, [result.namespace["x"]])  # type: ignore[list-item, arg-type]
    x64 = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (oracle,) = torch.autograd.grad(x64**3 - 3 * x64, [x64])
    assert float(grad) == pytest.approx(3 * x * x - 3, abs=1e-5)
    assert float(grad) == pytest.approx(float(oracle), abs=1e-5)


def test_two_ways_to_get_gradients() -> None:
    """§2: backward() fills .grad; autograd.grad returns the gradient and leaves .grad None."""
    via_backward = run("x = torch.tensor(2.0, requires_grad=True)\nf = x**3 - 3*x\nf.backward()\ng = x.grad")
    assert as_float(via_backward.namespace["g"]) == 9.0
    via_grad = run(
        "x = torch.tensor(2.0, requires_grad=True)\nf = x**3 - 3*x\ng, = torch.autograd.grad(f, x)"
    )
    assert as_float(via_grad.namespace["g"]) == 9.0
    assert via_grad.namespace["x"].grad is None  # type: ignore[union-attr]


def test_retain_grad_keeps_an_intermediates_gradient() -> None:
    source = (
        "x = torch.tensor(1.0, requires_grad=True)\nz1 = x**3\nz1.retain_grad()\nf = z1 - 3*x\nf.backward()"
    )
    ns = run(source).namespace
    assert as_float(ns["z1"].grad) == 1.0 and as_float(ns["x"].grad) == 0.0  # type: ignore[union-attr]


def test_inspecting_data_grad_fn_is_leaf_requires_grad() -> None:
    source = """x = torch.tensor(1.0, requires_grad=True)
z1 = x**3
info = (z1.data, z1.grad_fn, z1.is_leaf, z1.requires_grad, x.grad_fn, x.is_leaf)
"""
    data, grad_fn, is_leaf, requires_grad, x_grad_fn, x_is_leaf = run(source).namespace["info"]  # type: ignore[misc]
    assert as_float(data) == 1.0 and not data.requires_grad
    assert (grad_fn, is_leaf, requires_grad, x_grad_fn, x_is_leaf) == (
        "PowBackward0",
        False,
        True,
        None,
        True,
    )


@pytest.mark.parametrize("x", [1.0, 2.5, -1.5])
def test_second_derivative_with_create_graph_is_6x(x: float) -> None:
    source = """f = x**3 - 3*x
g, = torch.autograd.grad(f, x, create_graph=True)
h, = torch.autograd.grad(g, x)
"""
    ns = run(source, {"x": x}).namespace
    assert as_float(ns["g"]) == pytest.approx(3 * x * x - 3, rel=1e-6)
    assert as_float(ns["h"]) == pytest.approx(6 * x, rel=1e-6)


def test_second_derivative_through_backward_create_graph() -> None:
    source = """x = torch.tensor(2.0, requires_grad=True)
f = x**3 - 3*x
f.backward(create_graph=True)
g = x.grad
x.grad = None
g.backward()
"""
    ns = run(source).namespace
    assert as_float(ns["x"].grad) == 12.0  # type: ignore[union-attr]


def test_non_scalar_output_with_gradient_argument() -> None:
    """§2: Q = 3a³ − b², Q.backward(gradient=ones_like(Q)): dQ/da = 9a², dQ/db = −2b."""
    source = """a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3*a**3 - b**2
Q.backward(gradient=torch.ones_like(Q))
"""
    ns = run(source).namespace
    assert torch.allclose(ns["a"].grad, torch.tensor([36.0, 81.0]))  # type: ignore[union-attr, arg-type]
    assert torch.allclose(ns["b"].grad, torch.tensor([-12.0, -8.0]))  # type: ignore[union-attr, arg-type]


def test_detach_breaks_the_graph() -> None:
    source = """x = torch.tensor(2.0, requires_grad=True)
y = x * 3
z = y.detach()
w = z * x
w.backward()
"""
    ns = run(source).namespace
    assert ns["z"].requires_grad is False  # type: ignore[union-attr]
    assert as_float(ns["x"].grad) == 6.0  # type: ignore[union-attr]  # only the path through x itself
    cut = run("x = torch.tensor(2.0, requires_grad=True)\nz = (x * 3).detach()\nk = z.grad_fn")
    assert cut.namespace["k"] is None and cut.namespace["x"].grad is None  # type: ignore[union-attr]


def test_in_place_sqrt_fails_with_pytorchs_version_counter_message() -> None:
    """§3: sqrt saved its output; add_ changes it; backward refuses on the line of z.backward()."""
    source = """x = torch.tensor(4.0, requires_grad=True)
y = torch.sqrt(x)
y.add_(1)
z = 3 * y
z.backward()
"""
    error = fails(source, "autograd")
    x = torch.tensor(4.0, requires_grad=True)
    y = torch.sqrt(x)
    y.add_(1)
    with pytest.raises(RuntimeError) as direct:
        (3 * y).backward()
    assert error.message == str(direct.value)
    assert "modified by an inplace operation" in error.message and "version" in error.message
    assert (error.line, error.column, error.end_column) == (5, 0, 12)


def test_augmented_in_place_fails_the_same_way() -> None:
    error = fails(
        "x = torch.tensor(4.0, requires_grad=True)\ny = torch.sqrt(x)\ny += 1\nz = 3 * y\nz.backward()",
        "autograd",
    )
    assert "modified by an inplace operation" in error.message and error.line == 5


def test_out_of_place_version_gives_three_quarters() -> None:
    source = (
        "x = torch.tensor(4.0, requires_grad=True)\ny = torch.sqrt(x)\ny = y + 1\nz = 3 * y\nz.backward()"
    )
    assert as_float(run(source).namespace["x"].grad) == pytest.approx(0.75)  # type: ignore[union-attr]


def test_gradient_accumulation_loop_leaves_six() -> None:
    source = "x = torch.tensor(1.0, requires_grad=True)\nfor _ in range(3):\n    y = x * 2\n    y.backward()"
    result = run(source)
    assert as_float(result.namespace["x"].grad) == 6.0 and result.backward_calls == 3  # type: ignore[union-attr]


@pytest.mark.parametrize("clear", ["x.grad = None", "x.grad.zero_()"])
def test_clearing_the_gradient_fixes_accumulation(clear: str) -> None:
    source = f"""x = torch.tensor(1.0, requires_grad=True)
for i in range(3):
    y = x * 2
    y.backward()
    if_last = i
    {clear}
y = x * 2
y.backward()
"""
    assert as_float(run(source).namespace["x"].grad) == 2.0  # type: ignore[union-attr]


def test_no_grad_results_do_not_require_grad() -> None:
    source = (
        "x = torch.tensor(1.0, requires_grad=True)\nwith torch.no_grad():\n    y = x * 2\nr = y.requires_grad"
    )
    ns = run(source).namespace
    assert ns["r"] is False and ns["y"].grad_fn is None  # type: ignore[union-attr]


def test_toy_network_checked_by_hand() -> None:
    """§7: z = x @ w + b, loss = mean((z − y)²) with x = [[2, 3]], y = [[3]], w, b ones."""
    source = """x = torch.tensor([[2., 3.]])
y = torch.tensor([[3.]])
w = torch.ones(2, 1, requires_grad=True)
b = torch.ones(1, 1, requires_grad=True)
z = x @ w + b
loss = torch.mean((z - y)**2)
loss.backward()
names = (z.grad_fn, loss.grad_fn)
"""
    ns = run(source).namespace
    # z = 2 + 3 + 1 = 6; loss = (6 − 3)² = 9; dloss/dz = 2(z − y) = 6; dw = xᵀ·6; db = 6
    assert as_float(ns["z"]) == 6.0 and as_float(ns["loss"]) == 9.0
    assert torch.equal(ns["w"].grad, torch.tensor([[12.0], [18.0]]))  # type: ignore[union-attr, arg-type]
    assert torch.equal(ns["b"].grad, torch.tensor([[6.0]]))  # type: ignore[union-attr, arg-type]
    assert ns["names"] == ("AddBackward0", "MeanBackward0")
    assert ns["z"].grad is None  # type: ignore[union-attr]


def test_least_squares_gradient_is_xt_residual() -> None:
    """§4 in program form: f(w) = ½‖Xw − y‖², ∇f = Xᵀ(Xw − y), against float64 by hand."""
    source = """torch.manual_seed(0)
X = torch.randn(5, 2)
y = torch.randn(5)
w = torch.tensor([0.5, -1.0], requires_grad=True)
f = 0.5 * torch.norm(X @ w - y) ** 2
f.backward()
"""
    ns = run(source).namespace
    X, y = ns["X"].double(), ns["y"].double()  # type: ignore[union-attr]
    w = torch.tensor([0.5, -1.0], dtype=torch.float64)
    assert torch.allclose(ns["w"].grad.double(), X.T @ (X @ w - y), atol=1e-5)  # type: ignore[union-attr]
