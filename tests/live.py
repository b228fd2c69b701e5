"""A real uvicorn server and a real chromium for end-to-end and browser tests.

Import the fixtures in a conftest.py: `from tests.live import live_server, browser, page  # noqa: F401`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import MNIST_DIR, OUTPUT_DIR, REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The shared live server's wall clock per program, not the 5 s default: the browser tests open the
# lecture's 4000-iteration loop (about 1 s on a quiet machine), which a loaded CI runner can stretch
# past 5 s. The budget itself is tested against its own servers (tests/security, tests/sandbox).
LIVE_WALL_SECONDS = 60
# A hang bound for a page showing a run of the shared server: the program's own wall clock, plus
# time to queue it, send the answer and draw it. Under two busy loops on a loaded two-core machine
# the lecture's loop took the explorer more than 20 s to show (tests/frontend/test_explorer.py).
RUN_TIMEOUT_MS = (LIVE_WALL_SECONDS + 30) * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A uvicorn process serving the app on loopback with its own data dir."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        # uvicorn dies of the SIGTERM it re-raises, before atexit: multiprocessing's temp dir (the
        # worker pools' forkserver socket) would stay in /tmp after every server a test stops. Short,
        # for that socket's path (AF_UNIX allows 107 bytes), and removed by stop().
        self.tmp_dir = Path(tempfile.mkdtemp(prefix="ae-live-"))

    def start(self, timeout: float = 180.0) -> None:
        # A hang detector, not a latency target: on a loaded two-core machine the worker pools
        # (each importing torch) took over a minute to answer their first trace.
        env = {
            **os.environ,
            "AUTOGRAD_EXPLORER_DATA_DIR": str(self.data_dir),
            "AUTOGRAD_EXPLORER_MNIST_DIR": str(MNIST_DIR),
            "TMPDIR": str(self.tmp_dir),
            **self.extra_env,
        }
        self.tmp_dir.mkdir(exist_ok=True)  # a server stopped and started again
        log = open(self.data_dir.parent / f"uvicorn-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "autograd_explorer.api.main:app", "--port", str(self.port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}")
            try:  # ready, not just live: the evaluation workers have answered (tests start warm)
                if httpx.get(self.url + "/api/ready", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("uvicorn did not become ready in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.tmp_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One uvicorn for the whole session (restart tests make their own LiveServer)."""
    data_dir = tmp_path_factory.mktemp("live") / "data"
    data_dir.mkdir()
    server = LiveServer(data_dir, {"AUTOGRAD_EXPLORER_MAX_WALL_SECONDS": str(LIVE_WALL_SECONDS)})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """Debian's chromium driven by Playwright, closed when its test package is done: a sync Playwright
    keeps its asyncio loop marked running in this thread, which breaks later tests' asyncio.run()
    and their own sync_playwright() (the notebook's JupyterLab and standalone-page tests)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make install-system`")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def expected_console_errors() -> list[re.Pattern[str]]:
    """Patterns of console errors a test provokes on purpose (chromium logs every 4xx fetch)."""
    return []


@pytest.fixture
def page(browser: object, expected_console_errors: list[re.Pattern[str]]) -> Iterator[object]:
    """A fresh page at a projector-like size; fails the test on any console error it did not expect."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})  # type: ignore[attr-defined]
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    unexpected = [e for e in errors if not any(p.search(e) for p in expected_console_errors)]
    assert not unexpected, f"console errors: {unexpected}"


def screenshot(pg: object, name: str) -> Path:
    """Save a screenshot under test-output/screenshots/ and return its path."""
    out = OUTPUT_DIR / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
