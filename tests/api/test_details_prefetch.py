"""Step details computed when a compact trace is answered: the page's first windows, byte for byte
what a fresh re-run answers, then served from memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api import details_prefetch
from autograd_explorer.api.answer_cache import CachingEvaluator
from autograd_explorer.api.app import create_app
from autograd_explorer.api.details_prefetch import MAX_WINDOWS, first_windows
from autograd_explorer.api.schemas.trace import DetailsRequest
from autograd_explorer.sandbox import Evaluator, InlineEvaluator
from autograd_explorer.settings import Settings
from tests.api.fake_evaluators import FakeEvaluator

# 60 layers of h = tanh(h @ W * 0.3 + b): 243 backward steps, longer than one window of 200.
LONG = (
    "torch.manual_seed(0)\nW = torch.randn(8, 8, requires_grad=True)\n"
    "b = torch.randn(8, requires_grad=True)\nh = torch.randn(4, 8)\n"
    "for _ in range(60):\n    h = torch.tanh(h @ W * 0.3 + b)\nh.sum()"
)
# Three passes of a few steps each, an input from the request.
PASSES = "for i in range(3):\n    y = (x * x).sum()\n    y.backward()\ny"


class Counting(FakeEvaluator):
    """The app's own evaluator, with every job it is asked counted."""

    def __init__(self, inner: Evaluator) -> None:
        self.inner = inner
        self.jobs: list[tuple[str, Any]] = []

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        self.jobs.append((job, payload.get("pass"), payload.get("steps")))
        return self.inner.run_json(job, payload, timeout)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """An app that prefetches (off by default)."""
    with TestClient(create_app(settings.model_copy(update={"details_prefetch": True}))) as c:
        yield c


@pytest.fixture
def prefetches(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread | None]:
    """What each call of the trace route's prefetch_details returned (a thread, or None): the tests
    join them instead of sleeping for "long enough" before saying nothing was computed."""
    started: list[threading.Thread | None] = []

    def recorded(*args: Any) -> threading.Thread | None:
        started.append(details_prefetch.prefetch_details(*args))
        return started[-1]

    monkeypatch.setattr("autograd_explorer.api.routes.trace.prefetch_details", recorded)
    return started


def finished(started: list[threading.Thread | None]) -> None:
    for thread in started:
        if thread is not None:
            thread.join(timeout=60)  # a hang detector
            assert not thread.is_alive()


def counted(client: TestClient) -> tuple[CachingEvaluator, Counting]:
    cache = client.app.state.answer_cache  # type: ignore[attr-defined]
    counting = cache.inner = Counting(cache.inner)
    return cache, counting


def wait_for_kept(cache: CachingEvaluator, count: int) -> None:
    deadline = time.monotonic() + 60  # a hang detector: a few small re-runs
    while len(cache.programs) < count:
        assert time.monotonic() < deadline, f"{len(cache.programs)} of {count} windows kept"
        time.sleep(0.02)


def page_details(client: TestClient, body: dict[str, Any]) -> bytes:
    answer = client.post("/api/trace/details", json=body)
    assert answer.status_code == 200, answer.text
    return answer.content


def fresh(settings: Settings, body: dict[str, Any]) -> bytes:
    """What a re-run of the program answers, as the details route hands the request on."""
    params = DetailsRequest.model_validate(body).model_dump(by_alias=True)
    return InlineEvaluator(settings).run_json("trace_details", params)


def test_the_first_window_of_a_long_pass_is_ready_when_the_page_asks(
    client: TestClient, settings: Settings
) -> None:
    cache, counting = counted(client)
    trace = client.post("/api/trace", json={"source": LONG, "format": "compact"})
    assert trace.status_code == 200 and trace.json()["passes"][0]["steps"]["count"] == 243
    wait_for_kept(cache, 1)
    body = {"source": LONG, "inputs": {}, "pass": 0, "steps": [0, 200]}  # the page's, at step 1
    answer = page_details(client, body)
    assert counting.jobs == [("trace", None, None), ("trace_details", 0, (0, 200))]  # not run again
    assert answer == fresh(settings, body)
    # Another window is the page's to ask: computed then.
    page_details(client, {**body, "steps": [100, 243]})
    assert counting.jobs[-1] == ("trace_details", 0, (100, 243))


def test_every_short_pass_is_prefetched_with_the_requests_inputs(
    client: TestClient, settings: Settings
) -> None:
    cache, counting = counted(client)
    inputs = {"x": [1, 2]}  # integers in JSON, as a page may send them
    trace = client.post("/api/trace", json={"source": PASSES, "inputs": inputs, "format": "compact"})
    counts = [p["steps"]["count"] for p in trace.json()["passes"]]
    assert len(counts) == 3 and counts[0] == counts[1] == counts[2] > 0
    wait_for_kept(cache, 3)
    assert [job[1] for job in counting.jobs[1:]] == [2, 0, 1]  # the shown pass first
    for index in range(3):
        body = {"source": PASSES, "inputs": inputs, "pass": index, "steps": [0, counts[index]]}
        assert page_details(client, body) == fresh(settings, body)
    assert len(counting.jobs) == 4


@pytest.mark.parametrize(
    "extra",
    [{"format": "readable"}, {"format": "compact", "output": "h"}, {"format": "compact", "jacobians": False}],
)
def test_requests_the_page_does_not_send_prefetch_nothing(
    client: TestClient, extra: dict[str, Any], prefetches: list[threading.Thread | None]
) -> None:
    cache, counting = counted(client)
    assert client.post("/api/trace", json={"source": LONG, **extra}).status_code == 200
    finished(prefetches)  # whatever the route started has ended
    assert counting.jobs == [("trace", None, None)] and len(cache.programs) == 0


def test_no_prefetch_by_default(settings: Settings, prefetches: list[threading.Thread | None]) -> None:
    assert settings.details_prefetch is False
    with TestClient(create_app(settings)) as client:
        cache, counting = counted(client)
        assert client.post("/api/trace", json={"source": LONG, "format": "compact"}).status_code == 200
        assert prefetches == []  # the route did not even ask
        assert counting.jobs == [("trace", None, None)] and len(cache.programs) == 0


def test_the_windows_are_the_pages_first_requests() -> None:
    def trace(counts: list[int], shown: int) -> dict[str, Any]:
        passes = [{"index": 10 + i, "steps": {"count": c}} for i, c in enumerate(counts)]
        return {"passes": passes, "shown_pass": shown}

    assert first_windows(trace([20_003], 10)) == [(10, 0, 200)]
    assert first_windows(trace([5, 300, 0, 7], 11)) == [(11, 0, 200), (10, 0, 5), (13, 0, 7)]
    assert first_windows(trace([0], 10)) == []
    assert first_windows({"passes": None}) == []
    assert len(first_windows(trace([3] * 10, 19))) == MAX_WINDOWS
