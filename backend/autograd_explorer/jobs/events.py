"""Server-sent events of one job: new curve points and progress as they reach the store.

Each `progress` event carries the points after the last one sent and has the last point's
index as its SSE id, so a reconnecting EventSource (Last-Event-ID) resumes without gaps.
The stream ends with an `end` event when the job has finished, or quietly after
`max_seconds` (the browser reconnects on its own): no stream outlives a server shutdown.
A Last-Event-ID that is not one of ours (not a whole number from -1 to 2^63 − 1) is a 400
naming the header: resuming from a guess would repeat or skip points.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from anyio import to_thread

from autograd_explorer.errors import InvalidRequest
from autograd_explorer.jsonsafe import dumps, finite_or_none, sanitize
from autograd_explorer.store.records import FINISHED, ModelRecord, ModelStore

LAST_EVENT_ID = "Last-Event-ID"
# -1 or ASCII digits: int() also reads "٣", "+3", "3_0" and "-0", none of them an id we sent. The
# published pattern is made of it, so the schema and the check say the same.
_EVENT_ID = re.compile(r"-1|[0-9]{1,19}")
_MAX_EVENT_ID = 2**63 - 1  # SQLite's integers: a larger one overflowed inside the query
# The header as the API schema publishes it (empty is "from the start", as absent); resume_after()
# also refuses a number above _MAX_EVENT_ID, which a pattern cannot say.
LAST_EVENT_ID_PATTERN = rf"^(|{_EVENT_ID.pattern})$"


def resume_after(last_event_id: str | None) -> int:
    """The curve index a reconnecting stream resumes after (-1: from the start); InvalidRequest if bad."""
    if not last_event_id:
        return -1
    if _EVENT_ID.fullmatch(last_event_id) and int(last_event_id) <= _MAX_EVENT_ID:
        return int(last_event_id)
    shown = last_event_id if len(last_event_id) <= 24 else last_event_id[:24] + "…"
    raise InvalidRequest(
        f"{LAST_EVENT_ID} must be the id of an event this stream sent, a whole number from -1 to "
        f"{_MAX_EVENT_ID}; got {shown!r}",
        LAST_EVENT_ID,
    )


def sse(event: str, data: Any, event_id: int | None = None) -> str:
    """One event in the text/event-stream format (data as JSON on one line, non-finite numbers null
    as in GET /api/models/{id}: a diverged loss is the same null in the stream and in the record)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {dumps(sanitize(data, finite_or_none)).decode()}\n\n"


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
