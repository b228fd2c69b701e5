"""Every preset's hand-written gradient against torch.autograd.grad in float64; errors."""

from __future__ import annotations

import pytest
import torch

from autograd_explorer.errors import InvalidRequest
from autograd_explorer.optimize.objective import Objective
from autograd_explorer.optimize.presets import PRESET_NAMES, make_preset, polynomial_regression

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
