"""The lab's jobs: how /api/trajectories splits its runs into jobs computed side by side, and merges them."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from autograd_explorer.api.schemas.optimize import TrajectoriesBody
from autograd_explorer.optimize import jobs
from autograd_explorer.sandbox.wire import result_json
from autograd_explorer.settings import Settings


def body(*steps: int, figure: bool = False) -> TrajectoriesBody:
    runs = [
        {"preset": "quadratic", "steps": n, "start": {"u": float(i), "v": 1.0}} for i, n in enumerate(steps)
    ]
    return TrajectoriesBody.model_validate({"runs": runs, "figure": figure})


def sizes(groups: list[list[Any]]) -> list[list[int]]:
    return [[run.steps for run in group] for group in groups]


@pytest.mark.parametrize(
    ("steps", "parts", "expected"),
    [
        ((2000, 2000), 2, [[2000], [2000]]),  # the lab's Rosenbrock example: one run per worker
        ((100, 100, 100, 5000), 2, [[100, 100, 100], [5000]]),
        ((5000, 100, 100, 100), 2, [[5000], [100, 100, 100]]),
        ((300, 300, 300), 2, [[300, 300], [300]]),
        ((10_000, 1, 1), 3, [[10_000], [1], [1]]),  # every part gets a run
        ((1, 1, 10_000), 3, [[1], [1], [10_000]]),
        ((300, 300), 4, [[300], [300]]),  # never more parts than runs
        ((300, 300, 300), 1, [[300, 300, 300]]),  # one worker: one job
    ],
)
def test_runs_split_into_consecutive_groups_of_about_equal_steps(
    steps: tuple[int, ...], parts: int, expected: list[list[int]]
) -> None:
    groups = jobs.split_trajectories(body(*steps), parts)
    assert sizes(groups) == expected
    # Consecutive and complete: the groups, joined, are the request's runs in its order.
    assert [run for group in groups for run in group] == body(*steps).runs


def test_a_request_for_a_figure_stays_one_job() -> None:
    # The figure overlays every run on one contour: one job draws it.
    assert sizes(jobs.split_trajectories(body(2000, 2000, figure=True), 2)) == [[2000, 2000]]


def test_the_merged_answer_is_the_single_jobs_bytes(settings: Settings) -> None:
    # Oracle: the whole request computed as one job, as before the split.
    request = {
        "runs": [
            {"preset": "rosenbrock", "optimizer": {"name": "gd", "lr": 1e-3}, "steps": 200},
            {"preset": "rosenbrock", "optimizer": {"name": "adam", "lr": 0.05}, "steps": 200},
            {"preset": "himmelblau", "optimizer": {"name": "gd", "lr": 1.0}, "steps": 50},  # diverges: "nan"
        ]
    }
    whole = result_json(jobs.run_trajectories_job(request, settings), False)
    groups = jobs.split_trajectories(TrajectoriesBody.model_validate(request), 2)
    assert len(groups) == 2
    answers = [
        result_json(jobs.run_trajectories_job(TrajectoriesBody(runs=g).model_dump(), settings), False)
        for g in groups
    ]
    assert jobs.merge_trajectories(answers) == whole
    assert orjson.loads(whole)["runs"][2]["reason"] == "diverged"
