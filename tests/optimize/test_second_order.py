"""Newton's method and L-BFGS in the trajectory lab, against a hand-derived Hessian, a closed form and
torch.optim.LBFGS run as a program writes it."""

from __future__ import annotations

import time

import pytest
import torch

from autograd_explorer.errors import InvalidRequest
from autograd_explorer.lang.contract import LanguageLimits
from autograd_explorer.optimize.functions import objective_from_source
from autograd_explorer.optimize.optimizers import OptimizerSpec
from autograd_explorer.optimize.presets import make_preset
from autograd_explorer.optimize.trajectory import TimeLimit, run_trajectory
from tests.optimize.reference import lbfgs_loop, rosenbrock_newton_loop

NEWTON, LBFGS = OptimizerSpec("newton", 1.0), OptimizerSpec("lbfgs", 1.0)


def test_newton_on_rosenbrock_is_the_hand_derived_hessians_step() -> None:
    run = run_trajectory(
        make_preset("rosenbrock"), start=None, optimizer=NEWTON, steps=6, dtype=torch.float64
    )
    expected = rosenbrock_newton_loop(-1.5, 2.0, 6)
    for k, (u, v) in enumerate(expected):
        assert run.params["u"][k] == pytest.approx(u, rel=1e-12, abs=1e-12)
        assert run.params["v"][k] == pytest.approx(v, rel=1e-12, abs=1e-12)
    assert (run.evaluations, run.hessians) == (6, 6)
    assert run.final_params == pytest.approx({"u": 1.0, "v": 1.0}, abs=1e-6)  # six steps from (−1.5, 2)


def test_newton_solves_a_quadratic_in_one_step_and_damping_scales_it() -> None:
    # ½ (u² + κ v²): H = diag(1, κ), so x − H⁻¹ ∇f is the minimum whatever κ (gradient descent zigzags)
    bowl = make_preset("quadratic", condition_number=100.0)
    run = run_trajectory(bowl, start={"u": 2.0, "v": -1.0}, optimizer=NEWTON, steps=2, dtype=torch.float64)
    assert (run.params["u"][1], run.params["v"][1]) == (0.0, 0.0) and run.losses[1] == 0.0
    half = run_trajectory(
        bowl,
        start={"u": 2.0, "v": -1.0},
        optimizer=OptimizerSpec("newton", 0.5),
        steps=2,
        dtype=torch.float64,
    )
    assert (half.params["u"][1], half.params["v"][1]) == (1.0, -0.5)


def test_newton_heads_for_the_nearest_stationary_point_even_a_saddle() -> None:
    # Beale's (0, 1) is a saddle: the gradient vanishes, the Hessian is indefinite; Newton from the
    # preset's start lands there in one step, where gradient descent would move on
    run = run_trajectory(
        make_preset("beale"), start=None, optimizer=NEWTON, steps=5, loss_tol=1e-12, dtype=torch.float64
    )
    assert run.final_params == pytest.approx({"u": 0.0, "v": 1.0}, abs=1e-12)
    eigenvalues = torch.linalg.eigvalsh(torch.tensor([[0.0, 14.25], [14.25, 0.0]], dtype=torch.float64))
    assert eigenvalues[0] < 0 < eigenvalues[1]  # Beale's Hessian at (0, 1), by hand: [[0, 14.25], [14.25, 0]]


def test_a_singular_hessian_stops_the_run_where_it_is() -> None:
    flat_valley = objective_from_source("(u + v)**2", LanguageLimits())  # H = [[2, 2], [2, 2]] everywhere
    run = run_trajectory(flat_valley, start={"u": 1.0, "v": 0.0}, optimizer=NEWTON, steps=10)
    assert run.reason == "singular" and run.stopped_at == 1
    assert run.final_params == {"u": 1.0, "v": 0.0} and run.final_loss == 1.0


@pytest.mark.parametrize("preset", ["rosenbrock", "himmelblau", "beale"])
def test_lbfgs_is_torch_optim_lbfgs_one_iteration_per_step(preset: str) -> None:
    objective = make_preset(preset)
    run = run_trajectory(objective, start=None, optimizer=LBFGS, steps=25)

    def f(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return objective({"u": u, "v": v})

    rows, calls = lbfgs_loop(f, objective.start["u"], objective.start["v"], 25)
    got = [
        (run.params["u"][k], run.params["v"][k], run.losses[k], run.grads["u"][k], run.grads["v"][k])
        for k in range(run.steps)
    ]
    assert got == rows  # float32, the same operations: bit for bit
    # the program's closure runs once more per step, for the point the step already evaluated
    assert run.evaluations == 25 + calls - 25 and run.hessians == 0


def test_lbfgs_reaches_rosenbrocks_minimum_in_far_fewer_evaluations_than_gradient_descent() -> None:
    rosenbrock = make_preset("rosenbrock")
    lbfgs = run_trajectory(rosenbrock, start=None, optimizer=LBFGS, steps=200, loss_tol=1e-14)
    gd = run_trajectory(rosenbrock, start=None, optimizer=OptimizerSpec("gd", 1e-3), steps=5000)
    assert lbfgs.final_params == pytest.approx({"u": 1.0, "v": 1.0}, abs=1e-3)
    assert lbfgs.evaluations < 150 and lbfgs.final_loss < 1e-8
    assert gd.final_loss > 1e-4  # still in the valley after 5,000 evaluations


def test_second_order_methods_refuse_what_they_cannot_do() -> None:
    rosenbrock = make_preset("rosenbrock")
    for spec in (NEWTON, LBFGS):
        with pytest.raises(InvalidRequest) as info:
            run_trajectory(rosenbrock, start=None, optimizer=spec, steps=3, gradient="manual")
        assert info.value.field == "gradient" and "autograd" in str(info.value)
    with pytest.raises(InvalidRequest) as info:
        run_trajectory(rosenbrock, start=None, optimizer=LBFGS, steps=3, clear_grad=False)
    assert info.value.field == "clear_grad"
    # Newton with gradients left to accumulate uses the accumulated one, as the pitfall's loop would:
    # x₃ = x₂ − H(x₂)⁻¹ (g₁ + g₂), the Hessian from torch.autograd.functional in float64
    himmelblau = make_preset("himmelblau")
    run = run_trajectory(
        himmelblau, start=None, optimizer=NEWTON, steps=3, clear_grad=False, dtype=torch.float64
    )

    def f(x: torch.Tensor) -> torch.Tensor:
        return himmelblau({"u": x[0], "v": x[1]})

    points = [torch.tensor([run.params["u"][k], run.params["v"][k]], dtype=torch.float64) for k in range(3)]
    fresh = [torch.autograd.functional.jacobian(f, p) for p in points[:2]]
    assert [run.grads["u"][1], run.grads["v"][1]] == pytest.approx((fresh[0] + fresh[1]).tolist(), rel=1e-12)
    step = torch.linalg.solve(torch.autograd.functional.hessian(f, points[1]), fresh[0] + fresh[1])
    assert points[2].tolist() == pytest.approx((points[1] - step).tolist(), rel=1e-12)


def test_every_evaluation_of_a_line_search_checks_the_requests_clock() -> None:
    # one L-BFGS step may evaluate the function 26 times: the clock is read at each, not once a step
    checked: list[int] = []

    class Counting(TimeLimit):
        def check(self, steps_done: int, steps_field: str) -> None:
            checked.append(steps_done)

    clock = Counting(60.0, "test", time.monotonic() + 60)
    run = run_trajectory(make_preset("rosenbrock"), start=None, optimizer=LBFGS, steps=5, time_limit=clock)
    assert run.evaluations > run.steps and len(checked) == run.steps + (run.evaluations - run.steps)
