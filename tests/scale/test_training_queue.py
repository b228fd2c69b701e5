"""jobs/queue.py against a real redis-server, in this process: what is sent arrives once, in order;
an unreachable Redis is a logged False, not an error (the job is already in the database)."""

from __future__ import annotations

import queue

from autograd_explorer.jobs.queue import TrainingQueue
from tests.live import free_port
from tests.services import RedisServer


def test_sent_job_ids_reach_the_consumer_once_each_in_order(redis_server: RedisServer) -> None:
    received: queue.Queue[str] = queue.Queue()
    sender = TrainingQueue(redis_server.url)
    consumer = TrainingQueue(redis_server.url, received.put)
    try:
        assert all(sender.send(f"job{n}") for n in range(5))
        consumer.consume()
        got = [received.get(timeout=30) for _ in range(5)]
        assert got == [f"job{n}" for n in range(5)]  # one worker thread: the queue's order
        assert sender.send("late")
        assert received.get(timeout=30) == "late"
        assert received.empty()
    finally:
        consumer.close()
        sender.close()


def test_an_unreachable_redis_is_a_false_send_not_an_error() -> None:
    sender = TrainingQueue(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    try:
        assert sender.send("job") is False
    finally:
        sender.close()
