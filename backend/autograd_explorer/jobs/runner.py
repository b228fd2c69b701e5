"""The job runner: accepts jobs, keeps `training_workers` worker processes alive, enforces cancels.

The database is the queue: a job is a `queued` record, a free worker claims the oldest one
(external workers with a broker: the record is also sent as a message on the task queue, queue.py).
Workers come from a forkserver that has imported torch once, so a replacement worker starts
in a fraction of a second and no worker is forked from a server whose torch threads run.
A thread in the server watches the workers: a dead worker's job is failed and the worker
replaced; a running job that ignores a cancel for `cancel_grace_seconds` has its worker killed.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess

from sqlalchemy.exc import SQLAlchemyError

from autograd_explorer.errors import ExplorerError, InvalidRequest, Overloaded
from autograd_explorer.jobs.queue import TrainingQueue
from autograd_explorer.jobs.worker import worker_main
from autograd_explorer.settings import Settings, database_url
from autograd_explorer.store.records import INTERRUPTED_MESSAGE, ModelRecord, ModelStore
from autograd_explorer.store.weights import delete_weights
from autograd_explorer.train.config import TrainConfig, training_digest
from autograd_explorer.train.mnist import check_available

log = logging.getLogger("autograd_explorer.jobs")

TEND_SECONDS = 0.25


class JobRunner:
    """Owns the worker pool of one server; the store is shared with anyone who reads it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = ModelStore(settings.data_dir, database_url(settings))
        self.external = settings.job_workers == "external"
        self.interrupted: list[str] = []
        self._ctx: ForkServerContext = multiprocessing.get_context("forkserver")
        self._workers: list[BaseProcess] = []
        self._alive_reader: Connection | None = None
        self._alive_writer: Connection | None = None
        self._wanted = False
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._cancel_asked: dict[str, float] = {}
        self._lock = threading.Lock()
        self._monitor: threading.Thread | None = None
        # External workers with a broker: each new job's id also goes onto the task queue.
        self.queue: TrainingQueue | None = None
        if self.external and settings.broker_url is not None:
            self.queue = TrainingQueue(settings.broker_url.get_secret_value())

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        """Fail the jobs a previous server left behind and start watching (workers start on demand).

        With external workers nothing is left behind by this server (other replicas' and workers'
        jobs are theirs: a silent worker's job is recovered by the workers' lease, worker.py).
        """
        if not self.external:
            self.interrupted = self.store.fail_active(INTERRUPTED_MESSAGE)
        if self.interrupted:
            log.warning("marked %d interrupted training job(s) failed", len(self.interrupted))
        self._monitor = threading.Thread(target=self._watch, name="training-monitor", daemon=True)
        self._monitor.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Close the pipe the workers watch, wait for them briefly, then terminate the rest."""
        self._stopping.set()
        self._wake.set()
        if self._monitor is not None:
            self._monitor.join(timeout)
        with self._lock:
            if self._alive_writer is not None:
                self._alive_writer.close()
            deadline = time.monotonic() + timeout
            for worker in self._workers:
                worker.join(max(0.0, deadline - time.monotonic()))
            for worker in self._workers:
                if worker.is_alive():
                    worker.terminate()
                    worker.join(2.0)
            self._workers.clear()
        if self.queue is not None:
            self.queue.close()

    # --- requests ------------------------------------------------------------------------
    def submit(self, config: TrainConfig, *, owner_token_hash: str | None = None) -> tuple[ModelRecord, bool]:
        """Queue a job (config defaults filled in), or join the identical one: (record, created).

        InvalidRequest/Overloaded/DataUnavailable if it can't. `owner_token_hash`: the hash of the
        token its creator may cancel or delete it with (kept only on a job this call created).
        """
        resolved = config.resolved()
        limit = self.settings.max_training_steps
        if resolved.steps > limit:
            raise InvalidRequest(
                f"steps must be at most {limit} (setting max_training_steps), got {resolved.steps}", "steps"
            )
        if resolved.is_mnist:
            check_available(self.settings.mnist_dir)
        stored = resolved.model_dump(mode="json")
        outcome: tuple[ModelRecord, bool] | None
        if self.settings.deduplicate_jobs:
            outcome = self.store.join_or_create(
                stored,
                training_digest(resolved),
                max_queued=self.settings.max_queued_jobs,
                owner_token_hash=owner_token_hash,
            )
        else:
            made = self.store.create(
                stored, max_queued=self.settings.max_queued_jobs, owner_token_hash=owner_token_hash
            )
            outcome = None if made is None else (made, True)
        if outcome is None:
            raise Overloaded(
                f"the training queue is full ({self.settings.max_queued_jobs} jobs waiting); try again later",
                retry_after=5,
            )
        if outcome[1] and self.queue is not None:
            self.queue.send(outcome[0].id)  # committed first: a worker's claim finds it queued
        elif outcome[1] and not self.external:
            self._wanted = True
            self._wake.set()
        return outcome

    def cancel(self, model_id: str) -> ModelRecord:
        """Cancel a queued job now, or ask a running one to stop (killed if it does not within the grace)."""
        record = self.store.request_cancel(model_id)
        if record.status == "running":
            self._cancel_asked.setdefault(model_id, time.monotonic())
            self._wake.set()
        return record

    def delete(self, model_id: str) -> None:
        """Remove a finished job's record, curve points and weights (Conflict while it is active)."""
        self.store.delete(model_id)
        delete_weights(self.settings.data_dir, model_id)

    def ready(self) -> bool:
        """Whether the runner answers: its monitor thread runs and the store can be read."""
        if self._stopping.is_set() or self._monitor is None or not self._monitor.is_alive():
            return False
        try:
            self.store.count_queued()
        except (ExplorerError, SQLAlchemyError):
            log.exception("the job store cannot be read")
            return False
        return True

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for tests and diagnostics)."""
        with self._lock:
            return [w.pid for w in self._workers if w.pid is not None and w.is_alive()]

    # --- the monitor thread ----------------------------------------------------------------
    def _watch(self) -> None:
        while not self._stopping.is_set():
            try:
                self._tend()
            except Exception:  # the monitor must outlive any one bad round
                log.exception("training monitor round failed")
            self._wake.wait(TEND_SECONDS)
            self._wake.clear()

    def _tend(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            self._enforce_cancels()
            self._bury_dead_workers()
            if self._wanted:
                try:
                    while len(self._workers) < self.settings.training_workers:
                        self._workers.append(self._spawn())
                except Exception as exc:  # a pool that cannot start must not leave jobs waiting forever
                    log.exception("could not start a training worker")
                    self._wanted = False
                    self.store.fail_active(f"could not start a training worker: {exc}", ("queued",))

    def _spawn(self) -> BaseProcess:
        if self._alive_writer is None:
            self._ctx.set_forkserver_preload(["autograd_explorer.jobs.forkserver_preload"])
            self._alive_reader, self._alive_writer = self._ctx.Pipe(duplex=False)
        worker = self._ctx.Process(
            target=worker_main,
            args=(
                self.settings.data_dir,
                self.settings.mnist_dir,
                self._alive_reader,
                database_url(self.settings),
            ),
            name="training-worker",
            daemon=True,
        )
        worker.start()
        log.info("training worker %s started", worker.pid)
        return worker

    def _bury_dead_workers(self) -> None:
        dead = [w for w in self._workers if not w.is_alive()]
        if not dead:
            return
        by_pid = {w.pid: w for w in dead}
        for record in self.store.records(["running"]):
            worker = by_pid.get(record.worker_pid)
            if worker is not None:
                self.store.end_running(
                    record.id,
                    "failed",
                    f"the training worker stopped unexpectedly (exit code {worker.exitcode})",
                )
        self._workers = [w for w in self._workers if w.is_alive()]

    def _enforce_cancels(self) -> None:
        now = time.monotonic()
        for model_id, asked in list(self._cancel_asked.items()):
            record = self.store.get(model_id)
            if record.status != "running":
                del self._cancel_asked[model_id]
            elif now - asked > self.settings.cancel_grace_seconds:
                worker = next((w for w in self._workers if w.pid == record.worker_pid), None)
                if worker is not None:
                    log.warning("killing worker %s: job %s ignored its cancel", worker.pid, model_id)
                    worker.kill()
                    worker.join(2.0)
                    self._workers.remove(worker)
                self.store.end_running(model_id, "cancelled")
                del self._cancel_asked[model_id]
