"""POST /api/trajectory and /api/trajectories: gradient-descent runs recorded step by step.

Both run in the evaluator (an isolated worker by default) under one wall clock for the whole
request (max_trajectory_seconds), however many runs and steps it holds. The runs of one
/api/trajectories request are split into one job per worker, computed side by side.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from autograd_explorer.api.deps import SettingsDep
from autograd_explorer.api.evaluation import (
    EVALUATION_ERRORS,
    EvaluatorDep,
    run_job,
    run_jobs_side_by_side,
    side_by_side,
)
from autograd_explorer.api.schemas.optimize import (
    TrajectoriesBody,
    TrajectoriesResult,
    TrajectoryBody,
    TrajectoryResult,
)
from autograd_explorer.optimize.jobs import (
    check_trajectories,
    check_trajectory,
    merge_trajectories,
    split_trajectories,
)
from autograd_explorer.sandbox.registry import JOBS, job_spec

router = APIRouter(tags=["optimization"])


@router.post("/api/trajectory", response_model=TrajectoryResult, responses=EVALUATION_ERRORS)
def trajectory(body: TrajectoryBody, settings: SettingsDep, evaluator: EvaluatorDep) -> Response:
    """One run: every step's point, loss and gradient before its update, why it stopped, the final point."""
    check_trajectory(body, settings)
    return run_job(evaluator, "trajectory", body)


@router.post("/api/trajectories", response_model=TrajectoriesResult, responses=EVALUATION_ERRORS)
def trajectories(body: TrajectoriesBody, settings: SettingsDep, evaluator: EvaluatorDep) -> Response:
    """Several runs side by side; the figure overlays them on the first run's function."""
    check_trajectories(body, settings)
    groups = split_trajectories(body, side_by_side(settings))
    if len(groups) == 1:
        return run_job(evaluator, "trajectories", body)
    payloads = [TrajectoriesBody(runs=runs).model_dump() for runs in groups]
    # the pool's own budget for one such job (its setting plus the grace), each part's
    seconds = job_spec("trajectories", JOBS).seconds(settings) + settings.eval_grace_seconds
    answers = run_jobs_side_by_side(evaluator, "trajectories", payloads, seconds)
    return Response(merge_trajectories(answers), media_type="application/json")
