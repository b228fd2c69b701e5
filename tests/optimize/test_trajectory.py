"""The trajectory core against the lecture's own loops, with CONTENT.md's step semantics."""

from __future__ import annotations

import math

import pytest
import torch

from autograd_explorer.errors import InvalidRequest, ProgramError
from autograd_explorer.optimize.objective import Objective, Values
from autograd_explorer.optimize.optimizers import OptimizerSpec
from autograd_explorer.optimize.presets import make_preset
from autograd_explorer.optimize.trajectory import TimeLimit, Trajectory, nearest_minimum, run_trajectory
from tests.optimize.reference import accumulation_loop, himmelblau_loop

GD_5E4 = OptimizerSpec("gd", 5e-4)


def rows_of(run: Trajectory) -> list[tuple[float, ...]]:
    u, v = run.parameters
    return [
        (run.params[u][k], run.params[v][k], run.losses[k], run.grads[u][k], run.grads[v][k])
        for k in range(run.steps)
    ]


@pytest.mark.parametrize("start", [(1.0, 1.0), (-1.0, -1.0), (-1.0, 1.0)])
@pytest.mark.parametrize("tol", [None, 1e-4])
def test_himmelblau_matches_the_lecture_loop_exactly(start: tuple[float, float], tol: float | None) -> None:
    expected, end = himmelblau_loop(*start, tol=tol)
    run = run_trajectory(
        make_preset("himmelblau"),
        start={"u": start[0], "v": start[1]},
        optimizer=GD_5E4,
        steps=300,
        loss_tol=tol,
    )
    assert rows_of(run) == expected  # same float32 operations: bit for bit
    assert run.stopped_at == len(expected)
    assert (run.final_params["u"], run.final_params["v"]) == end
    assert run.reason == ("max_steps" if tol is None else "tolerance")


def test_himmelblau_runs_reach_three_different_minima() -> None:
    himmelblau = make_preset("himmelblau")
    reached = set()
    for u, v in [(1.0, 1.0), (-1.0, -1.0), (-1.0, 1.0)]:
        run = run_trajectory(himmelblau, start={"u": u, "v": v}, optimizer=GD_5E4, steps=300)
        nearest = nearest_minimum(himmelblau, run)
        assert nearest is not None and nearest[1] < 0.01
        reached.add(nearest[0])
    assert reached == {0, 1, 2}


@pytest.mark.parametrize("clear", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_accumulation_tables_match_the_exercise_loop(clear: bool, dtype: torch.dtype) -> None:
    run = run_trajectory(
        make_preset("accumulation"),
        start=None,
        optimizer=OptimizerSpec("gd", 0.1),
        steps=10,
        clear_grad=clear,
        dtype=dtype,
    )
    table = [
        (run.losses[k], run.params["a"][k], run.params["b"][k], run.grads["a"][k], run.grads["b"][k])
        for k in range(10)
    ]
    assert table == accumulation_loop(clear, dtype)


def test_accumulated_gradient_is_the_sum_of_the_fresh_ones() -> None:
    run = run_trajectory(
        make_preset("accumulation"),
        start=None,
        optimizer=OptimizerSpec("gd", 0.1),
        steps=10,
        clear_grad=False,
    )
    fresh = [2 * (a * 1.5 + b - 2.5) * 1.5 for a, b in zip(run.params["a"], run.params["b"], strict=True)]
    assert run.grads["a"] == pytest.approx([sum(fresh[: k + 1]) for k in range(10)], rel=1e-5)
    # §9's point: without clearing the loss does not settle; with clearing it goes to 0.
    assert run.losses[-1] > 1e-3
    cleared = run_trajectory(
        make_preset("accumulation"), start=None, optimizer=OptimizerSpec("gd", 0.1), steps=10
    )
    assert cleared.losses[-1] < 1e-6


def test_tolerance_stops_at_step_two_without_updating() -> None:
    run = run_trajectory(make_preset("himmelblau"), start=None, optimizer=GD_5E4, steps=50, loss_tol=1e9)
    assert run.reason == "tolerance" and run.stopped_at == 2 and run.steps == 2
    assert run.final_params == {"u": run.params["u"][1], "v": run.params["v"][1]}
    assert run.final_loss == run.losses[1]


def test_final_point_is_one_update_after_the_last_recorded_step() -> None:
    run = run_trajectory(make_preset("himmelblau"), start=None, optimizer=GD_5E4, steps=5)
    for name in ("u", "v"):
        expected = torch.tensor(run.params[name][-1]) - 5e-4 * torch.tensor(run.grads[name][-1])
        assert run.final_params[name] == expected.item()
    assert run.final_loss == pytest.approx(
        make_preset("himmelblau")({n: torch.tensor(run.final_params[n]) for n in ("u", "v")}).item()
    )


def test_divergence_is_a_result_that_stops_at_the_first_non_finite_loss() -> None:
    run = run_trajectory(make_preset("himmelblau"), start=None, optimizer=OptimizerSpec("gd", 1.0), steps=100)
    assert run.reason == "diverged"
    assert not math.isfinite(run.losses[-1])
    assert all(math.isfinite(v) for v in run.losses[:-1])
    assert run.stopped_at == run.steps < 100
    assert run.final_loss == run.losses[-1]


@pytest.mark.parametrize("name", ["momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_torch_optimizers_follow_the_same_step_semantics(name: str) -> None:
    spec = OptimizerSpec(name, 1e-3)  # type: ignore[arg-type]
    run = run_trajectory(make_preset("rosenbrock"), start={"u": -1.5, "v": 2.0}, optimizer=spec, steps=40)
    u = torch.tensor(-1.5, requires_grad=True)
    v = torch.tensor(2.0, requires_grad=True)
    classes = {
        "momentum": lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9),
        "nesterov": lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True),
        "adagrad": lambda p: torch.optim.Adagrad(p, lr=1e-3),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=1e-3),
        "adam": lambda p: torch.optim.Adam(p, lr=1e-3),
    }
    optimizer = classes[name]([u, v])
    for k in range(40):
        optimizer.zero_grad()
        loss = (1 - u) ** 2 + 100 * (v - u**2) ** 2
        loss.backward()
        assert (run.params["u"][k], run.params["v"][k], run.losses[k]) == (u.item(), v.item(), loss.item())
        optimizer.step()
    assert run.final_params == {"u": u.item(), "v": v.item()}


@pytest.mark.parametrize(
    ("dtype", "spec", "clear"),
    [
        (torch.float32, OptimizerSpec("adam", 0.05), True),  # the lab's Rosenbrock example
        (torch.float64, OptimizerSpec("adam", 0.01, beta1=0.8, beta2=0.99, eps=1e-6), True),
        (torch.float32, OptimizerSpec("adam", 1e-3), False),  # accumulated gradients
    ],
)
def test_adam_is_torch_optim_adam_bit_for_bit_over_a_long_run(
    dtype: torch.dtype, spec: OptimizerSpec, clear: bool
) -> None:
    # The trajectory calls Adam's functional form with its own state (optimizers.adam_step): over
    # 2,000 steps any difference in the update's arithmetic or in the step count would show.
    steps = 2000
    run = run_trajectory(
        make_preset("rosenbrock"),
        start={"u": -1.5, "v": 2.0},
        optimizer=spec,
        steps=steps,
        dtype=dtype,
        clear_grad=clear,
        stop_on_divergence=False,
    )
    u = torch.tensor(-1.5, dtype=dtype, requires_grad=True)
    v = torch.tensor(2.0, dtype=dtype, requires_grad=True)
    optimizer = torch.optim.Adam(
        [u, v], lr=spec.lr, betas=(spec.beta1, spec.beta2), eps=1e-8 if spec.eps is None else spec.eps
    )
    rows = []
    for _ in range(steps):
        if clear:
            optimizer.zero_grad()
        loss = (1 - u) ** 2 + 100 * (v - u**2) ** 2
        loss.backward()
        assert u.grad is not None and v.grad is not None
        rows.append((u.item(), v.item(), loss.item(), u.grad.item(), v.grad.item()))
        optimizer.step()
    recorded = list(
        zip(run.params["u"], run.params["v"], run.losses, run.grads["u"], run.grads["v"], strict=True)
    )
    assert recorded == rows
    assert run.final_params == {"u": u.item(), "v": v.item()}


@pytest.mark.parametrize(
    "name", ["himmelblau", "rosenbrock", "quadratic", "least_squares", "beale", "accumulation"]
)
def test_manual_gradient_runs_match_autograd_runs(name: str) -> None:
    objective = make_preset(name)
    spec = OptimizerSpec("gd", 1e-3)
    by_hand = run_trajectory(
        objective, start=None, optimizer=spec, steps=30, gradient="manual", dtype=torch.float64
    )
    by_autograd = run_trajectory(objective, start=None, optimizer=spec, steps=30, dtype=torch.float64)
    for n in objective.parameters:
        assert by_hand.params[n] == pytest.approx(by_autograd.params[n], rel=1e-12, abs=1e-12)
        assert by_hand.grads[n] == pytest.approx(by_autograd.grads[n], rel=1e-12, abs=1e-12)


def test_manual_gradient_accumulates_without_clearing_like_autograd() -> None:
    spec = OptimizerSpec("gd", 0.1)
    kwargs = {"start": None, "optimizer": spec, "steps": 10, "clear_grad": False, "dtype": torch.float64}
    by_hand = run_trajectory(make_preset("accumulation"), gradient="manual", **kwargs)  # type: ignore[arg-type]
    by_autograd = run_trajectory(make_preset("accumulation"), **kwargs)  # type: ignore[arg-type]
    assert by_hand.grads["a"] == pytest.approx(by_autograd.grads["a"], rel=1e-12)


def _vector(p: Values) -> torch.Tensor:
    return torch.stack([p["u"], p["u"] * 2])


def test_a_non_scalar_function_is_refused_with_its_shape() -> None:
    objective = Objective("vector", ("u",), _vector, "[u, 2u]", start={"u": 1.0})
    with pytest.raises(InvalidRequest) as info:
        run_trajectory(objective, start=None, optimizer=GD_5E4, steps=3)
    assert info.value.message == "the function must give one number (a scalar); at step 1 it gave shape [2]"


def _scalar_then_vector(p: Values) -> torch.Tensor:
    # Found in issue 9: a function whose shape changes after step 1 answered 500.
    return p["u"] ** 2 * torch.ones(1 + int(p["u"].item() < 0.9) * 2)


def test_a_function_that_changes_shape_later_is_refused_at_that_step() -> None:
    objective = Objective("changing", ("u",), _scalar_then_vector, "u**2 * ones(…)", start={"u": 1.0})
    with pytest.raises(InvalidRequest) as info:
        run_trajectory(objective, start=None, optimizer=OptimizerSpec("gd", 0.1), steps=5)
    # step 1 at u = 1 is a scalar; its update moves u to 1 - 0.1 * 2 = 0.8 < 0.9
    assert info.value.message == "the function must give one number (a scalar); at step 2 it gave shape [3]"
    assert info.value.field == "source"


def test_a_complex_loss_is_refused() -> None:
    objective = Objective("complex", ("u",), lambda p: p["u"] * torch.tensor(1j), "u·i", start={"u": 1.0})
    with pytest.raises(ProgramError) as info:
        run_trajectory(objective, start=None, optimizer=GD_5E4, steps=3)
    assert (info.value.type, info.value.line) == ("runtime", 1)
    assert info.value.message == "complex numbers are not supported: the function gave a complex64 value"


def test_start_must_name_every_parameter_and_nothing_else() -> None:
    himmelblau = make_preset("himmelblau")
    with pytest.raises(InvalidRequest, match="start is missing v; the function's parameters are u, v"):
        run_trajectory(himmelblau, start={"u": 1.0}, optimizer=GD_5E4, steps=3)
    with pytest.raises(InvalidRequest, match="start names w, which the function does not use"):
        run_trajectory(himmelblau, start={"u": 1.0, "v": 1.0, "w": 0.0}, optimizer=GD_5E4, steps=3)


def test_manual_gradient_needs_a_hand_written_one() -> None:
    objective = Objective("plain", ("u",), lambda p: p["u"] ** 2, "u**2", start={"u": 1.0})
    with pytest.raises(InvalidRequest, match="there is no hand-written gradient for plain"):
        run_trajectory(objective, start=None, optimizer=GD_5E4, steps=3, gradient="manual")


def test_a_parameter_the_loss_ignores_gets_a_zero_gradient() -> None:
    objective = Objective(
        "flat", ("u", "v"), lambda p: p["u"] ** 2 + 0 * p["v"].detach(), "u**2", start={"u": 1.0, "v": 2.0}
    )
    run = run_trajectory(objective, start=None, optimizer=OptimizerSpec("gd", 0.1), steps=3)
    assert run.grads["v"] == [0.0, 0.0, 0.0] and run.final_params["v"] == 2.0
    assert run.grads["u"] == pytest.approx([2.0, 1.6, 1.28])


def test_the_wall_clock_limit_refuses_a_run_that_takes_too_long() -> None:
    clock = TimeLimit.starting_now(1e-9, "max_trajectory_seconds")
    with pytest.raises(ProgramError) as info:
        run_trajectory(make_preset("himmelblau"), start=None, optimizer=GD_5E4, steps=1000, time_limit=clock)
    assert info.value.type == "limit"
    # checked after every step, not every 256: the first step is already too late
    assert info.value.message == (
        "the request ran longer than 1e-09 s, the limit (max_trajectory_seconds), after 1 step; "
        "ask for fewer steps"
    )


def test_runs_sharing_a_clock_share_its_deadline() -> None:
    clock = TimeLimit.starting_now(3600, "max_trajectory_seconds")
    run_trajectory(make_preset("himmelblau"), start=None, optimizer=GD_5E4, steps=3, time_limit=clock)
    spent = TimeLimit(3600, "max_trajectory_seconds", clock.deadline - 3600)  # the same budget, used up
    with pytest.raises(ProgramError, match="after 1 step;"):
        run_trajectory(make_preset("himmelblau"), start=None, optimizer=GD_5E4, steps=3, time_limit=spent)
