"""Training jobs through a task queue: Dramatiq on Redis (issue 15 §2; why Dramatiq: docs/deployment.md).

The records database stays the source of truth: a message carries only a job id, and the actor
first claims that job in the database (`ModelStore.claim`: queued → running, exactly once). A
second message for the same job (a re-send, a redelivery) therefore finds it no longer queued
and does nothing. A message Redis lost (restarted without persistence, or down when the job was
accepted) is re-sent by the workers' sweep (jobs/standalone.py), so no accepted job is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from redis.exceptions import RedisError

log = logging.getLogger("autograd_explorer.jobs")

QUEUE_NAME = "training"
ACTOR_NAME = "train_job"
# The Redis key prefix of Dramatiq's queues (its list of waiting message ids is `dramatiq:training`).
NAMESPACE = "dramatiq"
REDIS_TIMEOUT_SECONDS = 5.0


class TrainingQueue:
    """One process's connection to the queue: the app sends job ids, a worker also consumes them."""

    def __init__(self, url: str, handler: Callable[[str], None] | None = None) -> None:
        # No middleware: retries, time limits and age limits are the records database's job (the
        # lease retries a silent worker's job once; a training may run longer than Dramatiq's
        # default 10-minute limit). The broker still redelivers a dead worker's unacked message.
        # Bounded: a POST must not hang on an unreachable or stuck Redis (the job is in the database).
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
        self.broker = RedisBroker(  # type: ignore[no-untyped-call]  # dramatiq leaves it unannotated
            client=client, middleware=[], namespace=NAMESPACE
        )
        self.actor: dramatiq.Actor[[str], None] = dramatiq.Actor(
            handler or _sender_only,
            broker=self.broker,
            actor_name=ACTOR_NAME,
            queue_name=QUEUE_NAME,
            priority=0,
            options={},
        )
        self._worker: dramatiq.Worker | None = None

    def send(self, model_id: str) -> bool:
        """Put a job id on the queue; False (logged) if Redis cannot be reached: the sweeper re-sends it."""
        try:
            self.actor.send(model_id)
        except (RedisError, OSError) as exc:
            log.warning(
                "job %s: could not reach the task queue (%s); a worker's sweep will send it", model_id, exc
            )
            return False
        return True

    def consume(self) -> None:
        """Start consuming in background threads: one job at a time, one message held at a time (so
        an idle worker elsewhere gets the next job, not this busy one)."""
        worker = dramatiq.Worker(self.broker, worker_threads=1)
        worker.queue_prefetch = 1
        worker.start()
        self._worker = worker

    def close(self, timeout_ms: int = 10_000) -> None:
        """Stop consuming (the current job is abandoned by its should_stop) and close the connections."""
        if self._worker is not None:
            self._worker.stop(timeout=timeout_ms)
            self._worker = None
        self.broker.close()


def _sender_only(model_id: str) -> None:  # the app only sends: a worker declares the real handler
    raise RuntimeError(f"job {model_id}: this process only sends training jobs")
