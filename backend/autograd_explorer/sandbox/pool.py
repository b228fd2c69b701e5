"""A pool of evaluation worker processes with CPU and memory limits, replaced when they fail.

Routes call `pool.run_json("trace", body)` from a plain `def` (a server thread); the thread waits
on the worker's pipe, so a program that loops or allocates without end stalls only its worker,
which is killed and replaced, and the request gets a ProgramError of type "limit". Each job has
one wall-clock budget for the whole request (its registry entry names the setting).
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import queue
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import orjson

from autograd_explorer.errors import Overloaded, ProgramError
from autograd_explorer.sandbox.registry import JOBS, Job, job_modules, job_spec
from autograd_explorer.sandbox.wire import decode, encode_request, error_from_wire, split_reply
from autograd_explorer.sandbox.worker import memory_error, worker_main
from autograd_explorer.settings import Settings

log = logging.getLogger("autograd_explorer.sandbox")

STARTUP_SECONDS = 120.0  # a cold fork server imports torch first: generous, and paid once
RETRY_AFTER_SECONDS = 1


@dataclass(eq=False)
class Worker:
    """One worker process and the server's end of its pipe."""

    process: BaseProcess
    conn: Connection
    ready: bool = False
    jobs_done: int = field(default=0)


class EvalPool:
    """`size` rlimited worker processes serving registered jobs; at most `eval_queue` callers wait."""

    def __init__(self, settings: Settings, jobs: Mapping[str, Job] = JOBS, size: int | None = None) -> None:
        self.settings = settings
        self.jobs = dict(jobs)
        self.size = size or settings.eval_workers
        # forkserver: workers fork from a clean process that has imported torch once, never from
        # the threaded server (forking a threaded process can deadlock on locks held elsewhere).
        self._context = multiprocessing.get_context("forkserver")
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._waiting = 0
        self._started = False
        self._closed = False
        self.replaced = 0  # workers killed or lost and replaced (for tests and logs)

    # --- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Fork the workers (idempotent; `run` calls it on first use)."""
        with self._lock:
            if self._started:
                return
            # The fork server is one per process, shared with the training runner: whichever starts
            # it first sets what it preloads, so both lists end with the same set-up module (torch's
            # lazy imports and a frozen heap; without it each new worker's first job took 1.2 s).
            self._context.set_forkserver_preload(
                [
                    "autograd_explorer.sandbox.worker",
                    *job_modules(self.jobs),
                    "autograd_explorer.jobs.forkserver_preload",
                ]
            )
            for _ in range(self.size):
                self._idle.put(self._spawn())
            self._started = True

    def close(self) -> None:
        """Stop idle workers now; busy ones stop when their job returns."""
        with self._lock:
            self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            self._stop(worker)

    def pids(self) -> list[int]:
        """Process ids of the idle workers (for tests that kill one)."""
        return [w.process.pid for w in list(self._idle.queue) if w.process.pid is not None]

    # --- running a job -----------------------------------------------------------------------

    def run(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> Any:
        """Run `job` on `payload` in a worker; its result as data, or the domain error it raised."""
        return orjson.loads(self.run_json(job, payload, timeout))

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        """Like `run`, but the result as the worker's JSON bytes (a route can send them as they are)."""
        spec = job_spec(job, self.jobs)
        grace = self.settings.eval_grace_seconds
        limit = timeout if timeout is not None else spec.seconds(self.settings) + grace
        # Encoded before a worker is taken: a request JSON cannot carry is refused without one.
        request = encode_request(
            {
                "job": spec.path,
                "prepared": spec.prepared,
                "payload": payload,
                "cpu_seconds": math.ceil(limit),
            },
            payload,
        )
        self.start()
        worker = self._acquire()
        keep = False
        try:
            raw = self._exchange(worker, request, limit, spec.time_setting)
            try:
                result, failure = split_reply(raw)
            except ValueError:  # a worker that speaks garbage is not kept
                log.error("evaluation worker %s sent an unreadable reply", worker.process.pid)
                raise ProgramError(
                    "runtime", "The evaluation process sent an unreadable answer; it was replaced."
                ) from None
            keep = not failure.get("retire", False)
            if result is None:
                raise error_from_wire(failure["error"])
            return result
        finally:
            self._release(worker, keep)

    def _exchange(self, worker: Worker, request: bytes, limit: float, setting: str) -> bytes:
        if not worker.ready:
            self._await_ready(worker)
        try:
            worker.conn.send_bytes(request)
            if not worker.conn.poll(limit):  # the caller's `finally` kills and replaces the worker
                raise ProgramError(
                    "limit", f"The program ran longer than {limit:g} s and was stopped ({setting})."
                )
            raw = worker.conn.recv_bytes()
        except (EOFError, OSError):
            raise self._death_error(worker, limit, setting) from None
        worker.jobs_done += 1
        return raw

    def _await_ready(self, worker: Worker) -> None:
        # A worker that cannot start is the server's trouble, not the request's: 503, and the
        # caller's `finally` replaces it.
        if not worker.conn.poll(STARTUP_SECONDS):
            log.error("evaluation worker %s did not start within %g s", worker.process.pid, STARTUP_SECONDS)
            raise Overloaded("An evaluation worker did not start in time; try again.", RETRY_AFTER_SECONDS)
        try:
            decode(worker.conn.recv_bytes())
        except (EOFError, OSError, ValueError):
            worker.process.join(5)
            log.error("evaluation worker exited at start (exit code %s)", worker.process.exitcode)
            raise Overloaded(
                "An evaluation worker failed to start; try again.", RETRY_AFTER_SECONDS
            ) from None
        worker.ready = True

    def _death_error(self, worker: Worker, limit: float, setting: str) -> ProgramError:
        """Why a worker vanished mid-job, in words a student understands."""
        worker.process.join(5)
        code = worker.process.exitcode
        log.warning("evaluation worker %s died (exit code %s); replacing it", worker.process.pid, code)
        if code == -signal.SIGXCPU:
            return ProgramError(
                "limit",
                f"The program used more than {math.ceil(limit)} s of CPU time and was stopped ({setting}).",
            )
        if code == -signal.SIGKILL:
            return ProgramError(
                "limit",
                f"The evaluation process was killed (out of memory, or stopped by the operator); "
                f"{memory_error(self.settings).message}",
            )
        reason = (
            f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
        )
        return ProgramError(
            "runtime",
            f"The evaluation process crashed ({reason}) while running the program; it was replaced.",
        )

    # --- workers ---------------------------------------------------------------------------------

    def _spawn(self) -> Worker:
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main, args=(theirs, self.settings), name="autograd-explorer-eval", daemon=True
        )
        process.start()
        theirs.close()
        return Worker(process, ours)

    def _acquire(self) -> Worker:
        with self._lock:
            if self._closed:
                raise Overloaded("The server is shutting down.", RETRY_AFTER_SECONDS)
            if self._idle.empty() and self._waiting >= self.settings.eval_queue:
                raise Overloaded(
                    f"All {self.size} evaluation workers are busy and {self._waiting} requests are waiting "
                    f"(eval_queue). Try again in {RETRY_AFTER_SECONDS} s.",
                    RETRY_AFTER_SECONDS,
                )
            self._waiting += 1
        try:
            worker = self._idle.get(timeout=self.settings.eval_queue_seconds)
        except queue.Empty:
            raise Overloaded(
                f"No evaluation worker became free within {self.settings.eval_queue_seconds:g} s "
                f"(eval_queue_seconds). Try again in {RETRY_AFTER_SECONDS} s.",
                RETRY_AFTER_SECONDS,
            ) from None
        finally:
            with self._lock:
                self._waiting -= 1
        if not worker.process.is_alive():  # died while idle (killed from outside)
            self._kill(worker, "found dead while idle")
            worker = self._spawn()
        return worker

    def _release(self, worker: Worker, keep: bool) -> None:
        if self._closed:
            self._stop(worker)
            return
        if keep and worker.jobs_done < self.settings.eval_max_jobs_per_worker and worker.process.is_alive():
            self._idle.put(worker)
            return
        if keep:  # recycled after its quota: an orderly stop, no kill
            self._stop(worker)
        else:
            self._kill(worker, "failed job")
        self._idle.put(self._spawn())

    def _kill(self, worker: Worker, reason: str) -> None:
        if worker.process.is_alive():
            log.warning("killing evaluation worker %s: %s", worker.process.pid, reason)
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        self.replaced += 1

    def _stop(self, worker: Worker) -> None:
        if not worker.ready:  # still starting up: nothing to finish, and joining would wait for it
            worker.process.kill()
        worker.conn.close()  # a ready worker reads EOF and returns
        worker.process.join(2)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(5)
