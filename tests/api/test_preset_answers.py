"""The pages' opening and example answers computed at start-up: the pages' own requests, then kept."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Mapping
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.answer_cache import CachingEvaluator
from autograd_explorer.api.app import create_app
from autograd_explorer.api.preset_answers import REQUESTS, ROUTES, answer_presets
from autograd_explorer.sandbox import InlineEvaluator
from autograd_explorer.settings import Settings
from tests.api.fake_evaluators import FakeEvaluator
from tests.conftest import REPO

# The bodies the pages send, built by the pages' own modules (optimize/state.js, regression/state.js)
# the way the pages build them: the lab opened with its defaults, each example chosen, Run pressed;
# the regression page opened; the lecture's sweep asked for with the page's defaults.
PAGE_BODIES = """
const lab = await import(process.argv[1] + '/js/optimize/state.js');
const reg = await import(process.argv[1] + '/js/regression/state.js');
const opened = lab.normalize({});
const out = [['/api/surface', lab.surfaceBody(opened)], ['/api/trajectories', lab.trajectoriesBody(opened)]];
for (const example of Object.values(lab.EXAMPLES)) {
  const state = lab.normalize({ ...opened, ...example.state });
  out.push(['/api/surface', lab.surfaceBody(state)], ['/api/trajectories', lab.trajectoriesBody(state)]);
}
const r = reg.normalize({});
out.push(['/api/regression/polynomial', reg.fitBody(r)]);
out.push(['/api/regression/polynomial', reg.closedFormBody(r)]);
const lrs = lab.parseNumberList(r.lrs);
out.push(['/api/regression/polynomial/sweep', reg.sweepBody(r, lrs, reg.parseCounts(r.counts))]);
console.log(JSON.stringify(out));
"""


def validated(path: str, body: Mapping[str, Any]) -> bytes:
    """The request as its route sees it (what the answer cache keys on), as sorted JSON."""
    model, _route = ROUTES[path]
    return path.encode() + orjson.dumps(model.model_validate(body).model_dump(), option=orjson.OPT_SORT_KEYS)


def test_the_start_up_requests_are_the_pages_own() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    frontend = (REPO / "frontend").as_uri()
    out = subprocess.run(
        [node, "--input-type=module", "-e", PAGE_BODIES, frontend], capture_output=True, text=True, check=True
    )
    pages = {validated(path, body) for path, body in json.loads(out.stdout)}
    ours = {validated(path, body) for path, body in REQUESTS}
    assert ours == pages
    assert len(ours) == len(REQUESTS)  # none twice


class Counting(FakeEvaluator):
    """Computes inline and counts the jobs it was asked for."""

    def __init__(self, settings: Settings) -> None:
        self.inner = InlineEvaluator(settings)
        self.jobs: list[str] = []

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        self.jobs.append(job)
        return self.inner.run_json(job, payload, timeout)


def test_after_start_up_the_pages_requests_are_answered_from_memory(settings: Settings) -> None:
    inner = Counting(settings)
    cache = CachingEvaluator(inner)
    assert answer_presets(cache, settings, threading.Event()) == len(REQUESTS)
    computed = len(inner.jobs)
    assert computed == len(cache) >= len(REQUESTS)  # a split trajectories request is one job per part
    for path, body in REQUESTS:
        model, route = ROUTES[path]
        route(model.model_validate(body), settings, cache)
    assert len(inner.jobs) == computed  # nothing computed again


def test_a_stopping_server_computes_nothing_more(settings: Settings) -> None:
    inner = Counting(settings)
    stop = threading.Event()
    stop.set()
    assert answer_presets(CachingEvaluator(inner), settings, stop) == 0
    assert inner.jobs == []


def test_a_refused_request_is_skipped_and_the_others_still_answered(settings: Settings) -> None:
    class RefusingSweeps(Counting):
        def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
            if job == "sweep":
                raise TimeoutError("a loaded machine")
            return super().run_json(job, payload, timeout)

    assert (
        answer_presets(CachingEvaluator(RefusingSweeps(settings)), settings, threading.Event())
        == len(REQUESTS) - 1
    )


def test_the_app_computes_them_once_its_workers_are_ready(settings: Settings) -> None:
    warm = settings.model_copy(update={"warm_answers": True, "eval_isolation": "inline"})
    with TestClient(create_app(warm)) as client:
        cache = client.app.state.answer_cache  # type: ignore[attr-defined]
        deadline = time.monotonic() + 120  # a hang detector: the answers take ~3 s of CPU here
        while len(cache) < len(REQUESTS):
            assert time.monotonic() < deadline, f"{len(cache)} of {len(REQUESTS)} answers kept"
            time.sleep(0.1)
        assert len(cache) == len(REQUESTS)  # inline: one job per request
        opening_fit = next(
            body
            for path, body in REQUESTS
            if path == "/api/regression/polynomial" and body["method"] != "closed_form"
        )
        regression = client.post("/api/regression/polynomial", json=dict(opening_fit))
        assert regression.status_code == 200
        assert len(cache) == len(REQUESTS)  # the page's opening fit was one of them
