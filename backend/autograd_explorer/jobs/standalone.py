"""`autograd-explorer worker`: a training worker of its own, for the scale-out setup (issue 15).

It claims queued jobs from the records database (PostgreSQL for workers on several machines:
SKIP LOCKED gives each job to one worker), trains them with the same run_job() the local pool
uses, and writes weights to data_dir (a folder every replica and worker mounts). Every
`lease/3` seconds it also recovers jobs whose worker went silent (killed, machine lost): each is
requeued once for any worker to retry, then failed with the reason, never left "running".
SIGTERM/SIGINT: stop taking jobs and abandon the current one (the lease hands it on).
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
from autograd_explorer.process_setup import configure_process
from autograd_explorer.settings import Settings, database_url
from autograd_explorer.store.records import ModelStore

log = logging.getLogger("autograd_explorer.jobs")

IDLE_POLL_SECONDS = 0.2
OUTAGE_PAUSE_SECONDS = 1.0


def serve_jobs(settings: Settings, stop: threading.Event) -> None:
    """Train queued jobs until `stop` is set."""
    store = ModelStore(settings.data_dir, database_url(settings))
    pid = os.getpid()
    lease = settings.worker_lease_seconds
    next_recovery = 0.0
    log.info("training worker %s ready (records: %s)", pid, store.where())
    while not stop.is_set():
        try:
            if time.monotonic() >= next_recovery:
                next_recovery = time.monotonic() + lease / 3
                requeued, failed = store.recover_silent(lease)
                for model_id in requeued:
                    log.warning("job %s: its worker went silent; requeued for another try", model_id)
                for model_id in failed:
                    log.warning("job %s: its worker went silent again; failed", model_id)
            claimed = store.claim_next(worker_pid=pid)
        except (ExplorerError, SQLAlchemyError) as exc:  # the database is restarting: wait, retry
            log.warning("training worker %s: records unavailable (%s)", pid, exc)
            stop.wait(OUTAGE_PAUSE_SECONDS)
            continue
        if claimed is None:
            stop.wait(IDLE_POLL_SECONDS)
            continue
        model_id, token = claimed
        log.info("training worker %s: job %s", pid, model_id)
        try:
            status = run_job(store, model_id, token, settings.mnist_dir, should_stop=stop.is_set)
        except (ExplorerError, SQLAlchemyError) as exc:  # could not even record the end: the lease will
            log.warning("job %s: records unavailable at its end (%s)", model_id, exc)
            continue
        log.info("training worker %s: job %s ended %s", pid, model_id, status or "elsewhere")


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
