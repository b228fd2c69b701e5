"""`autograd-explorer trace` prints the graph and the narrated steps; errors exit with 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograd_explorer.cli import main
from autograd_explorer.cli_trace import format_trace


def test_trace_prints_graph_steps_and_gradient(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "x**3 - 3*x", "--input", "x=1"]) == 0
    out = capsys.readouterr().out
    assert "PowBackward0" in out and "AccumulateGrad" in out
    assert "Power node z₁ = x³: incoming gradient 1, local gradient 3x² = 3, adds 3 to x's accumulator" in out
    assert "x.grad = 0.0" in out


def test_trace_json_output_is_the_api_payload(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "x * y", "--input", "x=2", "--input", "y=[1, 2]", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["grads"]["x"]["data"] == 3.0
    assert payload["grads"]["y"]["data"] == [2.0, 2.0]


def test_program_error_exits_2_with_line_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "x = (1 +"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("syntax error (line 1")


def test_bad_input_flag_is_refused() -> None:
    with pytest.raises(SystemExit, match="NAME=VALUE"):
        main(["trace", "x", "--input", "x"])


def test_non_finite_values_print_where_they_were(capsys: pytest.CaptureFixture[str]) -> None:
    # log of [1, 0, -1] is [0, -inf, nan]; the text shows them, not the JSON's nulls.
    assert main(["trace", "y = torch.log(x)\ny.sum().backward()", "--input", "x=[1, 0, -1]"]) == 0
    out = capsys.readouterr().out
    assert "x.grad = [1.0, Infinity, -1.0]" in out


def test_a_program_file_is_read_with_or_without_the_at(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = tmp_path / "cube.py"
    program.write_text("x = torch.tensor(2.0, requires_grad=True)\ny = x**3\ny.backward()\nprint(x.grad)\n")
    for argument in (str(program), f"@{program}"):
        assert main(["trace", argument]) == 0
        out = capsys.readouterr().out
        assert out.startswith("tensor(12.)\n")  # what the program printed comes first, as CPython prints it
        assert "x.grad = 12.0" in out  # d(x³)/dx = 3x² = 12 at x = 2
    missing = tmp_path / "missing.py"
    for argument in (str(missing), f"@{missing}"):
        assert main(["trace", argument]) == 2
        assert capsys.readouterr().err.strip() == f"no such file: {missing}"


def test_a_stopped_backward_prints_its_graph_then_where_it_stopped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    program = (
        "x = torch.tensor(4.0, requires_grad=True)\ny = torch.sqrt(x)\ny.add_(1)\nz = 3 * y\nz.backward()"
    )
    assert main(["trace", program]) == 2
    assert "modified by an inplace operation" in capsys.readouterr().err
    assert main(["trace", program, "--on-error", "graph"]) == 2
    out = capsys.readouterr().out
    assert "SqrtBackward0" in out and "Add node" in out  # the graph and the steps the engine ran
    last = out.strip().splitlines()[-1]
    assert last.startswith("Stopped at line 5 before node [1]: one of the variables needed")
    # A NaN anomaly mode finds: the engine ran sqrt's node, then stopped after it.
    nan = (
        "x = torch.tensor([4.0, -1.0], requires_grad=True)\nwith torch.autograd.detect_anomaly():\n"
        "    y = torch.sqrt(x)\n    y.sum().backward()"
    )
    assert main(["trace", nan, "--on-error", "graph"]) == 2
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == (
        "Stopped at line 4 after node [1]: Function 'SqrtBackward0' returned nan values in its 0th output."
    )
    # The option's name before it covered every error still reads; an update outside torch.no_grad()
    # prints the backward that ran whole, then the leaf it was changing.
    update = "w = torch.tensor(1.0, requires_grad=True)\nloss = w * w\nloss.backward()\nw -= 0.1 * w.grad"
    assert main(["trace", update, "--on-backward-error", "graph"]) == 2
    out = capsys.readouterr().out
    assert "w.grad = 2.0" in out
    assert out.strip().splitlines()[-1] == (
        "Stopped at line 4, changing node [0] in place: "
        "a leaf Variable that requires grad is being used in an in-place operation."
    )
    # Inside a function: the line in it, then the call, as Python's traceback reads them.
    in_function = (
        "def step(w):\n    w -= 0.1 * w.grad\n\nw = torch.tensor(1.0, requires_grad=True)\n"
        "loss = w * w\nloss.backward()\nstep(w)"
    )
    leaf = "a leaf Variable that requires grad is being used in an in-place operation."
    assert main(["trace", in_function, "--on-error", "graph"]) == 2
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == f"Stopped at line 2, in step() called on line 7, changing node [0] in place: {leaf}"
    assert main(["trace", in_function]) == 2
    assert (
        capsys.readouterr().err.strip()
        == f"runtime error (line 2, column 4, in step() called on line 7): {leaf}"
    )


def test_a_stop_without_a_line_is_printed_without_one(capsys: pytest.CaptureFixture[str]) -> None:
    # A stop PyTorch raised where the program has no span has line null: "Stopped at line None" before.
    update = "w = torch.tensor(1.0, requires_grad=True)\nloss = w * w\nloss.backward()\nw -= 0.1 * w.grad"
    assert main(["trace", update, "--on-error", "graph", "--json"]) == 2
    payload = json.loads(capsys.readouterr().out)
    payload["stopped"].update(line=None, column=None, end_line=None, end_column=None)
    last = format_trace(payload).splitlines()[-1]
    assert last == (
        "Stopped, changing node [0] in place: "
        "a leaf Variable that requires grad is being used in an in-place operation."
    )
