"""A real uvicorn in a thread serving an app whose rooms streams are short, for the SSE tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from autograd_explorer.api.app import create_app
from autograd_explorer.settings import Settings
from tests.live import free_port


class ThreadServer:
    """uvicorn serving `settings`' app on a free loopback port until stopped."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def room_server(tmp_path: Path) -> Iterator[ThreadServer]:
    settings = Settings(
        data_dir=tmp_path / "data",
        eval_isolation="inline",
        rooms_stream_seconds=20,
        rooms_keepalive_seconds=0.2,
        rooms_max_streams=3,
    )
    server = ThreadServer(settings)
    server.start()
    yield server
    server.stop()


def open_room(url: str) -> tuple[str, str]:
    answer = httpx.post(url + "/api/rooms")
    assert answer.status_code == 201, answer.text
    return answer.json()["code"], answer.json()["token"]
