"""The app's evaluator (isolated worker pool or inline), as a route dependency and in the lifespan."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, FastAPI, Request, Response
from pydantic import BaseModel

from autograd_explorer.api.answer_cache import CachingEvaluator
from autograd_explorer.api.errors import answers
from autograd_explorer.errors import InvalidRequest, Overloaded, ProgramError
from autograd_explorer.sandbox import Evaluator, make_evaluator
from autograd_explorer.settings import Settings


def get_evaluator(request: Request) -> Evaluator:
    """The evaluator the routes use: the app's, through its cache of repeated answers (answer_cache.py)."""
    evaluator: Evaluator = request.app.state.answer_cache
    return evaluator


EvaluatorDep = Annotated[Evaluator, Depends(get_evaluator)]

# The answers every route that runs user text in the evaluator may give besides its 200.
EVALUATION_ERRORS = answers(ProgramError, InvalidRequest, Overloaded)


def run_job(evaluator: Evaluator, job: str, body: BaseModel) -> Response:
    """The job's JSON bytes as the answer: validating a large result again here would cost more than it."""
    return Response(evaluator.run_json(job, body.model_dump()), media_type="application/json")


def side_by_side(settings: Settings) -> int:
    """How many jobs of one request may run at once: one per worker process (inline: one)."""
    return settings.eval_workers if settings.eval_isolation == "process" else 1


def run_jobs_side_by_side(
    evaluator: Evaluator, job: str, payloads: Sequence[Mapping[str, Any]], seconds: float
) -> list[bytes]:
    """The answers of several jobs that make up one request, computed at once by the pool's workers.

    The first runs in this thread, the others each in a thread of its own (the threads only wait on
    a worker's pipe). Each job gets `seconds`, the request's budget: they start together, and the
    pool counts a job's time from when a worker takes it. When jobs fail, the first one's error is
    raised (the caller orders the jobs as the request's parts).
    """
    answers: list[bytes | None] = [None] * len(payloads)
    errors: list[BaseException | None] = [None] * len(payloads)

    def run(i: int) -> None:
        try:
            answers[i] = evaluator.run_json(job, payloads[i], seconds)
        except BaseException as exc:  # re-raised in the request's thread below
            errors[i] = exc

    # Each in a copy of this context: what the request's thread has set (the answer cache's pinning)
    # holds for its parts too.
    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(run, i), daemon=True)
        for i in range(1, len(payloads))
    ]
    for thread in threads:
        thread.start()
    run(0)
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
    return [answer for answer in answers if answer is not None]


def install_evaluator(app: FastAPI, settings: Settings) -> None:
    """Create the evaluator; it starts and stops with the app, around whatever lifespan the app has.

    Workers fork at start-up so the first request does not wait for the fork server to import torch.
    Repeated preset requests of the optimization lab, and step details for a while, are answered
    from memory (api/answer_cache.py).
    """
    evaluator = make_evaluator(settings)
    app.state.evaluator = evaluator
    app.state.answer_cache = CachingEvaluator(evaluator, settings=settings)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: Any) -> AsyncIterator[Any]:
        await to_thread.run_sync(evaluator.start)
        try:
            async with inner(app_) as state:
                yield state
        finally:
            await to_thread.run_sync(evaluator.close)

    wrapped: Any = lifespan  # Starlette types the slot loosely; ours matches its call shape
    app.router.lifespan_context = wrapped
