"""Run one claimed job: load data, train, stream progress to the store, save the weights.

Used by the worker processes and by the CLI alike, so both leave the same records behind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from torch import nn

from autograd_explorer.errors import ExplorerError
from autograd_explorer.store.records import ModelStore, Status
from autograd_explorer.store.weights import save_weights
from autograd_explorer.train.config import TrainConfig
from autograd_explorer.train.data import load_data
from autograd_explorer.train.loop import CurvePoint, train
from autograd_explorer.train.models import build_model

log = logging.getLogger("autograd_explorer.jobs")

FLUSH_SECONDS = 0.25  # how often progress reaches the database (and cancellation is noticed)


class JobStopped(Exception):
    """The job was cancelled, taken over, or its server went away."""


class StoreReporter:
    """A training listener that batches curve points into the store and notices when to stop."""

    def __init__(
        self,
        store: ModelStore,
        model_id: str,
        token: str,
        config: TrainConfig,
        *,
        should_stop: Callable[[], bool] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.store, self.model_id, self.token, self.config = store, model_id, token, config
        self.should_stop = should_stop
        self.on_progress = on_progress
        self.pending: list[tuple[int, CurvePoint]] = []
        self.next_index = 0
        self.done = 0
        self.last_flush = time.monotonic()
        # 2-D models are tiny: snapshot them so the decision boundary can be drawn while training.
        self.snapshots = not config.is_mnist

    def on_point(self, point: CurvePoint) -> None:
        """Queue a curve point for the next flush."""
        self.pending.append((self.next_index, point))
        self.next_index += 1

    def on_step(self, done: int, model: nn.Module) -> None:
        """Flush now and then; stop if told to."""
        self.done = done
        if self.on_progress is not None:
            self.on_progress(done, self.config.steps)
        if time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            self.flush(model)

    def flush(self, model: nn.Module | None = None) -> None:
        """Write progress and pending points; raise JobStopped if the job must end."""
        if self.snapshots and model is not None:
            save_weights(self.store.data_dir, self.model_id, model.state_dict())
        keep_going = self.store.report(self.model_id, self.token, self.done / self.config.steps, self.pending)
        self.pending = []
        self.last_flush = time.monotonic()
        if not keep_going or (self.should_stop is not None and self.should_stop()):
            raise JobStopped


def run_job(
    store: ModelStore,
    model_id: str,
    token: str,
    mnist_dir: Path | None,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Status | None:
    """Train the claimed job `model_id` to its end; the status it ended with (None: not ours any more)."""
    record = store.get(model_id)
    try:
        config = TrainConfig.model_validate(record.config)
        data = load_data(config, mnist_dir)
        model = build_model(config)
        reporter = StoreReporter(
            store, model_id, token, config, should_stop=should_stop, on_progress=on_progress
        )
        result = train(model, data, config, reporter)
        reporter.flush()
        save_weights(store.data_dir, model_id, model.state_dict())
        status: Status = "done"
        return status if store.finish(model_id, token, status, metrics=result.metrics) else None
    except JobStopped:
        if store.get(model_id).cancel_requested:
            return "cancelled" if store.finish(model_id, token, "cancelled") else None
        return None  # the server went away or someone else owns the job: leave the record alone
    except ExplorerError as exc:  # e.g. MNIST missing: a message the user can act on
        return "failed" if store.finish(model_id, token, "failed", error=str(exc)) else None
    except Exception as exc:
        log.exception("training job %s failed", model_id)
        message = f"{type(exc).__name__}: {exc}"
        return "failed" if store.finish(model_id, token, "failed", error=message) else None
