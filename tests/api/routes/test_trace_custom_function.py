"""POST /api/trace and /api/trace/details with a program's torch.autograd.Function: PyTorch's own
errors as 400s at the program's line and column, the program's backward bounded by the limits, the
custom step explained on demand."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.settings import Settings
from tests.custom_functions import exp_class

HEAD = exp_class("return BACKWARD") + ("\n\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n")


def program(backward: str, tail: str) -> str:
    return HEAD.replace("BACKWARD", backward) + tail


def detail(client: TestClient, source: str) -> dict[str, object]:
    response = client.post("/api/trace", json={"source": source})
    assert response.status_code == 400, response.text
    body: dict[str, object] = response.json()["detail"]
    return body


@pytest.mark.parametrize(
    ("backward", "tail", "kind", "where", "says"),
    [
        # PyTorch checks what the program's backward returned: at the statement that ran backward
        (
            "grad_output * result, grad_output",
            "Exp.apply(x).sum().backward()\n",
            "autograd",
            (18, 0, 18, 29),
            "function ExpBackward returned an incorrect number of gradients (expected 1, got 2)",
        ),
        (
            "3",
            "Exp.apply(x).sum().backward()\n",
            "autograd",
            (18, 0, 18, 29),
            "expected Variable or None (got int)",
        ),
        # the saved output changed in place: PyTorch's error where the program's backward reads it
        (
            "grad_output * result",
            "y = Exp.apply(x)\ny.mul_(2)\ny.sum().backward()\n",
            "runtime",
            (13, 18, 13, 35),
            "one of the variables needed for gradient computation has been modified by an inplace operation",
        ),
        # the old style: PyTorch's own RuntimeError at the call
        ("grad_output * result", "y = Exp()(x)\n", "runtime", (18, 4, 18, 12), "Legacy autograd function"),
        ("grad_output * result", "y = Exp.forward(x)\n", "runtime", (18, 4, 18, 18), "missing 1 required"),
    ],
)
def test_pytorchs_errors_are_400s_at_the_programs_line(
    client: TestClient, backward: str, tail: str, kind: str, where: tuple[int, ...], says: str
) -> None:
    error = detail(client, program(backward, tail))
    assert error["type"] == kind
    assert (error["line"], error["column"], error["end_line"], error["end_column"]) == where
    assert says in str(error["message"])


@pytest.fixture
def small_client(tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path / "data", warm_answers=False, max_operations=5_000)
    with TestClient(create_app(settings)) as c:
        yield c  # type: ignore[misc]


def test_the_programs_backward_counts_operations_and_is_stopped_at_its_line(small_client: TestClient) -> None:
    slow = "sum(grad_output * result for _ in range(6000))"  # more than 5,000 operations
    source = program(slow, "Exp.apply(x).sum().backward()\n")
    error = detail(small_client, source)
    assert error["type"] == "limit" and "max_operations" in str(error["message"])
    assert error["line"] == 14  # inside the program's backward


def test_an_endless_loop_in_the_programs_backward_is_stopped(small_client: TestClient) -> None:
    source = program("grad_output * result", "Exp.apply(x).sum().backward()\n").replace(
        "        result, = ctx.saved_tensors\n",
        "        result, = ctx.saved_tensors\n        while True:\n            pass\n",
    )
    error = detail(small_client, source)
    assert error["type"] == "limit" and "max_loop_iterations" in str(error["message"])
    assert error["line"] == 14


def test_details_explain_the_custom_step(client: TestClient) -> None:
    body = {"source": program("grad_output * result", "y = Exp.apply(x).sum()\ny.backward()\n")}
    full = client.post("/api/trace", json=body).json()
    steps = full["passes"][-1]["steps"]
    nodes = {n["id"]: n for n in full["nodes"]}
    index = next(s["index"] for s in steps if nodes[s["node"]]["op"] == "ExpBackward")
    r = client.post("/api/trace/details", json={**body, "steps": [index, index + 1]})
    assert r.status_code == 200
    (step,) = r.json()["steps"]
    assert step["narration"] == steps[index]["narration"]
    assert "the program's own Exp.backward ran" in step["narration"]
    (explained,) = step["inputs"]
    assert explained["formula"] == "\\text{Exp.backward}"
    assert explained["jacobian"] is None


def test_the_tracers_own_pass_runs_the_programs_backward_after_the_program_ended(client: TestClient) -> None:
    # no backward() in the program: the tracer's `auto` pass calls Exp.backward once the run is over
    source = program("grad_output * result", "y = Exp.apply(x).sum()\nprint(y)\n")
    response = client.post("/api/trace", json={"source": source})
    assert response.status_code == 200, response.text
    trace = response.json()
    (shown,) = trace["passes"]
    assert shown["kind"] == "auto"
    narrations = [step["narration"] for step in shown["steps"]]
    assert any("the program's own Exp.backward ran and sent [2.718, 7.389]" in n for n in narrations)
    assert trace["printed"] == ["tensor(10.1073, grad_fn=<SumBackward0>)"]


def test_an_error_in_the_programs_backward_during_the_tracers_own_pass_is_a_400_at_its_line(
    client: TestClient,
) -> None:
    source = program("grad_output * undefined_name", "y = Exp.apply(x).sum()\n")
    error = detail(client, source)
    assert (error["type"], error["message"]) == ("runtime", "name 'undefined_name' is not defined")
    assert (error["line"], error["column"], error["end_line"], error["end_column"]) == (14, 29, 14, 43)
