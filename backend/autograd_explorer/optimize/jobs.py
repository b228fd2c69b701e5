"""The optimization lab's jobs as plain-data functions: what an isolated worker runs.

Each job validates its payload into the request's schema, runs the core under one wall-clock
budget for the whole request (every call of the user's function and every step share it), and
returns the response schema's JSON data. The `check_*` functions are the static refusals (limits,
the function's text): the server calls them before dispatch, the job again before it runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

import orjson
import torch
from pydantic import BaseModel, ValidationError

from autograd_explorer.api.schemas.optimize import (
    ArrowsResult,
    ClosedFormResult,
    Curve,
    FunctionBody,
    FunctionInfo,
    LeastSquaresBody,
    LeastSquaresResult,
    PolynomialBody,
    PolynomialResult,
    SurfaceBody,
    SurfaceResult,
    SweepBody,
    SweepResult,
    SweepRowResult,
    TrajectoriesBody,
    TrajectoriesResult,
    TrajectoryBody,
    TrajectoryResult,
)
from autograd_explorer.errors import InvalidRequest
from autograd_explorer.lang.budget import shared_deadline
from autograd_explorer.lang.run import limits_from_settings
from autograd_explorer.optimize.figures import (
    least_squares_figure,
    regression_figure,
    surface_figure,
    sweep_figure,
    trajectories_figure,
)
from autograd_explorer.optimize.functions import resolve_objective
from autograd_explorer.optimize.least_squares import compare_least_squares
from autograd_explorer.optimize.lecture_data import polynomial_data
from autograd_explorer.optimize.objective import Objective
from autograd_explorer.optimize.optimizers import OptimizerSpec
from autograd_explorer.optimize.presets import least_squares
from autograd_explorer.optimize.regression import (
    closed_form,
    fit_polynomial,
    least_squares_coefficients,
    polynomial_curve,
    subsample,
    sweep,
)
from autograd_explorer.optimize.surface import Surface, evaluate_surface
from autograd_explorer.optimize.trajectory import (
    DTYPES,
    TimeLimit,
    Trajectory,
    nearest_minimum,
    run_trajectory,
)
from autograd_explorer.optimizer import TRAJECTORY_LR
from autograd_explorer.sandbox.precheck import check_function
from autograd_explorer.settings import Settings

Payload = Mapping[str, Any]
Body = TypeVar("Body", bound=BaseModel)


def validated(model: type[Body], payload: Payload) -> Body:
    """The payload as its request schema; a job does not trust its caller to have checked it."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidRequest(f"{where}: {first['msg']}", where.partition(".")[0]) from None


# --- static checks (server and worker) -----------------------------------------------------


def check_limit(value: int, limit: int, what: str, setting: str, field: str) -> None:
    """400 naming the setting when `value` exceeds `limit`."""
    if value > limit:
        raise InvalidRequest(f"{what} is {value}; at most {limit} allowed (setting {setting})", field)


def check_function_body(body: FunctionBody, settings: Settings) -> None:
    """A user's function is parsed and checked, never evaluated (presets need nothing)."""
    if body.source is not None:
        check_function(body.source, settings)


def check_surface(body: SurfaceBody, settings: Settings) -> None:
    """The grid within max_surface_grid; the function's text."""
    for size, name in ((body.nx, "nx"), (body.ny, "ny")):
        check_limit(size, settings.max_surface_grid, name, "max_surface_grid", name)
    check_function_body(body, settings)


def check_trajectory(body: TrajectoryBody, settings: Settings) -> None:
    """Steps within max_trajectory_steps; the function's text."""
    check_limit(body.steps, settings.max_trajectory_steps, "steps", "max_trajectory_steps", "steps")
    check_function_body(body, settings)


def check_trajectories(body: TrajectoriesBody, settings: Settings) -> None:
    """Runs and their total steps within the settings; every run as one trajectory."""
    check_limit(len(body.runs), settings.max_trajectory_runs, "runs", "max_trajectory_runs", "runs")
    total = sum(r.steps for r in body.runs)
    check_limit(
        total, settings.max_trajectory_total_steps, "steps of all runs", "max_trajectory_total_steps", "runs"
    )
    for run in body.runs:
        check_trajectory(run, settings)


def check_polynomial(body: PolynomialBody, settings: Settings) -> None:
    """Steps within max_regression_iterations."""
    check_limit(body.steps, settings.max_regression_iterations, "steps", "max_regression_iterations", "steps")


def check_sweep(body: SweepBody, settings: Settings) -> None:
    """The longest run within max_regression_iterations, the whole table within max_sweep_iterations."""
    longest = max(body.steps)
    check_limit(longest, settings.max_regression_iterations, "steps", "max_regression_iterations", "steps")
    check_limit(
        longest * len(body.lrs),
        settings.max_sweep_iterations,
        "lrs × longest run",
        "max_sweep_iterations",
        "lrs",
    )


# --- one budget per request ----------------------------------------------------------------


@contextmanager
def request_clock(seconds: float, setting: str) -> Iterator[TimeLimit]:
    """One wall clock for the whole request: the optimizer's steps and every program Budget."""
    limit = TimeLimit.starting_now(seconds, setting)
    with shared_deadline(seconds, setting):
        yield limit


def trajectory_clock(settings: Settings) -> AbstractContextManager[TimeLimit]:
    """The clock of the jobs that run optimizers (max_trajectory_seconds)."""
    return request_clock(settings.max_trajectory_seconds, "max_trajectory_seconds")


def objective_for(body: FunctionBody, settings: Settings) -> Objective:
    """The preset or compiled source of `body` (ProgramError → 400 for bad sources)."""
    return resolve_objective(
        preset=body.preset,
        source=body.source,
        condition_number=body.condition_number,
        limits=limits_from_settings(settings),
    )


# --- surface -------------------------------------------------------------------------------


def run_surface_job(payload: Payload, settings: Settings) -> dict[str, Any]:
    """A SurfaceBody in, a SurfaceResult's JSON data out."""
    body = validated(SurfaceBody, payload)
    check_surface(body, settings)
    with request_clock(settings.max_wall_seconds, "max_wall_seconds"):
        objective = objective_for(body, settings)
        fixed = dict(body.fixed or {})
        if body.fixed_default is not None:
            fixed = {n: fixed.get(n, body.fixed_default) for n in objective.parameters[2:]}
        grid = evaluate_surface(
            objective, box=body.box, nx=body.nx, ny=body.ny, fixed=fixed, dtype=DTYPES[body.dtype]
        )
    finite = grid.z[torch.isfinite(grid.z)]
    z_min = float(finite.min()) if finite.numel() else math.nan
    z_max = float(finite.max()) if finite.numel() else math.nan
    figure = surface_figure(grid, title=objective.formula, minima=objective.minima) if body.figure else None
    return SurfaceResult(
        function=FunctionInfo.of(objective),
        x_name=grid.x_name,
        y_name=grid.y_name,
        x=grid.x,
        y=grid.y,
        z=grid.z.double().tolist(),  # the schema's Number writes nan and ±inf as null
        z_min=z_min,
        z_max=z_max,
        figure=figure,
    ).model_dump(mode="json")


# --- trajectories --------------------------------------------------------------------------


def _run(body: TrajectoryBody, settings: Settings, clock: TimeLimit) -> tuple[Trajectory, Objective]:
    objective = objective_for(body, settings)
    run = run_trajectory(
        objective,
        start=body.start,
        optimizer=OptimizerSpec.of(body.optimizer, TRAJECTORY_LR),
        steps=body.steps,
        loss_tol=body.loss_tol,
        clear_grad=body.clear_grad,
        gradient=body.gradient,
        dtype=DTYPES[body.dtype],
        time_limit=clock,
    )
    return run, objective


def _figure_surface(objective: Objective, runs: list[Trajectory]) -> Surface | None:
    """The contour behind the paths: the preset's box widened to hold every finite path."""
    if len(objective.parameters) != 2:
        return None
    x_name, y_name = objective.parameters
    box = list(objective.box)
    # Widen to hold the paths, but at most one box width each way: a diverging path runs off to 1e17.
    limits = [2 * box[0] - box[1], 2 * box[1] - box[0], 2 * box[2] - box[3], 2 * box[3] - box[2]]
    for run in runs:
        for axis, name in ((0, x_name), (2, y_name)):
            values = [v for v in [*run.params[name], run.final_params[name]] if math.isfinite(v)]
            box[axis] = max(limits[axis], min([box[axis], *values]))
            box[axis + 1] = min(limits[axis + 1], max([box[axis + 1], *values]))
    return evaluate_surface(objective, box=(box[0], box[1], box[2], box[3]), nx=120, ny=120)


def _result(body: TrajectoryBody, run: Trajectory, objective: Objective) -> TrajectoryResult:
    figure = None
    if body.figure:
        title = f"{objective.name}: {run.label}, {run.reason} after {run.stopped_at} steps"
        figure = trajectories_figure([run], _figure_surface(objective, [run]), title=title)
    return TrajectoryResult.of(run, objective, nearest_minimum(objective, run), figure, every=body.every)


def run_trajectory_job(payload: Payload, settings: Settings) -> dict[str, Any]:
    """A TrajectoryBody in, a TrajectoryResult's JSON data out."""
    body = validated(TrajectoryBody, payload)
    check_trajectory(body, settings)
    with trajectory_clock(settings) as clock:
        run, objective = _run(body, settings, clock)
        return _result(body, run, objective).model_dump(mode="json")


def run_trajectories_job(payload: Payload, settings: Settings) -> dict[str, Any]:
    """A TrajectoriesBody in, a TrajectoriesResult's JSON data out; all runs share one clock."""
    body = validated(TrajectoriesBody, payload)
    check_trajectories(body, settings)
    with trajectory_clock(settings) as clock:
        done = [_run(r, settings, clock) for r in body.runs]
        results = [_result(r, run, objective) for r, (run, objective) in zip(body.runs, done, strict=True)]
        figure = None
        if body.figure:
            first = done[0][1]
            same = [run for run, objective in done if objective.formula == first.formula]
            labels = [
                f"{run.label} from ({', '.join(f'{run.params[n][0]:g}' for n in run.parameters)})"
                for run in same
            ]
            figure = trajectories_figure(
                same, _figure_surface(first, same), title=f"{first.name}: {len(same)} runs", labels=labels
            )
    return TrajectoriesResult(runs=results, figure=figure).model_dump(mode="json")


def split_trajectories(body: TrajectoriesBody, parts: int) -> list[list[TrajectoryBody]]:
    """The runs of `body` in at most `parts` consecutive groups of about equal steps, each one job.

    The pool's workers then compute the groups side by side (the lab's Rosenbrock example, two
    2,000-step runs, on two cores at once). Groups are consecutive so that a refusal is the one the
    whole request gives: the first failing group holds the first failing run. A figure overlays all
    runs, so a request for one stays whole.
    """
    runs = list(body.runs)
    parts = min(parts, len(runs))
    if body.figure or parts <= 1:
        return [runs]
    total = sum(r.steps for r in runs)
    groups: list[list[TrajectoryBody]] = [[]]
    done = 0  # steps in the groups before the current one and in it
    for i, run in enumerate(runs):
        left = len(runs) - i  # runs not placed yet, this one included
        # Close the current group when it has its share of the steps, or when each later group
        # needs one of the runs left; never leave a group empty.
        share = total * len(groups) / parts
        full = done + run.steps / 2 > share or left <= parts - len(groups)
        if groups[-1] and len(groups) < parts and full:
            groups.append([])
        groups[-1].append(run)
        done += run.steps
    return groups


def merge_trajectories(answers: list[bytes]) -> bytes:
    """The groups' TrajectoriesResult JSON answers, in order, as one (no figure: see split_trajectories)."""
    runs: list[Any] = []
    for answer in answers:
        runs.extend(orjson.loads(answer)["runs"])
    return orjson.dumps({"runs": runs, "figure": None})


# --- regression and least squares -----------------------------------------------------------


def run_polynomial_job(payload: Payload, settings: Settings) -> dict[str, Any]:
    """A PolynomialBody in, a PolynomialResult's JSON data out."""
    body = validated(PolynomialBody, payload)
    check_polynomial(body, settings)
    data = {"seed": body.data.seed, "num": body.data.num}
    with trajectory_clock(settings) as clock:
        fit = fit_polynomial(
            body.method,
            lr=body.lr,
            iterations=body.steps,
            degree=body.degree,
            init_seed=body.init_seed,
            dtype=DTYPES[body.dtype],
            time_limit=clock,
            **data,
        )
    x, y = polynomial_data(**data)
    steps, losses = subsample(fit.losses, body.max_loss_points)
    curve_x, curve_y = polynomial_curve(fit.coefficients)
    figure = None
    if body.figure:
        fits = [fit] if fit.method == "closed_form" else [fit, closed_form(degree=body.degree, **data)]
        figure = regression_figure(
            (x.tolist(), y.tolist()), fits, title=f"Polynomial of degree {body.degree}"
        )
    return PolynomialResult(
        method=fit.method,
        lr=fit.lr,
        steps=fit.iterations,
        iterations=fit.iterations,
        degree=body.degree,
        coefficients=fit.coefficients,
        loss=fit.loss,
        last_step_loss=fit.last_step_loss,
        losses=losses,
        loss_steps=steps,
        diverged=fit.diverged,
        curve=Curve(x=curve_x, y=curve_y),
        data=Curve(x=x.tolist(), y=y.tolist()),
        figure=figure,
    ).model_dump(mode="json")


def run_sweep_job(payload: Payload, settings: Settings) -> dict[str, Any]:
    """A SweepBody in, a SweepResult's JSON data out; the whole table shares one clock."""
    body = validated(SweepBody, payload)
    check_sweep(body, settings)
    data = {"seed": body.data.seed, "num": body.data.num}
    with trajectory_clock(settings) as clock:
        rows = sweep(
            body.method,
            lrs=body.lrs,
            iterations=body.steps,
            degree=body.degree,
            init_seed=body.init_seed,
            dtype=DTYPES[body.dtype],
            time_limit=clock,
            **data,
        )
    closed = closed_form(degree=body.degree, **data)
    lstsq = least_squares_coefficients(degree=body.degree, **data)
    return SweepResult(
        method=body.method,
        rows=[SweepRowResult.of(r) for r in rows],
        closed_form=ClosedFormResult.of(closed, lstsq),
        figure=sweep_figure(rows, closed) if body.figure else None,
    ).model_dump(mode="json")


def run_least_squares_job(payload: Payload, settings: Settings) -> dict[str, Any]:
    """A LeastSquaresBody in, a LeastSquaresResult's JSON data out (§4 and §5)."""
    body = validated(LeastSquaresBody, payload)
    with trajectory_clock(settings) as clock:
        result = compare_least_squares(
            iterations=body.steps,
            step_size=body.lr,
            dtype=DTYPES[body.dtype],
            grid=body.grid,
            time_limit=clock,
        )
    objective = least_squares()
    figure = None
    if body.figure:
        figure = least_squares_figure(result, evaluate_surface(objective, nx=100, ny=100))
    return LeastSquaresResult(
        lr=result.step_size,
        step_size=result.step_size,
        sigma_max=result.sigma_max,
        manual=TrajectoryResult.of(result.manual, objective, nearest_minimum(objective, result.manual)),
        autograd=TrajectoryResult.of(result.autograd, objective, nearest_minimum(objective, result.autograd)),
        max_difference=result.max_difference,
        arrows=ArrowsResult.of(result.arrows),
        figure=figure,
    ).model_dump(mode="json")
