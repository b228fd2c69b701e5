"""Readiness, apart from liveness: the evaluation workers answer, and the training job runner does.

`/api/health` says the process answers; `/api/ready` is what a load balancer or the container's
HEALTHCHECK waits for. Evaluation workers fork with the server but answer only once their fork
server has imported torch: a trace sent before that took 0.7–1.6 s instead of ~10 ms. So the
server sends one tiny trace per worker, all at once (each takes its own idle worker), and retries
until they all answer; from then on the workers are warm. Then, in the same background thread, the
pages' opening and example answers are computed once (api/preset_answers.py, `warm_answers`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from autograd_explorer.api.preset_answers import answer_presets
from autograd_explorer.api.rooms_lifespan import rooms_lifespan
from autograd_explorer.api.schemas.trace import TraceRequest
from autograd_explorer.jobs.lifespan import training_lifespan
from autograd_explorer.sandbox import Evaluator

log = logging.getLogger("autograd_explorer.api")

# The lecture's first example, as a route would send it: the whole path a real trace takes.
PING = TraceRequest(source="x**3 - 3*x", inputs={"x": 1.0}).model_dump()
RETRY_SECONDS = 1.0


class Readiness:
    """Warms up the evaluation workers in a background thread and says when they have all answered."""

    def __init__(
        self,
        evaluator: Evaluator,
        workers: int,
        after_ready: Callable[[threading.Event], object] | None = None,
    ) -> None:
        self.evaluator = evaluator
        self.workers = workers
        self.after_ready = after_ready  # work for the warm workers, given the closing event
        self._ready = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._warm_up, name="evaluation-warm-up", daemon=True)

    @property
    def evaluation_ready(self) -> bool:
        """Every evaluation worker has answered a trace (and the server is not shutting down)."""
        return self._ready.is_set() and not self._closing.is_set()

    def start(self) -> None:
        """Begin warming up; the server answers liveness meanwhile."""
        self._thread.start()

    def close(self) -> None:
        """Not ready any more: the server is stopping (the thread ends with its current attempt)."""
        self._closing.set()

    def _warm_up(self) -> None:
        attempt = 0
        while not self._closing.is_set():
            attempt += 1
            try:
                with ThreadPoolExecutor(self.workers, thread_name_prefix="evaluation-ping") as pool:
                    for _ in pool.map(self._ping, range(self.workers)):
                        pass
            except Exception as exc:  # a worker that cannot start yet: say why, and try again
                if self._closing.is_set():
                    return  # stopped mid-attempt: nothing to report (the log may be closed too)
                log.warning("evaluation workers not ready (attempt %d): %s", attempt, exc)
                self._closing.wait(RETRY_SECONDS)
                continue
            self._ready.set()
            if not self._closing.is_set():
                log.info("evaluation workers ready (%d)", self.workers)
                if self.after_ready is not None:
                    self.after_ready(self._closing)
            return

    def _ping(self, _: int) -> bytes:
        return self.evaluator.run_json("trace", PING)


@asynccontextmanager
async def serving_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Job runner (issue 5), rooms (issue 15), then readiness; the evaluator starts first (issue 6)."""
    async with training_lifespan(app), rooms_lifespan(app):
        settings = app.state.settings
        warm = partial(answer_presets, app.state.answer_cache, settings) if settings.warm_answers else None
        readiness = Readiness(app.state.evaluator, settings.eval_workers, warm)
        app.state.readiness = readiness
        readiness.start()
        try:
            yield
        finally:
            readiness.close()
