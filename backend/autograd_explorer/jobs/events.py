"""Server-sent events of one job: new curve points and progress as they reach the store.

Each `progress` event carries the points after the last one sent and has the last point's
index as its SSE id, so a reconnecting EventSource (Last-Event-ID) resumes without gaps.
The stream ends with an `end` event when the job has finished, or quietly after
`max_seconds` (the browser reconnects on its own): no stream outlives a server shutdown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from anyio import to_thread

from autograd_explorer.jsonsafe import dumps, sanitize
from autograd_explorer.store.records import FINISHED, ModelRecord, ModelStore


def sse(event: str, data: Any, event_id: int | None = None) -> str:
    """One event in the text/event-stream format (data as JSON-safe JSON on one line)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {dumps(sanitize(data)).decode()}\n\n"


def _read(
    store: ModelStore, model_id: str, after: int
) -> tuple[ModelRecord, list[tuple[int, dict[str, float]]]]:
    # The record first: if it says finished, the points read next include the final flush.
    record = store.get(model_id)
    return record, store.points(model_id, after)


async def job_events(
    store: ModelStore,
    model_id: str,
    *,
    last_event_id: int = -1,
    poll_seconds: float,
    max_seconds: float,
    describe: Callable[[ModelRecord], dict[str, Any]],
    disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[str]:
    """The event stream of `model_id` (the caller has checked that it exists)."""
    deadline = time.monotonic() + max_seconds
    last, last_progress = last_event_id, -1.0
    yield "retry: 1000\n\n"
    while True:
        record, points = await to_thread.run_sync(_read, store, model_id, last)
        if points or record.progress != last_progress:
            if points:
                last = points[-1][0]
            last_progress = record.progress
            payload = {"status": record.status, "progress": record.progress, "points": [p for _, p in points]}
            yield sse("progress", payload, last if last >= 0 else None)
        if record.status in FINISHED:
            yield sse("end", await to_thread.run_sync(describe, record))  # it reads the store too
            return
        if time.monotonic() > deadline or await disconnected():
            return
        await asyncio.sleep(poll_seconds)
