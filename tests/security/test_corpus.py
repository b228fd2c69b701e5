"""Every hostile input is refused with a clear 4xx, quickly, and the server keeps tracing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import assert_normal_trace_works
from tests.security.corpus import CORPUS, Case

# A correctness bound (no hang, no runaway computation), generous for a loaded two-core machine;
# the wall-clock limit of these settings is 2 s + 0.5 s grace.
BOUND_SECONDS = 3.0


def test_the_corpus_is_large_and_names_are_unique() -> None:
    assert len(CORPUS) >= 200
    assert len({case.id for case in CORPUS}) == len(CORPUS)


def send(client: TestClient, case: Case) -> tuple[int, bytes, dict[str, str]]:
    if case.chunked:
        assert case.body is not None
        body = case.body

        def pieces() -> Iterator[bytes]:
            for start in range(0, len(body), 65_536):
                yield body[start : start + 65_536]

        r = client.request(case.method, case.path, content=pieces(), headers=case.headers)
    else:
        r = client.request(case.method, case.path, content=case.body, headers=case.headers)
    return r.status_code, r.content, dict(r.headers)


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_hostile_input_is_refused_clearly_and_quickly(hostile_client: TestClient, case: Case) -> None:
    started = time.monotonic()
    status, content, headers = send(hostile_client, case)
    elapsed = time.monotonic() - started
    assert status in case.status, content[:400]
    assert elapsed < BOUND_SECONDS, f"took {elapsed:.2f} s"
    assert headers["content-type"].startswith("application/json")
    detail = orjson.loads(content)["detail"]  # strict JSON: NaN or Infinity here would not parse
    assert detail, "an empty refusal says nothing"
    if case.kind is not None:
        assert detail["type"] == case.kind, detail
    if isinstance(detail, dict) and "message" in detail:
        assert len(detail["message"]) > 10, detail
    if case.says:
        assert case.says.lower() in orjson.dumps(detail).decode().lower(), detail
    if case.path.startswith("/api/trace") or case.kind == "limit":
        assert_normal_trace_works(hostile_client)


def test_the_server_still_traces_after_the_corpus(hostile_client: TestClient) -> None:
    assert_normal_trace_works(hostile_client)
    assert hostile_client.get("/api/health").json()["status"] == "ok"
