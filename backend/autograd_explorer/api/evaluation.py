"""The app's evaluator (isolated worker pool or inline), as a route dependency and in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
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
    """The evaluator the routes use: the app's, through its cache of repeated preset answers."""
    evaluator: Evaluator = request.app.state.answer_cache
    return evaluator


EvaluatorDep = Annotated[Evaluator, Depends(get_evaluator)]

# The answers every route that runs user text in the evaluator may give besides its 200.
EVALUATION_ERRORS = answers(ProgramError, InvalidRequest, Overloaded)


def run_job(evaluator: Evaluator, job: str, body: BaseModel) -> Response:
    """The job's JSON bytes as the answer: validating a large result again here would cost more than it."""
    return Response(evaluator.run_json(job, body.model_dump()), media_type="application/json")


def install_evaluator(app: FastAPI, settings: Settings) -> None:
    """Create the evaluator; it starts and stops with the app, around whatever lifespan the app has.

    Workers fork at start-up so the first request does not wait for the fork server to import torch.
    Repeated preset requests of the optimization lab are answered from memory (api/answer_cache.py).
    """
    evaluator = make_evaluator(settings)
    app.state.evaluator = evaluator
    app.state.answer_cache = CachingEvaluator(evaluator)
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
