"""`autograd-explorer serve` stopped as a service manager stops it (SIGTERM) leaves nothing in /tmp."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import MNIST_DIR
from tests.live import free_port

SCRIPT = Path(sys.executable).parent / "autograd-explorer"


def test_serve_stopped_by_sigterm_exits_143_and_removes_its_temp_dir(tmp_path: Path) -> None:
    # uvicorn raises the SIGTERM it handled again once it has shut down: with the default action the
    # process died of it (status -15) without atexit, and multiprocessing's pymp-* folder, which holds
    # the worker pools' forkserver socket, stayed in the temp dir at every stop.
    temp = tmp_path / "tmp"
    temp.mkdir()
    port = free_port()
    env = {
        **os.environ,
        "TMPDIR": str(temp),
        "AUTOGRAD_EXPLORER_PORT": str(port),
        "AUTOGRAD_EXPLORER_DATA_DIR": str(tmp_path / "data"),
        "AUTOGRAD_EXPLORER_MNIST_DIR": str(MNIST_DIR),
        "AUTOGRAD_EXPLORER_EVAL_WORKERS": "1",
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen([str(SCRIPT), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180  # a hang detector: the pools import torch first
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        assert [p.name for p in temp.iterdir() if p.name.startswith("pymp-")]  # the pools made one
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    assert [p.name for p in temp.iterdir() if p.name.startswith("pymp-")] == []
