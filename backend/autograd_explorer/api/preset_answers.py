"""The pages' opening requests and ready-made examples, answered once at start-up in idle time.

Issue 13: every page usable within 1 s of opening and every click within 300 ms, the first
student's included. The answers are kept by the answer cache (api/answer_cache.py), so the first
open of the regression page (a 4,000-iteration fit: 0.6–0.9 s in a fresh worker here) and the
first Rosenbrock example (2 × 2,000 steps) are answered from memory like every later one.

The explorer's examples too (examples.py): each one's trace as the page asks for it, then the step
details the page asks first (api/details_prefetch.py's windows), kept for as long as the server runs.

The bodies are the pages' own, byte for byte after validation (tests/api/test_preset_answers.py
builds them with the pages' modules and compares); each goes through its route's function, so it
is split, validated and keyed exactly as the page's request will be.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import nullcontext
from functools import partial
from typing import Any

from pydantic import BaseModel

from autograd_explorer.api.answer_cache import CachingEvaluator
from autograd_explorer.api.details_prefetch import details_bodies
from autograd_explorer.api.routes import regression, surface, trace, trajectory
from autograd_explorer.api.schemas.optimize import PolynomialBody, SurfaceBody, SweepBody, TrajectoriesBody
from autograd_explorer.api.schemas.trace import DetailsRequest, TraceRequest
from autograd_explorer.examples import EXAMPLES
from autograd_explorer.sandbox import Evaluator
from autograd_explorer.settings import Settings

log = logging.getLogger("autograd_explorer.api")

Route = Callable[[Any, Settings, Evaluator], object]
ROUTES: dict[str, tuple[type[BaseModel], Route]] = {
    "/api/surface": (SurfaceBody, surface.surface),
    "/api/trajectories": (TrajectoriesBody, trajectory.trajectories),
    "/api/regression/polynomial": (PolynomialBody, regression.polynomial),
    "/api/regression/polynomial/sweep": (SweepBody, regression.polynomial_sweep),
}


def _run(
    preset: str, start: dict[str, float], optimizer: str, lr: float, steps: int, **extra: Any
) -> dict[str, Any]:
    """One run of the optimization lab as its page sends it (trajectoryBody in optimize/state.js)."""
    return {
        "preset": preset,
        **extra,
        "start": start,
        "optimizer": {"name": optimizer, "lr": lr},
        "steps": steps,
        "clear_grad": True,
        "gradient": "autograd",
    }


def _map(preset: str, start: dict[str, float], **extra: Any) -> dict[str, Any]:
    """The lab's map of a preset (surfaceBody in optimize/state.js)."""
    return {"preset": preset, **extra, "nx": 120, "ny": 120, "fixed": start, "fixed_default": 0}


HIMMELBLAU = {"u": 1.0, "v": 1.0}
ROSENBROCK = {"u": -1.5, "v": 2.0}
BOWL = {"u": -4.0, "v": 3.0}
KAPPA = {"condition_number": 10.0}

# In the order a class meets them: the lab's opening map and its Run, its examples, then the
# regression page's opening fit (gradient descent and the closed form) and the lecture's sweep.
REQUESTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("/api/surface", _map("himmelblau", HIMMELBLAU)),
    ("/api/trajectories", {"runs": [_run("himmelblau", HIMMELBLAU, "gd", 5e-4, 300)]}),
    (
        "/api/trajectories",
        {
            "runs": [
                _run("himmelblau", {"u": u, "v": v}, "gd", 5e-4, 300) for u, v in ((1, 1), (-1, -1), (-1, 1))
            ]
        },
    ),
    ("/api/surface", _map("rosenbrock", ROSENBROCK)),
    (
        "/api/trajectories",
        {
            "runs": [
                _run("rosenbrock", ROSENBROCK, "gd", 1e-3, 2000),
                _run("rosenbrock", ROSENBROCK, "adam", 0.05, 2000),
            ]
        },
    ),
    (
        "/api/trajectories",
        {
            "runs": [
                _run("rosenbrock", ROSENBROCK, name, lr, 2000, loss_tol=1e-12)
                for name, lr in (("gd", 1e-3), ("newton", 1.0), ("lbfgs", 1.0))
            ]
        },
    ),
    ("/api/surface", _map("quadratic", BOWL, **KAPPA)),
    (
        "/api/trajectories",
        {
            "runs": [
                _run("quadratic", BOWL, name, lr, 100, **KAPPA, loss_tol=1e-12)
                for name, lr in (("gd", 0.15), ("newton", 1.0))
            ]
        },
    ),
    (
        "/api/trajectories",
        {"runs": [_run("quadratic", BOWL, "gd", lr, 100, **KAPPA) for lr in (0.05, 0.15, 0.19, 0.21)]},
    ),
    (
        "/api/regression/polynomial",
        {"method": "autograd", "lr": 0.01, "steps": 4000, "degree": 2, "figure": True},
    ),
    ("/api/regression/polynomial", {"method": "closed_form", "degree": 2}),
    (
        "/api/regression/polynomial/sweep",
        {
            "method": "autograd",
            "lrs": [1, 0.1, 0.01, 0.001],
            "steps": [100, 2000, 4000, 6000, 8000],
            "degree": 2,
        },
    ),
)


# The explorer's trace of each example, as its page asks (traceBody in explorer/trace-body.js): the
# in-place pitfall's too, whose backward() PyTorch stops (answered with its graph, not refused).
EXAMPLE_TRACES: tuple[dict[str, Any], ...] = tuple(
    {"source": e.source, "inputs": e.inputs, "format": "compact", "on_error": "graph"} for e in EXAMPLES
)


def _example(json_body: dict[str, Any], settings: Settings, evaluator: Evaluator) -> None:
    """An example's trace, then the step details its page asks for first."""
    request = TraceRequest.model_validate(json_body)
    answer = trace.trace(request, settings, evaluator).body
    for details in details_bodies(request, bytes(answer)):
        trace.trace_details(DetailsRequest.model_validate(details), settings, evaluator)


def answer_presets(evaluator: Evaluator, settings: Settings, stop: threading.Event) -> int:
    """Send every request of REQUESTS, then every example's of EXAMPLE_TRACES, through its route, one
    after another; how many were answered.

    A refusal (a loaded machine's time limit) is logged and skipped: the page computes it later.
    """
    answered = 0
    work: list[tuple[str, Callable[[], object]]] = [
        (path, partial(ROUTES[path][1], ROUTES[path][0].model_validate(body), settings, evaluator))
        for path, body in REQUESTS
    ]
    work += [("/api/trace", partial(_example, body, settings, evaluator)) for body in EXAMPLE_TRACES]
    # Pinned: what a class opens first stays whatever else it asks (api/answer_cache.py).
    with evaluator.pinning() if isinstance(evaluator, CachingEvaluator) else nullcontext():
        for path, answer in work:
            if stop.is_set():
                break
            try:
                answer()
            except Exception as exc:  # a warm-up never stops the server
                log.warning("preset answer %s not computed at start-up: %s", path, exc)
                continue
            answered += 1
    if not stop.is_set():  # the benchmark waits for this line (bench/ui_bench.py)
        log.info("preset answers computed (%d of %d)", answered, len(work))
    return answered
