"""The pages' opening and example answers computed at start-up: the pages' own requests, then kept."""

from __future__ import annotations

import json
import math
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
from autograd_explorer.api.details_prefetch import details_bodies
from autograd_explorer.api.preset_answers import EXAMPLE_TRACES, REQUESTS, ROUTES, answer_presets
from autograd_explorer.api.routes import trace
from autograd_explorer.api.schemas.trace import DetailsRequest, TraceRequest
from autograd_explorer.examples import EXAMPLES
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
# The explorer's trace of each example, built by its own module from the examples as GET /api/examples
# sends them (JSON: the page reads x = 1.0 as 1).
EXAMPLE_BODIES = """
const { traceBody } = await import(process.argv[1] + '/js/explorer/trace-body.js');
const examples = JSON.parse(process.argv[2]);
console.log(JSON.stringify(examples.map((e) => traceBody(e.source, e.inputs))));
"""
ANSWERED = len(REQUESTS) + len(EXAMPLE_TRACES)


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


def test_the_start_up_example_traces_are_the_pages_own() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    listed = json.dumps([{"source": e.source, "inputs": e.inputs} for e in EXAMPLES])
    out = subprocess.run(
        [node, "--input-type=module", "-e", EXAMPLE_BODIES, (REPO / "frontend").as_uri(), listed],
        capture_output=True,
        text=True,
        check=True,
    )
    pages = [TraceRequest.model_validate(body).model_dump() for body in json.loads(out.stdout)]
    assert pages == [TraceRequest.model_validate(body).model_dump() for body in EXAMPLE_TRACES]


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
    assert answer_presets(cache, settings, threading.Event()) == ANSWERED
    computed = len(inner.jobs)
    assert computed == len(cache) >= ANSWERED  # a split request is one job per part; examples' details
    assert len(cache.examples) == inner.jobs.count("trace") + inner.jobs.count("trace_details")
    assert inner.jobs.count("trace") == len(EXAMPLE_TRACES)
    # A class asks much else meanwhile (the §8 loop's other iterations, other presets): the warm-up's
    # answers are pinned, not pushed out by a full store.
    for store in (cache.presets, cache.examples):
        for k in range(store.max_entries + 1):
            store.put(b"another request %d" % k, b"{}", math.inf)
    for path, body in REQUESTS:
        model, route = ROUTES[path]
        route(model.model_validate(body), settings, cache)
    # what the explorer sends opening an example (its JSON writes x = 1.0 as 1): its trace, then the
    # details of its first steps (api/details_prefetch.py's windows are the page's)
    # (the in-place pitfall's too: its backward() stopped, answered with the graph it was called on)
    for e in EXAMPLES:
        inputs = {k: int(v) if float(v).is_integer() else v for k, v in e.inputs.items()}
        body = {"source": e.source, "inputs": inputs, "format": "compact", "on_error": "graph"}
        request = TraceRequest.model_validate(body)
        answer = bytes(trace.trace(request, settings, cache).body)
        for details in details_bodies(request, answer):
            trace.trace_details(DetailsRequest.model_validate(details), settings, cache)
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
        == ANSWERED - 1
    )


def test_the_app_computes_them_once_its_workers_are_ready(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    warm = settings.model_copy(update={"warm_answers": True, "eval_isolation": "inline"})
    caplog.set_level("INFO", logger="autograd_explorer.api")
    with TestClient(create_app(warm)) as client:
        cache = client.app.state.answer_cache  # type: ignore[attr-defined]
        deadline = time.monotonic() + 180  # a hang detector: the answers take ~5 s of CPU here
        while f"preset answers computed ({ANSWERED} of {ANSWERED})" not in caplog.text:
            assert time.monotonic() < deadline, f"{len(cache)} answers kept"
            time.sleep(0.1)
        assert len(cache.presets) == len(REQUESTS)  # inline: one job per request
        assert len(cache.examples) > len(EXAMPLE_TRACES)  # each example's trace, and its first details
        kept = len(cache)
        opening_fit = next(
            body
            for path, body in REQUESTS
            if path == "/api/regression/polynomial" and body["method"] != "closed_form"
        )
        regression = client.post("/api/regression/polynomial", json=dict(opening_fit))
        assert regression.status_code == 200
        loop = next(e for e in EXAMPLES if e.id == "lecture-fit-autograd")
        body = {"source": loop.source, "inputs": {}, "format": "compact", "on_error": "graph"}
        opened = client.post("/api/trace", json=body)  # as the page asks (trace-body.js)
        assert opened.status_code == 200 and opened.json()["shown_pass"] == 3999
        assert len(cache) == kept  # the page's opening fit and the example were among them
