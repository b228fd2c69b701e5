"""Helpers of the scale-out tests with real processes: a training worker process, job polling, events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import REPO


class Worker:
    """One `autograd-explorer worker` process; `ready()` waits until it has imported torch and reached
    its records (start-up is not training: the benchmarks time from there)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograd_explorer.cli", "worker"],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=open(log, "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )

    def ready(self, timeout: float) -> None:
        """Wait for the worker's "ready" line (logged at INFO, the default log level)."""
        deadline = time.monotonic() + timeout
        while " ready (records: " not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def job(url: str, model_id: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{url}/api/models/{model_id}", timeout=30).json()
    return body


def wait_for(url: str, model_id: str, statuses: set[str], timeout: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (record := job(url, model_id))["status"] not in statuses:
        assert time.monotonic() < deadline, f"{model_id} still {record['status']} after {timeout} s"
        time.sleep(0.2)
    return record


def events(url: str, model_id: str, last_event_id: str | None = None) -> list[tuple[str, Any]]:
    """Every (event, data) of one job event stream."""
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    found: list[tuple[str, Any]] = []
    with httpx.stream("GET", f"{url}/api/models/{model_id}/events", headers=headers, timeout=60) as stream:
        kind = ""
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                found.append((kind, json.loads(line.removeprefix("data: "))))
    return found
