"""Every preset's hand-written gradient against torch.autograd.grad in float64; surfaces; errors."""

from __future__ import annotations

import pytest
import torch

from autograd_explorer.errors import InvalidRequest
from autograd_explorer.optimize.objective import Objective
from autograd_explorer.optimize.presets import PRESET_NAMES, make_preset, polynomial_regression
from autograd_explorer.optimize.surface import evaluate_surface

OBJECTIVES = [make_preset(name) for name in PRESET_NAMES] + [
    make_preset("quadratic", condition_number=100.0),
    polynomial_regression(2),
    polynomial_regression(4),
]


@pytest.mark.parametrize("objective", OBJECTIVES, ids=lambda o: f"{o.name}-{len(o.parameters)}")
def test_hand_gradient_equals_autograd_in_float64(objective: Objective) -> None:
    assert objective.manual_gradient is not None
    generator = torch.Generator().manual_seed(3)
    for _ in range(5):
        values = {
            n: torch.randn((), generator=generator, dtype=torch.float64).requires_grad_()
            for n in objective.parameters
        }
        expected = torch.autograd.grad(objective(values), list(values.values()))
        by_hand = objective.manual_gradient(values)
        for name, grad in zip(objective.parameters, expected, strict=True):
            assert by_hand[name].item() == pytest.approx(grad.item(), rel=1e-10, abs=1e-10)


def test_quadratic_has_the_chosen_condition_number() -> None:
    quadratic = make_preset("quadratic", condition_number=50.0)
    u, v = torch.tensor(0.0, requires_grad=True), torch.tensor(0.0, requires_grad=True)
    hessian = torch.autograd.functional.hessian(lambda a, b: quadratic({"u": a, "v": b}), (u, v))
    eigen = torch.linalg.eigvalsh(torch.tensor([[float(h) for h in row] for row in hessian]))
    assert (eigen.max() / eigen.min()).item() == pytest.approx(50.0)


def test_unknown_preset_names_the_choices() -> None:
    with pytest.raises(InvalidRequest, match="unknown preset 'nope'; choose one of himmelblau, rosenbrock"):
        make_preset("nope")


@pytest.mark.parametrize("name", ["himmelblau", "rosenbrock", "least_squares", "beale"])
def test_surface_equals_pointwise_evaluation(name: str) -> None:
    objective = make_preset(name)
    surface = evaluate_surface(objective, nx=7, ny=5)
    assert surface.z.shape == (5, 7) and len(surface.x) == 7 and len(surface.y) == 5
    x_name, y_name = objective.parameters
    for i in (0, 2, 4):
        for j in (0, 3, 6):
            point = {x_name: torch.tensor(surface.x[j]), y_name: torch.tensor(surface.y[i])}
            assert surface.z[i, j].item() == pytest.approx(objective(point).item(), rel=1e-5)
    assert surface.x[0] == objective.box[0] and surface.y[-1] == objective.box[3]


def test_surface_needs_two_parameters_and_values_for_the_rest() -> None:
    one = Objective("one", ("u",), lambda p: p["u"] ** 2, "u**2")
    with pytest.raises(InvalidRequest, match="needs a function of two parameters; this one has 1 \\(u\\)"):
        evaluate_surface(one)
    three = Objective("three", ("u", "v", "w"), lambda p: p["u"] + p["v"] * p["w"], "u + v*w")
    with pytest.raises(InvalidRequest, match="give fixed values for w"):
        evaluate_surface(three)
    surface = evaluate_surface(three, nx=2, ny=2, box=(0, 1, 0, 1), fixed={"w": 2.0})
    assert surface.z.tolist() == [[0.0, 1.0], [2.0, 3.0]]


def test_surface_refuses_a_reduction() -> None:
    total = Objective("sum", ("u", "v"), lambda p: (p["u"] + p["v"]).sum(), "sum(u + v)")
    with pytest.raises(InvalidRequest, match="does not work elementwise on a grid"):
        evaluate_surface(total, nx=3, ny=3)
