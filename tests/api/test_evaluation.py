"""api/evaluation.py: the jobs of one request computed side by side."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import orjson
import pytest

from autograd_explorer.api.evaluation import run_jobs_side_by_side, side_by_side
from autograd_explorer.errors import InvalidRequest
from autograd_explorer.settings import Settings
from tests.api.fake_evaluators import FakeEvaluator


class BarrierEvaluator(FakeEvaluator):
    """Each job waits until `parties` jobs have arrived: it answers only if they run at the same time."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=10)
        self.timeouts: list[float | None] = []

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        self.timeouts.append(timeout)
        self.barrier.wait()  # BrokenBarrierError after 10 s if the jobs ran one after another
        if "refuse" in payload:
            raise InvalidRequest(f"refused part {payload['part']}", "runs")
        return orjson.dumps(payload)


def test_the_jobs_run_at_the_same_time_and_answer_in_order() -> None:
    evaluator = BarrierEvaluator(3)
    payloads = [{"part": i} for i in range(3)]
    answers = run_jobs_side_by_side(evaluator, "trajectories", payloads, seconds=20.0)
    assert [orjson.loads(a) for a in answers] == payloads
    # Each job gets what is left of the request's budget, never more.
    assert all(t is not None and 0 < t <= 20.0 for t in evaluator.timeouts)


def test_the_first_failing_part_is_the_refusal() -> None:
    evaluator = BarrierEvaluator(3)
    payloads = [{"part": 0}, {"part": 1, "refuse": True}, {"part": 2, "refuse": True}]
    with pytest.raises(InvalidRequest, match="refused part 1"):
        run_jobs_side_by_side(evaluator, "trajectories", payloads, seconds=20.0)


@pytest.mark.parametrize(
    ("isolation", "workers", "expected"), [("process", 2, 2), ("process", 3, 3), ("inline", 2, 1)]
)
def test_one_job_per_worker_process(isolation: str, workers: int, expected: int) -> None:
    settings = Settings(eval_isolation=isolation, eval_workers=workers)  # type: ignore[arg-type]
    assert side_by_side(settings) == expected
