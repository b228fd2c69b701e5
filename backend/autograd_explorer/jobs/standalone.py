"""`autograd-explorer worker`: a training worker of its own, for the scale-out setup (issue 15).

It claims queued jobs from the records database (PostgreSQL for workers on several machines:
SKIP LOCKED gives each job to one worker), trains them with the same run_job() the local pool
uses, and writes weights to data_dir (a folder every replica and worker mounts). Every
`lease/3` seconds it also recovers jobs whose worker went silent (killed, machine lost): each is
requeued once for any worker to retry, then failed with the reason, never left "running".
SIGTERM/SIGINT: stop taking jobs and abandon the current one (the lease hands it on).

With `broker_url` set the jobs come through the task queue (jobs/queue.py, Dramatiq on Redis)
instead of polling the database: each message names a job, which is claimed by id (exactly
once); the same sweep then also re-sends queued jobs whose message went missing.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from types import FrameType

from sqlalchemy.exc import SQLAlchemyError

from autograd_explorer.errors import ExplorerError
from autograd_explorer.jobs.execute import run_job
from autograd_explorer.jobs.queue import TrainingQueue
from autograd_explorer.process_setup import configure_process
from autograd_explorer.settings import Settings, database_url
from autograd_explorer.store.records import ModelStore

log = logging.getLogger("autograd_explorer.jobs")

IDLE_POLL_SECONDS = 0.2
OUTAGE_PAUSE_SECONDS = 1.0


def serve_jobs(settings: Settings, stop: threading.Event) -> None:
    """Train queued jobs until `stop` is set: from the task queue with a broker, else by polling."""
    store = ModelStore(settings.data_dir, database_url(settings))
    log.info("training worker %s ready (records: %s)", os.getpid(), store.where())
    if settings.broker_url is not None:
        _serve_queue(settings, store, settings.broker_url.get_secret_value(), stop)
    else:
        _poll_database(settings, store, stop)


def _poll_database(settings: Settings, store: ModelStore, stop: threading.Event) -> None:
    pid = os.getpid()
    sweep = _Sweeper(store, settings.worker_lease_seconds, None)
    while not stop.is_set():
        try:
            sweep.maybe()
            claimed = store.claim_next(worker_pid=pid)
        except (ExplorerError, SQLAlchemyError) as exc:  # the database is restarting: wait, retry
            log.warning("training worker %s: records unavailable (%s)", pid, exc)
            stop.wait(OUTAGE_PAUSE_SECONDS)
            continue
        if claimed is None:
            stop.wait(IDLE_POLL_SECONDS)
            continue
        _train(settings, store, *claimed, stop)


def _serve_queue(settings: Settings, store: ModelStore, url: str, stop: threading.Event) -> None:
    pid = os.getpid()

    def handle(model_id: str) -> None:  # runs in Dramatiq's worker thread, one message at a time
        if stop.is_set():
            return  # stopping: the job stays queued in the database; the sweep re-sends it
        try:
            token = store.claim(model_id, worker_pid=pid)
        except (ExplorerError, SQLAlchemyError) as exc:  # unclaimed, still queued: the sweep re-sends it
            log.warning("job %s: records unavailable at its claim (%s)", model_id, exc)
            return
        if token is None:  # claimed by another message's worker, cancelled or deleted meanwhile
            log.info("training worker %s: job %s is no longer queued; message dropped", pid, model_id)
            return
        _train(settings, store, model_id, token, stop)

    queue = TrainingQueue(url, handle)
    queue.consume()
    sweep = _Sweeper(store, settings.worker_lease_seconds, queue)
    try:
        while not stop.is_set():
            try:
                sweep.maybe()
            except (ExplorerError, SQLAlchemyError) as exc:
                log.warning("training worker %s: records unavailable (%s)", pid, exc)
            stop.wait(IDLE_POLL_SECONDS)
    finally:
        queue.close()


def _train(settings: Settings, store: ModelStore, model_id: str, token: str, stop: threading.Event) -> None:
    pid = os.getpid()
    log.info("training worker %s: job %s", pid, model_id)
    try:
        status = run_job(store, model_id, token, settings.mnist_dir, should_stop=stop.is_set)
    except (ExplorerError, SQLAlchemyError) as exc:  # could not even record the end: the lease will
        log.warning("job %s: records unavailable at its end (%s)", model_id, exc)
        return
    log.info("training worker %s: job %s ended %s", pid, model_id, status or "elsewhere")


class _Sweeper:
    """Every `lease/3` s: requeue (or fail) jobs whose worker went silent; with a task queue, also
    send those again, and re-send queued jobs that no worker claimed within a lease (lost message)."""

    def __init__(self, store: ModelStore, lease: float, queue: TrainingQueue | None) -> None:
        self.store, self.lease, self.queue = store, lease, queue
        self.next = 0.0

    def maybe(self) -> None:
        if time.monotonic() < self.next:
            return
        self.next = time.monotonic() + self.lease / 3
        requeued, failed = self.store.recover_silent(self.lease)
        for model_id in requeued:
            log.warning("job %s: its worker went silent; requeued for another try", model_id)
        for model_id in failed:
            log.warning("job %s: its worker went silent again; failed", model_id)
        if self.queue is None:
            return
        stale = self.store.stale_queued(self.lease)
        for model_id in stale:
            log.warning(
                "job %s: queued for over %g s and unclaimed; message sent again", model_id, self.lease
            )
        for model_id in [*requeued, *stale]:
            self.queue.send(model_id)


def main(settings: Settings) -> int:
    """The `worker` command: serve jobs until SIGTERM or Ctrl-C."""
    from autograd_explorer.logging_setup import configure_logging

    configure_logging(settings.log_format, settings.log_level)
    configure_process()
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("training worker %s: signal %s, stopping", os.getpid(), signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    serve_jobs(settings, stop)
    return 0
