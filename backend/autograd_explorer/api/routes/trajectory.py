"""POST /api/trajectory and /api/trajectories: gradient-descent runs recorded step by step."""

from __future__ import annotations

import math

from fastapi import APIRouter

from autograd_explorer.api.deps import SettingsDep
from autograd_explorer.api.routes.optimize_common import check_limit, dtype_of, objective_for
from autograd_explorer.api.schemas.optimize import (
    TrajectoriesBody,
    TrajectoriesResult,
    TrajectoryBody,
    TrajectoryResult,
)
from autograd_explorer.optimize.figures import trajectories_figure
from autograd_explorer.optimize.objective import Objective
from autograd_explorer.optimize.surface import Surface, evaluate_surface
from autograd_explorer.optimize.trajectory import Trajectory, nearest_minimum, run_trajectory
from autograd_explorer.settings import Settings

router = APIRouter(tags=["optimization"])


def _run(body: TrajectoryBody, settings: Settings) -> tuple[Trajectory, Objective]:
    check_limit(body.steps, settings.max_trajectory_steps, "steps", "max_trajectory_steps", "steps")
    objective = objective_for(body, settings)
    run = run_trajectory(
        objective,
        start=body.start,
        optimizer=body.optimizer.spec(),
        steps=body.steps,
        loss_tol=body.loss_tol,
        clear_grad=body.clear_grad,
        gradient=body.gradient,
        dtype=dtype_of(body.dtype),
        max_seconds=settings.max_trajectory_seconds,
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
    return TrajectoryResult.of(run, objective, nearest_minimum(objective, run), figure)


@router.post("/api/trajectory", response_model=TrajectoryResult)
def trajectory(body: TrajectoryBody, settings: SettingsDep) -> TrajectoryResult:
    """One run: every step's point, loss and gradient before its update, why it stopped, the final point."""
    run, objective = _run(body, settings)
    return _result(body, run, objective)


@router.post("/api/trajectories", response_model=TrajectoriesResult)
def trajectories(body: TrajectoriesBody, settings: SettingsDep) -> TrajectoriesResult:
    """Several runs side by side; the figure overlays them on the first run's function."""
    check_limit(len(body.runs), settings.max_trajectory_runs, "runs", "max_trajectory_runs", "runs")
    total = sum(r.steps for r in body.runs)
    check_limit(
        total, settings.max_trajectory_total_steps, "steps of all runs", "max_trajectory_total_steps", "runs"
    )
    done = [_run(r, settings) for r in body.runs]
    results = [_result(r, run, objective) for r, (run, objective) in zip(body.runs, done, strict=True)]
    figure = None
    if body.figure:
        first = done[0][1]
        same = [run for run, objective in done if objective.formula == first.formula]
        labels = [
            f"{run.label} from ({', '.join(f'{run.params[n][0]:g}' for n in run.parameters)})" for run in same
        ]
        figure = trajectories_figure(
            same, _figure_surface(first, same), title=f"{first.name}: {len(same)} runs", labels=labels
        )
    return TrajectoriesResult(runs=results, figure=figure)
