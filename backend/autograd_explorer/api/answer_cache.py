"""Answers of the optimization lab's preset requests, kept so that asking again costs nothing.

An addition to the computation's own speed, not a replacement for it: a lab example (Adam against
gradient descent on Rosenbrock: 4,000 recorded steps) took ~0.5 s of server time, and a lecture
opens the same examples again and again (api/preset_answers.py computes the pages' own at start-up).
Only requests without user text are kept: a preset
function evaluated in float32 on one CPU thread gives the same bytes every time, while a user's
function is text the cache never keys on (it runs in a worker each time). Refusals are not kept
(a time limit depends on the machine's load, not on the request).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson

from autograd_explorer.sandbox import Evaluator

# The jobs whose answer is a function of the request alone when it names a preset.
# The regression page's fits and sweeps take no user text at all.
CACHED_JOBS = frozenset({"surface", "trajectory", "trajectories", "polynomial", "sweep"})
MAX_ENTRIES = 64
MAX_BYTES = 64 * 1024 * 1024  # a 2,000-step run is ~0.2 MB, a 120×120 surface ~0.3 MB


def has_user_text(payload: Any) -> bool:
    """Whether any `source` in the payload (a run's or the request's) holds a user's function."""
    if isinstance(payload, Mapping):
        if payload.get("source") is not None:
            return True
        return any(has_user_text(v) for v in payload.values())
    if isinstance(payload, list | tuple):
        return any(has_user_text(v) for v in payload)
    return False


class CachingEvaluator:
    """An Evaluator that answers a repeated preset request of CACHED_JOBS from memory.

    Least recently used answers go first once MAX_ENTRIES or MAX_BYTES is passed.
    """

    def __init__(self, inner: Evaluator, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.inner = inner
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._answers: OrderedDict[bytes, bytes] = OrderedDict()
        self._bytes = 0
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

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        """A kept answer to the same request, else the wrapped evaluator's (kept when cacheable)."""
        if job not in CACHED_JOBS or has_user_text(payload):
            return self.inner.run_json(job, payload, timeout)
        key = job.encode() + b"\0" + orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        with self._lock:
            kept = self._answers.get(key)
            if kept is not None:
                self._answers.move_to_end(key)
                return kept
        answer = self.inner.run_json(job, payload, timeout)  # refusals raise: nothing is kept
        self._keep(key, answer)
        return answer

    def _keep(self, key: bytes, answer: bytes) -> None:
        size = len(key) + len(answer)
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._answers:  # two identical requests computed at once
                return
            self._answers[key] = answer
            self._bytes += size
            while len(self._answers) > self.max_entries or self._bytes > self.max_bytes:
                old_key, old = self._answers.popitem(last=False)
                self._bytes -= len(old_key) + len(old)

    def __len__(self) -> int:
        return len(self._answers)
