"""The optimization lab's preset answers kept in memory: what is kept, what never is, and eviction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.answer_cache import CachingEvaluator, has_user_text
from autograd_explorer.errors import ProgramError
from autograd_explorer.sandbox import InlineEvaluator
from autograd_explorer.settings import Settings
from tests.api.fake_evaluators import FakeEvaluator

ROSENBROCK_EXAMPLE = {
    "runs": [
        {
            "preset": "rosenbrock",
            "start": {"u": -1.5, "v": 2},
            "optimizer": {"name": name, "lr": lr},
            "steps": 2000,
        }
        for name, lr in (("gd", 1e-3), ("adam", 0.05))
    ]
}


class CountingEvaluator(FakeEvaluator):
    """Answers `job:payload` as bytes and counts the calls; refuses payloads with "refuse"."""

    def __init__(self) -> None:
        self.calls = 0

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        self.calls += 1
        if payload.get("refuse"):
            raise ProgramError("limit", "the request ran longer than 1 s")
        return orjson.dumps({"job": job, "payload": payload, "pad": "x" * int(payload.get("pad", 0))})


def test_a_repeated_preset_request_is_answered_once() -> None:
    inner = CountingEvaluator()
    cache = CachingEvaluator(inner)
    first = cache.run_json("trajectories", ROSENBROCK_EXAMPLE)
    # The same request with its keys in another order is the same request.
    reordered = {"runs": [dict(reversed(list(run.items()))) for run in ROSENBROCK_EXAMPLE["runs"]]}
    assert cache.run_json("trajectories", reordered) == first
    assert cache.run("trajectories", ROSENBROCK_EXAMPLE) == orjson.loads(first)
    assert inner.calls == 1
    cache.run_json("trajectories", {"runs": ROSENBROCK_EXAMPLE["runs"][:1]})  # another request
    assert inner.calls == 2


def test_user_text_other_jobs_and_refusals_are_never_kept() -> None:
    inner = CountingEvaluator()
    cache = CachingEvaluator(inner)
    own = {"runs": [{"source": "u**2 + v**2", "steps": 10}]}
    for _ in range(2):
        cache.run_json("trajectories", own)
        cache.run_json("trace", {"source": None, "program": "x = 1"})  # not a lab job
        with pytest.raises(ProgramError):
            cache.run_json("surface", {"preset": "rosenbrock", "refuse": True})
    assert inner.calls == 6
    assert len(cache) == 0


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"preset": "rosenbrock", "source": None}, False),
        ({"source": "u**2"}, True),
        ({"runs": [{"preset": "beale"}, {"source": "u + v"}]}, True),
        ({"runs": [{"preset": "beale", "source": None}]}, False),
    ],
)
def test_user_text_is_found_at_any_depth(payload: dict[str, Any], expected: bool) -> None:
    assert has_user_text(payload) is expected


def test_the_least_recently_used_answer_goes_first() -> None:
    inner = CountingEvaluator()
    cache = CachingEvaluator(inner, max_entries=2)
    a, b, c = ({"preset": name} for name in ("beale", "himmelblau", "rosenbrock"))
    cache.run_json("surface", a)
    cache.run_json("surface", b)
    cache.run_json("surface", a)  # a is now the most recently used
    cache.run_json("surface", c)  # b goes
    assert inner.calls == 3
    cache.run_json("surface", a)
    assert inner.calls == 3
    cache.run_json("surface", b)
    assert inner.calls == 4


def test_the_byte_budget_bounds_the_memory() -> None:
    inner = CountingEvaluator()
    cache = CachingEvaluator(inner, max_bytes=3_000)
    cache.run_json("surface", {"preset": "beale", "pad": 1_000})
    cache.run_json("surface", {"preset": "himmelblau", "pad": 1_000})
    cache.run_json("surface", {"preset": "rosenbrock", "pad": 1_000})  # past 3,000 bytes: beale goes
    assert len(cache) == 2
    cache.run_json("surface", {"preset": "quadratic", "pad": 5_000})  # larger than the budget: not kept
    assert len(cache) == 2
    cache.run_json("surface", {"preset": "beale", "pad": 1_000})
    assert inner.calls == 5


def test_a_preset_answer_is_the_same_bytes_each_time_it_is_computed(settings: Settings) -> None:
    # What makes keeping it right: the kept answer is the one a fresh computation would give.
    fresh = InlineEvaluator(settings)
    assert fresh.run_json("trajectories", ROSENBROCK_EXAMPLE) == fresh.run_json(
        "trajectories", ROSENBROCK_EXAMPLE
    )


def test_the_app_answers_a_repeated_example_from_memory(client: TestClient) -> None:
    evaluator = client.app.state.answer_cache  # type: ignore[attr-defined]
    assert isinstance(evaluator, CachingEvaluator)
    first = client.post("/api/trajectories", json=ROSENBROCK_EXAMPLE)
    assert first.status_code == 200
    assert len(evaluator) == 2  # one answer per run: the two runs are two jobs, one per worker
    again = client.post("/api/trajectories", json=ROSENBROCK_EXAMPLE)
    assert again.content == first.content
    assert len(evaluator) == 2
    runs = again.json()["runs"]
    assert [r["final"]["loss"] < 1 for r in runs] == [True, True]
    assert runs[1]["final"]["loss"] < 1e-9  # Adam reaches (1, 1); plain descent is still in the valley
