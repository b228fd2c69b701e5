"""Send one request while probing /api/health: did the server keep answering while it ran?"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2
from fastapi.testclient import TestClient

BOUND_SECONDS = 120.0  # a correctness bound for the request under test, not a benchmark


@dataclass
class Probed:
    """The request's answer and every health answer received while it was still pending."""

    response: httpx2.Response
    health_during: list[int] = field(default_factory=list)


def post_while_probing(client: TestClient, path: str, body: dict[str, Any]) -> Probed:
    """POST `body` to `path` in a thread; probe /api/health until it answers (at least once)."""
    answers: list[httpx2.Response] = []
    sender = threading.Thread(target=lambda: answers.append(client.post(path, json=body)))
    sender.start()
    during: list[int] = []
    deadline = time.monotonic() + BOUND_SECONDS
    while True:
        status = client.get("/api/health").status_code
        if not sender.is_alive():
            break
        during.append(status)
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not answer within {BOUND_SECONDS:g} s")
        time.sleep(0.05)
    sender.join()
    return Probed(answers[0], during)


def wait_until_ready(client: TestClient) -> None:
    """Bounded wait for /api/ready: the request under test must not queue behind the warm-up."""
    deadline = time.monotonic() + BOUND_SECONDS
    while client.get("/api/ready").status_code != 200:
        assert time.monotonic() < deadline, "the evaluation workers never became ready"
        time.sleep(0.05)
