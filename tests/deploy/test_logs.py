"""Every line the server writes is JSON, uvicorn's own start and stop lines included (as in the image)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import REPO
from tests.live import free_port


def test_uvicorns_start_and_stop_lines_are_json(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "AUTOGRAD_EXPLORER_DATA_DIR": str(tmp_path),
        "AUTOGRAD_EXPLORER_EVAL_ISOLATION": "inline",
        "AUTOGRAD_EXPLORER_LOG_FORMAT": "json",
    }
    # The Dockerfile's command line.
    command = [sys.executable, "-m", "uvicorn", "autograd_explorer.api.main:app", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--no-access-log", "--timeout-graceful-shutdown", "20"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None and time.monotonic() < deadline, "uvicorn did not start"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    lines = [line for line in output.splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
    messages = " | ".join(str(r.get("message")) for r in records)
    started = ("Started server process", "Application startup complete")
    for expected in (*started, "Shutting down", "Finished server"):
        assert expected in messages, messages
    assert any(r.get("logger") == "autograd_explorer.access" for r in records)  # our access line
    assert not [r for r in records if r.get("logger") == "uvicorn.access"]  # and only ours: one per request
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
