"""The evaluator interface routes call, and the in-process variant used by tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import orjson

from autograd_explorer.sandbox.registry import JOBS, Job, job_spec, load_job
from autograd_explorer.sandbox.wire import result_json
from autograd_explorer.settings import Settings


class Evaluator(Protocol):
    """Runs a registered job on JSON data and returns JSON data (or raises a domain error)."""

    def start(self) -> None:
        """Get ready to serve (idempotent)."""

    def run(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> Any:
        """The job's result; `timeout` defaults to max_wall_seconds + eval_grace_seconds."""

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        """The job's result as JSON bytes, ready to send (non-finite floats already strings)."""

    def close(self) -> None:
        """Release workers (idempotent)."""


class InlineEvaluator:
    """Runs jobs in the calling thread: no isolation, for tests and debugging.

    Results take the same JSON round trip as the pool's, so both answer the same data.
    """

    def __init__(self, settings: Settings, jobs: Mapping[str, Job] = JOBS) -> None:
        self.settings = settings
        self.jobs = dict(jobs)

    def start(self) -> None:
        """Nothing to start."""

    def run(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> Any:
        """Call the job directly."""
        return orjson.loads(self.run_json(job, payload, timeout))

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        """Call the job directly; its result as JSON bytes."""
        spec = job_spec(job, self.jobs)
        return result_json(load_job(spec.path)(payload, self.settings), spec.prepared)

    def close(self) -> None:
        """Nothing to release."""


def make_evaluator(settings: Settings, jobs: Mapping[str, Job] = JOBS) -> Evaluator:
    """The evaluator the settings ask for (eval_isolation)."""
    if settings.eval_isolation == "inline":
        return InlineEvaluator(settings, jobs)
    from autograd_explorer.sandbox.pool import EvalPool

    return EvalPool(settings, jobs)
