"""POST /api/trace in compact form and POST /api/trace/details through the real app."""

from __future__ import annotations

from fastapi.testclient import TestClient

from autograd_explorer.trace.compact import decode_compact

POLY = {"source": "x**3 - 3*x", "inputs": {"x": 1.0}}
COMPACT = "application/vnd.autograd-explorer.trace+json"


def test_compact_by_body_field(client: TestClient) -> None:
    r = client.post("/api/trace", json={**POLY, "format": "compact"})
    assert r.status_code == 200
    assert r.headers["content-type"] == COMPACT
    decoded = decode_compact(r.json())
    assert [n["op"] for n in decoded["nodes"]] == [
        "AccumulateGrad",
        "PowBackward0",
        "MulBackward0",
        "SubBackward0",
    ]
    assert decoded["grads"]["x"]["data"] == 0.0
    assert [s["node"] for s in decoded["passes"][-1]["steps"]] == [3, 2, 1, 0]


def test_compact_by_accept_header(client: TestClient) -> None:
    r = client.post("/api/trace", json=POLY, headers={"accept": COMPACT})
    assert r.status_code == 200 and r.json()["format"] == "compact"
    plain = client.post("/api/trace", json=POLY)
    assert plain.headers["content-type"] == "application/json" and "format" not in plain.json()


def test_unknown_format_is_422(client: TestClient) -> None:
    r = client.post("/api/trace", json={**POLY, "format": "binary"})
    assert r.status_code == 422


def test_details_explain_the_requested_steps(client: TestClient) -> None:
    full = client.post("/api/trace", json=POLY).json()["passes"][-1]["steps"]
    r = client.post("/api/trace/details", json={**POLY, "steps": [1, 3]})
    assert r.status_code == 200
    body = r.json()
    assert (body["pass"], body["from"], body["to"]) == (0, 1, 3)
    assert [s["narration"] for s in body["steps"]] == [s["narration"] for s in full[1:3]]
    assert body["steps"][1]["inputs"][0]["formula_value"] == full[2]["inputs"][0]["formula_value"]
    assert body["steps"][0]["inputs"][0]["jacobian"]["data"] == [[3.0]]


def test_details_window_is_bounded(client: TestClient) -> None:
    # schema-valid but no window (JSON Schema cannot say from <= to): a 400 naming `steps`
    for window in ([5, 2], [0, 10_000]):
        r = client.post("/api/trace/details", json={**POLY, "steps": window})
        assert r.status_code == 400, window
        assert r.json()["detail"]["field"] == "steps"
        assert r.json()["detail"]["message"].startswith("steps must be [from, to) with 0 <= from <= to")
    # what the schema refuses is a 422: a negative index, a boolean
    for window in ([-1, 2], [True, 2]):
        assert client.post("/api/trace/details", json={**POLY, "steps": window}).status_code == 422


def test_details_of_a_missing_pass_is_400(client: TestClient) -> None:
    r = client.post("/api/trace/details", json={**POLY, "pass": 3, "steps": [0, 1]})
    assert r.status_code == 400
    assert "no pass 3" in r.json()["detail"]["message"]


def test_details_refuse_a_bad_program_before_running_it(client: TestClient) -> None:
    r = client.post("/api/trace/details", json={"source": "x = (", "steps": [0, 1]})
    assert r.status_code == 400 and r.json()["detail"]["type"] == "syntax"


PRINTS_ONLY = {"source": "def f(x):\n    return x * 2\nprint(f(21))\nprint('no tensors')"}


def test_a_program_that_only_prints_is_a_compact_answer(client: TestClient) -> None:
    r = client.post("/api/trace", json={**PRINTS_ONLY, "format": "compact"})
    assert r.status_code == 200 and r.headers["content-type"] == COMPACT
    body = r.json()
    assert body["printed"] == ["42", "no tensors"]
    assert (body["nodes"]["count"], body["edges"]["count"], body["values"]["count"]) == (0, 0, 0)
    assert body["nodes"]["saved_start"] == [0] and body["output"] == {"node": None, "name": None, "value": -1}
    decoded = decode_compact(body)
    readable = client.post("/api/trace", json=PRINTS_ONLY).json()
    assert decoded == {k: v for k, v in readable.items() if k != "stats"}  # the same answer, both forms


def test_details_of_a_program_that_only_prints_is_400(client: TestClient) -> None:
    r = client.post("/api/trace/details", json={**PRINTS_ONLY, "steps": [0, 1]})
    assert r.status_code == 400
    assert r.json()["detail"]["message"] == (
        "the program left no tensor to draw: it has no backward steps to explain"
    )
