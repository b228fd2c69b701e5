"""gzip on the wire: big JSON answers compressed for clients that ask, small ones and streams not.

The event streams' half (a real stream through uvicorn) is in tests/api/test_edge_live.py.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from fastapi.testclient import TestClient

from autograd_explorer.settings import Settings

# 300 layers of h = tanh(h @ W * 0.3 + b): ~900 op nodes, a compact trace of ~100 kB.
MLP = {
    "source": "torch.manual_seed(0)\nW = torch.randn(8, 8, requires_grad=True)\n"
    "b = torch.randn(8, requires_grad=True)\nh = torch.randn(4, 8)\n"
    "for _ in range(300):\n    h = torch.tanh(h @ W * 0.3 + b)\nh.sum()",
    "format": "compact",
}


def raw_answer(client: TestClient, encoding: str, **request: Any) -> tuple[dict[str, str], bytes]:
    """Headers and the bytes as sent (not decoded by httpx)."""
    with client.stream(headers={"Accept-Encoding": encoding}, **request) as r:
        assert r.status_code == 200, r.read()
        return dict(r.headers), b"".join(r.iter_raw())


def without_timings(body: bytes) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(body)
    answer.pop("stats", None)  # milliseconds differ between two runs
    return answer


def test_a_big_trace_goes_out_gzipped_when_asked(client: TestClient, settings: Settings) -> None:
    zipped_headers, zipped = raw_answer(client, "gzip", method="POST", url="/api/trace", json=MLP)
    plain_headers, plain = raw_answer(client, "identity", method="POST", url="/api/trace", json=MLP)
    assert zipped_headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped_headers["vary"].lower()  # caches keep the two apart
    assert int(zipped_headers["content-length"]) == len(zipped)
    assert "content-encoding" not in plain_headers and int(plain_headers["content-length"]) == len(plain)
    assert without_timings(gzip.decompress(zipped)) == without_timings(plain)
    assert len(plain) > 50_000 and len(zipped) < len(plain) / 2  # columns and float32 buffers compress
    assert settings.gzip_level == 1  # the measured choice (docs/api.md, Compression)


def test_small_answers_and_clients_without_gzip_get_the_body_as_is(client: TestClient) -> None:
    headers, body = raw_answer(client, "gzip", method="GET", url="/api/health")
    assert len(body) < 1_000 and "content-encoding" not in headers
    assert json.loads(body)["status"] == "ok"
    headers, body = raw_answer(client, "br", method="POST", url="/api/trace", json=MLP)
    assert "content-encoding" not in headers and json.loads(body)["format"] == "compact"


def test_a_small_error_is_sent_as_is_in_its_one_shape(client: TestClient) -> None:
    gz = {"Accept-Encoding": "gzip"}
    with client.stream("POST", "/api/trace", json={"source": "y = (x +\n"}, headers=gz) as r:
        raw = b"".join(r.iter_raw())
    assert r.status_code == 400 and "content-encoding" not in r.headers
    detail = json.loads(raw)["detail"]
    assert detail["type"] == "syntax" and detail["line"] == 1
