"""The evaluator interface routes call, and the in-process variant used by tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import orjson

from autograd_explorer.sandbox.registry import JOBS, Job, JobFunction, job_spec
from autograd_explorer.sandbox.wire import decode, encode_request, error_from_wire, split_reply
from autograd_explorer.sandbox.worker import answer
from autograd_explorer.settings import Settings


class Evaluator(Protocol):
    """Runs a registered job on JSON data and returns JSON data (or raises a domain error)."""

    def start(self) -> None:
        """Get ready to serve (idempotent)."""

    def run(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> Any:
        """The job's result; `timeout` defaults to the job's time setting + eval_grace_seconds."""

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        """The job's result as JSON bytes, ready to send (non-finite floats already strings)."""

    def close(self) -> None:
        """Release workers (idempotent)."""


class InlineEvaluator:
    """Runs jobs in the calling thread: no isolation (no kill, no rlimits), for tests and debugging.

    Requests and results take the same JSON round trip and the same reply path as the pool's,
    so both answer the same data and refuse alike.
    """

    def __init__(self, settings: Settings, jobs: Mapping[str, Job] = JOBS) -> None:
        self.settings = settings
        self.jobs = dict(jobs)
        self._loaded: dict[str, JobFunction] = {}

    def start(self) -> None:
        """Nothing to start."""

    def run(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> Any:
        """Call the job directly."""
        return orjson.loads(self.run_json(job, payload, timeout))

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        """Call the job directly; its result as JSON bytes."""
        spec = job_spec(job, self.jobs)
        request = encode_request({"job": spec.path, "prepared": spec.prepared, "payload": payload}, payload)
        result, failure = split_reply(answer(decode(request), self.settings, self._loaded)[0])
        if result is None:
            raise error_from_wire(failure["error"])
        return result

    def close(self) -> None:
        """Nothing to release."""


def make_evaluator(settings: Settings, jobs: Mapping[str, Job] = JOBS) -> Evaluator:
    """The evaluator the settings ask for (eval_isolation)."""
    if settings.eval_isolation == "inline":
        return InlineEvaluator(settings, jobs)
    from autograd_explorer.sandbox.pool import EvalPool

    return EvalPool(settings, jobs)
