"""Answers kept so that asking again costs nothing: the optimization lab's presets, step details and
traces.

An addition to the computation's own speed, not a replacement for it.

Presets: a lab example (Adam against gradient descent on Rosenbrock: 4,000 recorded steps) took
~0.5 s of server time, and a lecture opens the same examples again and again
(api/preset_answers.py computes the pages' own at start-up). Only requests without user text are
kept, for as long as the server runs: a preset function evaluated in float32 on one CPU thread gives
the same bytes every time.

Step details (`trace_details`, POST /api/trace/details): the explorer's first window of a
20,003-node MLP re-ran the whole program (~1 s of a worker's CPU) after the trace had just run it,
and a class opening one shared link asks the same window thirty times. A program is deterministic
(seeded, no clock, no I/O: docs/trace.md), so the answer is a function of the request, the server's
settings and the code's version; it is kept for `details_cache_seconds` under a sha256 of all three.
The cache lives in the server process, in front of the worker pool: whichever worker computed an
answer, any request that reaches this server is answered from it (a second replica keeps its own
and computes again). With `details_prefetch`, the trace route asks for the page's first windows as
soon as a compact trace is answered (api/details_prefetch.py); the page's own request then joins that
computation or finds its answer. Identical requests that arrive while one is computed wait for it
instead of computing again.

Traces (`trace`, POST /api/trace, and `torchviz`, POST /api/torchviz): a class following a lecturer
(js/shared/follow.js) asks for the lecturer's program the moment it is shared, each student's page
on its own request: thirty traces of one program queued on two workers, the last student waiting
for all the others, and past the pool's queue wait answered 503 (bench/shared_trace_bench.py). Kept for
`trace_cache_seconds` in a store of their own (a few large traces must not push out the step
details of the program on screen), they run once: the first request computes, the identical ones
that arrive meanwhile wait for its answer, later ones read it. A kept answer is the bytes of the
run that computed it, `stats.trace_ms` included.

Both are functions of the request because a program is: seeded (lang/run.py seeds one that draws
without seeding), no clock, no I/O.

The explorer's examples (examples.py): their traces, step details and torchviz drawings, asked with
an example's own source and inputs, are kept like presets, for as long as the server runs, in a store
of their own (api/preset_answers.py computes each example's trace and first details at start-up). A
class opens the same few examples all term, and the lecture's 4,000-iteration loop (~1 s of a
worker) was refused by the wall-clock limit under load (bench/load.py) where it is now read.

What the start-up's warm-up computes is pinned (`CachingEvaluator.pinning`): out of its store's
least-recently-used order, kept whatever else is asked. The examples' store also keeps the §8 loop's
other iterations a class opens (~230 kB each), and about 140 of them pushed out the warmed first
answers of every example: the next student to open one waited for its computation again.

Refusals are never kept (a time limit depends on the machine's load, not on the request).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson

from autograd_explorer import __version__
from autograd_explorer.examples import EXAMPLES
from autograd_explorer.sandbox import Evaluator
from autograd_explorer.settings import Settings

# The jobs whose answer is a function of the request alone when it names a preset.
# The regression page's fits and sweeps take no user text at all.
CACHED_JOBS = frozenset({"surface", "trajectory", "trajectories", "polynomial", "sweep"})
MAX_ENTRIES = 64
MAX_BYTES = 64 * 1024 * 1024  # a 2,000-step run is ~0.2 MB, a 120×120 surface ~0.3 MB
# A program's answers that are kept for a while: a deterministic function of the request.
PROGRAM_JOBS = frozenset({"trace_details"})
PROGRAM_ENTRIES = 256
PROGRAM_BYTES = 32 * 1024 * 1024  # 200 steps of the 20,003-node MLP are 75 kB; Jacobians add more
TRACE_JOBS = frozenset({"trace", "torchviz"})  # the graph, and torchviz's drawing of it
TRACE_ENTRIES = 64
# the compact trace of the 20,003-node MLP is 2.7 MB, of the lecture's 20,011-node MLP 10 MB; a
# readable one of 5,000 nodes can be 36 MB, and one answer over the budget is never kept
TRACE_BYTES = 64 * 1024 * 1024
EXAMPLE_JOBS = PROGRAM_JOBS | TRACE_JOBS
EXAMPLE_ENTRIES = 256  # each example's trace, torchviz and windows; the loop's other iterations
EXAMPLE_BYTES = 32 * 1024 * 1024  # the examples' compact traces are 1–232 kB
# Whether the answers asked for here are pinned: a context, so the threads a request's parts run in
# (api/evaluation.py, run_jobs_side_by_side) pin theirs too.
PINNING: ContextVar[bool] = ContextVar("pinning", default=False)


def canonical_inputs(inputs: Any) -> bytes:
    """Inputs as sorted JSON with every number a float: a page's JSON writes 1.0 as 1."""

    def floats(value: Any) -> Any:
        return [floats(v) for v in value] if isinstance(value, list) else float(value)

    return orjson.dumps({k: floats(v) for k, v in (inputs or {}).items()}, option=orjson.OPT_SORT_KEYS)


def example_programs() -> dict[str, bytes]:
    """Each example's source → its inputs, canonical."""
    return {e.source: canonical_inputs(e.inputs) for e in EXAMPLES}


def has_user_text(payload: Any) -> bool:
    """Whether any `source` in the payload (a run's or the request's) holds a user's function."""
    if isinstance(payload, Mapping):
        if payload.get("source") is not None:
            return True
        return any(has_user_text(v) for v in payload.values())
    if isinstance(payload, list | tuple):
        return any(has_user_text(v) for v in payload)
    return False


@dataclass(frozen=True)
class Kept:
    answer: bytes
    expires: float  # on the store's clock; math.inf: never


class AnswerStore:
    """Answers by key, least recently used first out past `max_entries` or `max_bytes`, each dropped
    when its time is up (read on `clock`, so tests move time instead of sleeping); pinned ones never."""

    def __init__(self, max_entries: int, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.clock = clock
        self._kept: OrderedDict[bytes, Kept] = OrderedDict()
        self._bytes = 0
        self._pinned: dict[bytes, bytes] = {}  # a fixed few (the warm-up's): not in the budget

    def get(self, key: bytes) -> bytes | None:
        """The kept answer, if there is one still in time (the caller holds the lock)."""
        pinned = self._pinned.get(key)
        if pinned is not None:
            return pinned
        kept = self._kept.get(key)
        if kept is None:
            return None
        if kept.expires <= self.clock():
            self._drop(key)
            return None
        self._kept.move_to_end(key)
        return kept.answer

    def put(self, key: bytes, answer: bytes, seconds: float) -> None:
        """Keep `answer` for `seconds` unless it alone is over the byte budget (the caller holds the lock)."""
        size = len(key) + len(answer)
        if size > self.max_bytes or seconds <= 0 or key in self._pinned:
            return
        if key in self._kept:
            self._drop(key)
        self._kept[key] = Kept(answer, self.clock() + seconds)
        self._bytes += size
        while len(self._kept) > self.max_entries or self._bytes > self.max_bytes:
            self._drop(next(iter(self._kept)))

    def pin(self, key: bytes, answer: bytes) -> None:
        """Keep `answer` for as long as the store lives, outside the order and budget (the caller holds
        the lock)."""
        if key in self._kept:
            self._drop(key)
        self._pinned[key] = answer

    def _drop(self, key: bytes) -> None:
        kept = self._kept.pop(key)
        self._bytes -= len(key) + len(kept.answer)

    def __len__(self) -> int:
        return len(self._kept) + len(self._pinned)


def settings_context(settings: Settings | None) -> bytes:
    """What besides the request decides an answer: the code's version and every setting (limits,
    value sizes, Jacobian caps). Settings are fixed for a server's life; keying on them all is safe."""
    described = settings.model_dump_json() if settings is not None else ""
    return hashlib.sha256(f"{__version__}\0{described}".encode()).digest()


class CachingEvaluator:
    """An Evaluator that answers repeated requests of CACHED_JOBS, PROGRAM_JOBS and TRACE_JOBS from
    memory, an example's for as long as it runs."""

    def __init__(
        self,
        inner: Evaluator,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        *,
        settings: Settings | None = None,
        program_seconds: float | None = None,
        trace_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.presets = AnswerStore(max_entries, max_bytes, clock)
        self.programs = AnswerStore(PROGRAM_ENTRIES, PROGRAM_BYTES, clock)
        self.traces = AnswerStore(TRACE_ENTRIES, TRACE_BYTES, clock)
        self.examples = AnswerStore(EXAMPLE_ENTRIES, EXAMPLE_BYTES, clock)
        self._example_programs = example_programs()
        if program_seconds is None:
            program_seconds = settings.details_cache_seconds if settings is not None else 0.0
        if trace_seconds is None:
            trace_seconds = settings.trace_cache_seconds if settings is not None else 0.0
        self.program_seconds = program_seconds
        self.trace_seconds = trace_seconds
        self._context = settings_context(settings)
        self._flights: dict[bytes, Future[bytes]] = {}
        self._lock = threading.Lock()  # sync routes run in a thread pool

    def start(self) -> None:
        """Start the wrapped evaluator."""
        self.inner.start()

    def close(self) -> None:
        """Close the wrapped evaluator."""
        self.inner.close()

    def run(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> Any:
        """The job's result (through run_json, so a kept answer serves both)."""
        return orjson.loads(self.run_json(job, payload, timeout))

    @contextmanager
    def pinning(self) -> Iterator[None]:
        """Within it, every answer asked for that would be kept for ever is pinned, computed or found
        kept: the warm-up's (api/preset_answers.py). Not the step details a trace's prefetch computes
        in a thread of its own: the warm-up asks for those itself and pins what it is given."""
        token = PINNING.set(True)
        try:
            yield
        finally:
            PINNING.reset(token)

    def keeps(self, job: str, payload: Mapping[str, Any]) -> bool:
        """Whether an answer to this request would be kept."""
        return self._where(job, payload) is not None

    def _where(self, job: str, payload: Mapping[str, Any]) -> tuple[AnswerStore, float] | None:
        if job in CACHED_JOBS and not has_user_text(payload):
            return self.presets, math.inf
        if job in EXAMPLE_JOBS and self.is_example(payload):
            return self.examples, math.inf
        if job in PROGRAM_JOBS and self.program_seconds > 0:
            return self.programs, self.program_seconds
        if job in TRACE_JOBS and self.trace_seconds > 0:
            return self.traces, self.trace_seconds
        return None

    def is_example(self, payload: Mapping[str, Any]) -> bool:
        """Whether the request runs one of the explorer's examples with its own inputs."""
        inputs = self._example_programs.get(payload.get("source"))  # type: ignore[arg-type]
        return inputs is not None and canonical_inputs(payload.get("inputs")) == inputs

    def key(self, job: str, payload: Mapping[str, Any]) -> bytes:
        """sha256 of the version and settings, the job and the request (its keys in any order)."""
        request = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(self._context + job.encode() + b"\0" + request).digest()

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        """A kept answer to the same request, else the wrapped evaluator's (kept when cacheable).

        A request identical to one being computed waits for that one's answer (or its error).
        """
        where = self._where(job, payload)
        if where is None:
            return self.inner.run_json(job, payload, timeout)
        store, seconds = where
        key = self.key(job, payload)
        answer = self._kept_or_computed(store, seconds, key, job, payload, timeout)
        if seconds == math.inf and PINNING.get():
            with self._lock:
                store.pin(key, answer)
        return answer

    def _kept_or_computed(
        self,
        store: AnswerStore,
        seconds: float,
        key: bytes,
        job: str,
        payload: Mapping[str, Any],
        timeout: float | None,
    ) -> bytes:
        with self._lock:
            kept = store.get(key)
            if kept is not None:
                return kept
            flight = self._flights.get(key)
            computing = flight is None
            if flight is None:
                flight = self._flights[key] = Future()
        if not computing:
            return flight.result()
        try:
            answer = self.inner.run_json(job, payload, timeout)  # refusals raise: nothing is kept
        except BaseException as exc:
            with self._lock:
                del self._flights[key]
            flight.set_exception(exc)
            raise
        with self._lock:
            store.put(key, answer, seconds)
            del self._flights[key]
        flight.set_result(answer)
        return answer

    def __len__(self) -> int:
        return len(self.presets) + len(self.programs) + len(self.traces) + len(self.examples)
