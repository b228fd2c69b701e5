"""Surfaces: one vectorized evaluation equals the function point by point; refusals."""

from __future__ import annotations

import pytest
import torch

from autograd_explorer.errors import InvalidRequest
from autograd_explorer.optimize.objective import Objective
from autograd_explorer.optimize.presets import make_preset
from autograd_explorer.optimize.surface import evaluate_surface


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


@pytest.mark.parametrize(
    "function",
    [
        lambda p: p["u"].mean() + p["v"],  # broadcasts back to the grid's shape, but mixes its points
        lambda p: torch.softmax(p["u"], 0) + p["v"],
    ],
)
def test_surface_refuses_a_shape_preserving_function_that_mixes_grid_points(function: object) -> None:
    # Found in QA: only the shape was checked, so u.mean() + v drew a surface that is not f.
    objective = Objective("mixing", ("u", "v"), function, "mixing")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest, match="does not work elementwise on a grid"):
        evaluate_surface(objective, nx=6, ny=5)
