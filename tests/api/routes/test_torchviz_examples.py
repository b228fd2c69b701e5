"""POST /api/torchviz draws every lecture example, the ones that call backward() included."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.examples import EXAMPLES
from autograd_explorer.settings import Settings
from tests.conftest import MNIST_DIR


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A roomy wall clock: §8's 4000-iteration example must not hit it on a loaded test machine."""
    return Settings(data_dir=tmp_path / "data", mnist_dir=MNIST_DIR, max_wall_seconds=120)


def test_every_example_draws_with_a_dot_source(client: TestClient) -> None:
    # Found in QA: 9 of the 13 answered 500 "Trying to backward through the graph a second time".
    answers = {
        e.id: client.post("/api/torchviz", json={"source": e.source, "inputs": e.inputs}) for e in EXAMPLES
    }
    assert {k: r.status_code for k, r in answers.items() if r.status_code != 200} == {}
    for example_id, r in answers.items():
        body = r.json()
        assert body["dot"] and body["dot"].lstrip().startswith("digraph"), example_id
        assert body["truncated"] is False and body["layout"] in ("svg", "unavailable"), example_id


def test_backward_programs_keep_their_saved_tensors_in_the_drawing(client: TestClient) -> None:
    one_layer = next(e for e in EXAMPLES if e.id == "one-layer")
    body = client.post("/api/torchviz", json={"source": one_layer.source}).json()
    assert "MseLossBackward0" in body["dot"] or "MeanBackward0" in body["dot"]
    assert "fillcolor=orange" in body["dot"]  # show_saved: the tensors PyTorch saved for backward
    assert body["warnings"] == []


def test_the_in_place_pitfall_draws_the_graph_its_backward_refused(client: TestClient) -> None:
    inplace = next(e for e in EXAMPLES if e.id == "pitfall-inplace")
    body = client.post("/api/torchviz", json={"source": inplace.source}).json()
    assert "SqrtBackward0" in body["dot"]
    assert (
        "line 5 failed (one of the variables needed for gradient computation has been modified"
        in body["warnings"][0]
    )


def test_a_program_stopped_outside_backward_draws_the_graph_up_to_its_error(client: TestClient) -> None:
    update = next(e for e in EXAMPLES if e.id == "pitfall-update-no-grad")
    body = client.post("/api/torchviz", json={"source": update.source}).json()
    assert "MeanBackward0" in body["dot"] and "AccumulateGrad" in body["dot"]  # the loss's graph
    assert body["warnings"] == [
        "line 9 raised (a leaf Variable that requires grad is being used in an in-place operation.); "
        "torchviz draws the graph made up to it."
    ]
    # A failed backward the program catches runs on as in Python: its except clause, then the rest.
    caught = (
        "x = torch.tensor(4.0, requires_grad=True)\ny = torch.sqrt(x)\ny.add_(1)\nz = 3 * y\n"
        "try:\n    z.backward()\nexcept RuntimeError:\n    z = y * 2\n"
    )
    body = client.post("/api/torchviz", json={"source": caught}).json()
    assert "MulBackward0" in body["dot"]
    assert not any("line 6" in w for w in body["warnings"])  # no stop: the program caught its error


def test_every_differentiating_example_draws_its_graph_not_one_box(client: TestClient) -> None:
    # Found verifying issue 9: `(dfdx,) = torch.autograd.grad(f, x)` and lecture-vanishing (a loop that
    # prints after loss.backward()) end on values without a grad_fn, and torchviz drew a single box.
    nodes = {
        e.id: client.post("/api/torchviz", json={"source": e.source, "inputs": e.inputs}).json()
        for e in EXAMPLES
    }
    assert nodes["autograd-grad"]["nodes"] >= 4  # f = x**3 - 3*x: pow, mul, sub and x's accumulator
    # A program that names no output has what it differentiated for output, as in the explorer (its
    # last assignment, dfdx or §8's `c -= …`, has no graph): drawn without a warning.
    assert nodes["autograd-grad"]["warnings"] == []
    assert "MeanBackward0" in nodes["lecture-fit-autograd"]["dot"]
    assert nodes["lecture-fit-autograd"]["warnings"] == []
    assert nodes["lecture-vanishing"]["nodes"] > 17  # 9 Linear layers and 8 sigmoids at least
    assert "SigmoidBackward0" in nodes["lecture-vanishing"]["dot"]
    drew_nothing = sorted(k for k, body in nodes.items() if body["nodes"] == 0)
    assert drew_nothing == ["pitfall-no-grad"]
    assert "torch.no_grad()" in nodes["pitfall-no-grad"]["warnings"][0]


def test_an_output_the_program_names_without_a_graph_is_said(client: TestClient) -> None:
    """A final expression with no graph (x.grad) is the output: torchviz draws what backward()
    differentiated instead, and says so."""
    program = "x = torch.tensor(2., requires_grad=True)\ny = x ** 3\ny.backward()\nx.grad\n"
    body = client.post("/api/torchviz", json={"source": program}).json()
    assert "PowBackward0" in body["dot"]
    assert "torchviz draws the graph backward() differentiated on line 3" in body["warnings"][0]
