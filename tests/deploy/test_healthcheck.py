"""The container's health probe: `ready` (default) needs /api/ready 200, `live` needs /api/health 200."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from autograd_explorer import healthcheck
from tests.live import free_port

STATUS = {"/api/health": 200, "/api/ready": 200}


class Probed(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(STATUS.get(self.path, 404))
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    httpd = HTTPServer(("127.0.0.1", 0), Probed)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AUTOGRAD_EXPLORER_PORT", str(httpd.server_address[1]))
    yield httpd.server_address[1]
    httpd.shutdown()


def test_a_ready_server_exits_0(port: int) -> None:
    assert healthcheck.main() == 0
    assert healthcheck.main(["ready"]) == 0
    assert healthcheck.main(["live"]) == 0


def test_a_live_server_still_starting_is_not_ready(
    port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(STATUS, "/api/ready", 503)
    assert healthcheck.main() == 1
    assert healthcheck.main(["live"]) == 0
    assert f"unhealthy (ready): http://127.0.0.1:{port}/api/ready: HTTP Error 503" in capsys.readouterr().err


def test_nothing_listening_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    monkeypatch.setenv("AUTOGRAD_EXPLORER_PORT", str(port))
    assert healthcheck.main(["live"]) == 1
    assert f"unhealthy (live): http://127.0.0.1:{port}/api/health" in capsys.readouterr().err


def test_an_unknown_probe_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert healthcheck.main(["alive"]) == 2
    assert "usage: python -m autograd_explorer.healthcheck [ready|live]" in capsys.readouterr().err
