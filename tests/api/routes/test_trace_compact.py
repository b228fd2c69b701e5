"""POST /api/trace in compact form and POST /api/trace/details through the real app."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from autograd_explorer.trace.compact import decode_compact
from tests.conftest import REPO
from tests.lecture_programs import MLP20

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


UNSEEDED = "x = torch.randn(3, requires_grad=True)\ny = (x * x).sum()\ny.backward()"


def test_an_unseeded_programs_details_agree_with_its_trace_on_any_server(settings: Any) -> None:
    """Step details are a re-run: a program drawing without a seed drew other numbers in each server
    process (torch seeds its generator at random when a process starts), so after a restart or on
    another replica the formulas explained numbers the page did not show."""
    from autograd_explorer.api.app import create_app

    torch.manual_seed(0)
    oracle = torch.randn(3)  # CPython running the program after torch.manual_seed(0)
    details: list[Any] = []
    for _ in range(2):  # two servers: a restart, or a second replica behind one address
        with TestClient(create_app(settings)) as client:
            answer = client.post("/api/trace", json={"source": UNSEEDED, "format": "compact"})
            x = next(n for n in decode_compact(answer.json())["nodes"] if n["name"] == "x")
            assert np.array_equal(np.asarray(x["value"]["data"], dtype=np.float32), oracle.numpy())
            details.append(
                client.post("/api/trace/details", json={"source": UNSEEDED, "steps": [0, 3]}).json()
            )
    assert details[0] == details[1]
    mul = next(s for s in details[0]["steps"] if "Multiply" in s["narration"])
    for slot in mul["inputs"]:  # ∂(x·x)/∂x through each operand: diag of the other, x
        assert np.allclose(np.diag(np.asarray(slot["jacobian"]["data"])), oracle.numpy())


def test_a_class_asking_for_the_lecturers_program_at_once_runs_it_once(client: TestClient) -> None:
    """Followers each ask for the program a lecturer shared (js/shared/follow.js): one run answers
    all of them (api/answer_cache.py), so every answer is the same bytes, its trace_ms included,
    which two runs would not give."""
    from concurrent.futures import ThreadPoolExecutor

    program = "\n".join(
        [
            "y = torch.tensor(0.5, requires_grad=True)",
            "for _ in range(300):",
            "    y = torch.sin(y) * 1.0001",
            "print(y)",
        ]
    )
    body = {"source": program, "format": "compact"}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.post("/api/trace", json=body), range(8)))
    assert all(r.status_code == 200 for r in answers)
    assert len({r.content for r in answers}) == 1
    again = client.post("/api/trace", json=body).json()
    assert again["stats"]["trace_ms"] == answers[0].json()["stats"]["trace_ms"]
    other = client.post("/api/trace", json={**body, "source": program.replace("300", "301")}).json()
    assert decode_compact(other)["printed"] != decode_compact(again)["printed"]


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


def readme_decoder() -> Any:
    """The README's `read_compact`, taken from its code block (the instructions a user follows)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### Reading a big graph: the compact form", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (the repository's own README)
    return namespace["read_compact"]


def test_a_20_layer_mlp_through_the_api_decodes_with_the_readmes_instructions(client: TestClient) -> None:
    r = client.post("/api/trace", json={"source": MLP20, "format": "compact"})
    assert r.status_code == 200, r.text
    graph, steps = readme_decoder()(r.json())
    # The oracle: the same program under CPython, with PyTorch's own backward.
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(MLP20, namespace)  # noqa: S102 (a trusted test program)
    model = namespace["model"]
    by_name = {node["name"]: node for node in graph if node["name"]}
    for k in (1, 7, 12, 20):
        for part in ("weight", "bias"):
            node = by_name[f"model.fc{k}.{part}"]
            tensor = getattr(getattr(model, f"fc{k}"), part)
            np.testing.assert_allclose(node["value"], tensor.detach().numpy(), rtol=1e-6)
            np.testing.assert_allclose(node["grad"], tensor.grad.numpy(), rtol=1e-4, atol=1e-7)
    # The backward pass starts at the loss with 1 and ends at an accumulator; every leaf gets its grad.
    assert graph[steps[0]["node"]]["op"].startswith("BinaryCrossEntropy")
    assert float(steps[0]["grad_output"]) == 1.0
    reached = {to for step in steps for to, _ in step["sent"]}
    assert {by_name[f"model.fc{k}.weight"]["id"] for k in range(1, 21)} <= reached
    # And it is the package's decoder's reading too.
    decoded = decode_compact(r.json())
    assert [n["name"] for n in decoded["nodes"]] == [n["name"] for n in graph]


def test_the_readmes_decoder_reads_a_summary(client: TestClient) -> None:
    source = "torch.manual_seed(0)\nx = torch.randn(10, 10, requires_grad=True)\n(x * 2).sum()"
    r = client.post("/api/trace", json={"source": source, "format": "compact"})
    assert r.status_code == 200, r.text
    graph, _ = readme_decoder()(r.json())
    torch.manual_seed(0)
    x = torch.randn(10, 10)
    summary = graph[0]["value"]  # 100 numbers: more than max_value_elements (64)
    assert summary["shape"] == [10, 10]
    assert (summary["min"], summary["max"]) == (pytest.approx(float(x.min())), pytest.approx(float(x.max())))
    assert summary["mean"] == pytest.approx(float(x.mean()), rel=1e-5, abs=1e-7)
    assert summary["std"] == pytest.approx(float(x.std()), rel=1e-5)
    assert summary["head"] == pytest.approx(x.reshape(-1)[:8].tolist(), rel=1e-6)
    grad = graph[0]["grad"]  # x.grad: a hundred 2s, summarized too
    assert (grad["min"], grad["max"], grad["std"], grad["head"]) == (2.0, 2.0, 0.0, [2.0] * 8)
