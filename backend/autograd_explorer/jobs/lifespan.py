"""The app's lifespan: the training job runner starts with the server and stops with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from autograd_explorer.jobs.runner import JobRunner


@asynccontextmanager
async def training_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the runner (failing jobs a dead server left behind) and stop its workers on shutdown."""
    runner = JobRunner(app.state.settings)
    runner.start()
    app.state.runner = runner
    try:
        yield
    finally:
        await to_thread.run_sync(runner.stop)
