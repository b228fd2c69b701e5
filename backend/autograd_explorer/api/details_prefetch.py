"""The step details the explorer will ask for first, computed as soon as its compact trace is answered.

The page asks POST /api/trace/details for every pass of at most 200 steps before it shows the
trace, and for steps [0, 200) of a longer shown pass at the first step (frontend step-details.js).
Each re-runs the program in a worker. Asked here, in a thread of the server, the moment the trace's
answer leaves, the re-run overlaps the answer's transfer, the page's decoding and drawing, and the
student's first look; the page's request then finds the answer kept (api/answer_cache.py) or joins
its computation. Measured on the 20,003-node MLP (docs/explorer.md): the first step's details came
1.7–2.2 s after the step, with it 0.17–0.35 s; but where the browser shares the server's two cores
the re-run slowed the page's drawing, so it is the `details_prefetch` setting, off by default. Only
for requests the page sends (no output, Jacobian or size options): the windows are the page's, byte
for byte.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import orjson

from autograd_explorer.api.answer_cache import CachingEvaluator
from autograd_explorer.api.schemas.trace import MAX_DETAIL_STEPS, DetailsRequest, TraceRequest
from autograd_explorer.errors import ExplorerError
from autograd_explorer.sandbox import Evaluator

log = logging.getLogger("autograd_explorer.api")

MAX_WINDOWS = 4  # a trace of many short passes: the shown one and a few more, not a worker each
# A trace request's fields that the page leaves at their defaults (its body: source, inputs,
# format, and pass_index for another iteration of a training loop).
PAGE_DEFAULTS = {"output": None, "backward": True, "jacobians": True, "max_value_elements": None}


def first_windows(trace: Mapping[str, Any]) -> list[tuple[int, int, int]]:
    """(pass index, from, to) of the details the page asks first, the shown pass's first."""
    windows: list[tuple[int, int, int]] = []
    for i, p in enumerate(trace.get("passes") or []):
        count = int(p["steps"]["count"])
        index = int(p.get("index", i))
        if index == trace.get("shown_pass") and count > 0:
            windows.insert(0, (index, 0, min(count, MAX_DETAIL_STEPS)))
        elif 0 < count <= MAX_DETAIL_STEPS:
            windows.append((index, 0, count))
    return windows[:MAX_WINDOWS]


def details_bodies(request: TraceRequest, answer: bytes) -> list[dict[str, Any]]:
    """The page's details requests for this compact trace, as the details route hands them on."""
    if any(getattr(request, name) != value for name, value in PAGE_DEFAULTS.items()):
        return []
    trace = orjson.loads(answer)
    return [
        DetailsRequest.model_validate(
            {
                "source": request.source,
                "inputs": request.inputs,
                "pass": index,
                "steps": [start, stop],
                "on_error": request.on_error,
            }
        ).model_dump(by_alias=True)
        for index, start, stop in first_windows(trace)
    ]


def compute(evaluator: CachingEvaluator, request: TraceRequest, answer: bytes) -> None:
    """Each window's details into the cache, one after the other (one worker, not the whole pool)."""
    try:
        for body in details_bodies(request, answer):
            evaluator.run_json("trace_details", body)
    except ExplorerError as exc:  # the page's own request will meet it and say it
        log.info("step details not prefetched: %s", exc)
    except Exception:  # the server closing its pool meanwhile; never the answer's business
        log.debug("step details not prefetched", exc_info=True)


def prefetch_details(evaluator: Evaluator, request: TraceRequest, answer: bytes) -> threading.Thread | None:
    """Start computing the page's first step details for this compact trace; the thread, or None."""
    if not isinstance(evaluator, CachingEvaluator) or not evaluator.keeps("trace_details", {}):
        return None  # nowhere to keep them: the page's request would compute them again
    thread = threading.Thread(target=compute, args=(evaluator, request, answer), daemon=True)
    thread.start()
    return thread
