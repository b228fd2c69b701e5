"""The body of one training worker process: claim queued jobs from the store and run them.

The server holds the write end of `server_alive`, and never writes: when it closes it (shutdown)
or dies, the pipe reads EOF and the worker stops taking jobs and abandons the one it runs.
"""

from __future__ import annotations

import os
import signal
from multiprocessing.connection import Connection
from pathlib import Path

from autograd_explorer.jobs.execute import run_job
from autograd_explorer.process_setup import configure_process
from autograd_explorer.store.records import ModelStore

IDLE_POLL_SECONDS = 0.2


def worker_main(
    data_dir: Path, mnist_dir: Path | None, server_alive: Connection, database_url: str | None = None
) -> None:
    """Loop until the server goes away: claim the oldest queued job, train it, repeat."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server decides
    configure_process()
    store = ModelStore(data_dir, database_url)
    pid = os.getpid()

    def server_gone() -> bool:
        return server_alive.poll()  # never written to: readable means EOF

    while not server_gone():
        claimed = store.claim_next(worker_pid=pid)
        if claimed is None:
            if server_alive.poll(IDLE_POLL_SECONDS):
                return
            continue
        model_id, token = claimed
        run_job(store, model_id, token, mnist_dir, should_stop=server_gone)
