"""The lecture-spelled examples run, print what CPython prints, and show what they promise (issue 10 §3)."""

from __future__ import annotations

import contextlib
import io
import itertools
import math
from typing import Any

import pytest
import torch

from autograd_explorer.examples import EXAMPLES, Example
from autograd_explorer.settings import Settings
from autograd_explorer.trace.tracer import TraceOptions, trace_program

LECTURE = [e for e in EXAMPLES if e.source.startswith("import torch")]


def run_in_cpython(source: str) -> tuple[list[str], dict[str, Any]]:
    """The oracle: the same program under CPython with torch (trusted test code)."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(source, namespace)  # noqa: S102
    return out.getvalue().splitlines(), namespace


# Wall time is the bench's business: a busy test machine must not turn a run into a limit error.
SETTINGS = Settings(max_wall_seconds=120)


def trace(example: Example) -> dict[str, Any]:
    options = TraceOptions(output=example.output, format="compact")
    return trace_program(example.source, example.inputs, options, SETTINGS)  # type: ignore[return-value]


def test_the_menu_has_the_lectures_spelling() -> None:
    spelled = {e.id for e in LECTURE}
    assert {"lecture-first", "lecture-simple-nn", "lecture-vanishing"} <= spelled
    for e in LECTURE:
        assert "print(" in e.source and e.explanation, e.id
    assert any("class SimpleNN(torch.nn.Module)" in e.source for e in LECTURE)
    assert any("def f(x):" in e.source for e in LECTURE)


@pytest.mark.parametrize("example", LECTURE, ids=[e.id for e in LECTURE])
def test_each_lecture_example_prints_what_cpython_prints(example: Example) -> None:
    payload = trace(example)
    printed, _ = run_in_cpython(example.source)
    assert payload["printed"] == printed
    assert payload["nodes"]["count"] > 0 and payload["passes"], "each draws a graph and runs backward"


def test_the_first_program_groups_f_as_its_call() -> None:
    example = next(e for e in EXAMPLES if e.id == "lecture-first")
    payload = trace(example)
    nodes = payload["nodes"]
    calls = {nodes["regions"][c] for c in nodes["call"] if c >= 0}
    assert calls == {"f(x) at line 10"}
    assert payload["printed"] == ["At x = 1.0", "f'(x) = 0.0"]


def test_vanishing_gradient_norms_per_module_equal_torchs_in_float64() -> None:
    example = next(e for e in EXAMPLES if e.id == "lecture-vanishing")
    norms = trace(example)["passes"][-1]["module_grad_norms"]
    # The oracle: the same seeded network in float64, each Linear's parameters' gradient norm.
    _, namespace = run_in_cpython(example.source)
    model, X, y = namespace["model"], namespace["X"], namespace["y"]
    model64 = model.double()
    model64.zero_grad()
    torch.nn.BCEWithLogitsLoss()(model64(X.double()), y.double()).backward()
    expected = {
        f"model.{name}": math.sqrt(sum(float(p.grad.norm()) ** 2 for p in m.parameters()))
        for name, m in model64.named_children()
        if isinstance(m, torch.nn.Linear)
    }
    assert list(norms) == list(expected), "one bar per Linear, first layer first"
    for module, value in expected.items():
        assert norms[module] == pytest.approx(value, rel=1e-4), module
    # And it shows what §12 is about: the first layer gets orders of magnitude less than the last.
    assert norms["model.0"] < 1e-5 * norms["model.16"]
    values = list(norms.values())
    assert all(a < b for a, b in itertools.pairwise(values))


def test_step_grad_norms_are_the_norms_of_what_each_node_received() -> None:
    example = next(e for e in EXAMPLES if e.id == "lecture-vanishing")
    readable: dict[str, Any] = trace_program(example.source, None, TraceOptions(jacobians=False), SETTINGS)  # type: ignore[assignment]
    steps = readable["passes"][-1]["steps"]
    checked = 0
    for step in steps:
        g = step["grad_output"]
        if g is None or g["data"] is None:
            continue
        expected = float(torch.tensor(g["data"], dtype=torch.float64).norm())
        assert step["grad_norm"] == pytest.approx(expected, rel=1e-5)
        checked += 1
    assert checked >= 10  # the rest are summarized (64×16 values), not sent whole


def test_the_fit_by_autograd_keeps_each_iterations_loss_and_shows_the_last_pass() -> None:
    """§8's 4000-iteration loop: every pass's loss is kept (the page plots it), the one printed
    every 500 iterations is the one CPython prints, and the graph shown is the last iteration's."""
    example = next(e for e in EXAMPLES if e.id == "lecture-fit-autograd")
    payload = trace(example)
    printed, _ = run_in_cpython(example.source)
    assert payload["printed"] == printed and len(printed) == 9
    losses = payload["pass_summaries"]["loss"]
    assert payload["pass_summaries"]["count"] == len(losses) == 4000
    # the losses plotted are the losses printed (4 decimals), at each printed iteration
    shown = {int(line.split("|")[0].split()[1]): line.split("Loss: ")[1] for line in printed[:-1]}
    assert shown.keys() == set(range(0, 4000, 500))
    for k, text in shown.items():
        assert f"{losses[k]:.4f}" == text, k
    assert payload["passes"][-1]["index"] == 3999
    # each pass's gradient norms are |grad| of a plain reference loop's (the oracle: the same
    # seeded fit written directly with torch, the gradients read before they are reset)
    torch.manual_seed(0)
    x = torch.rand(100) * 2
    y = x + 2 * (x - 0.9) ** 2 + 0.3 * torch.cos(20 * x) + 0.1 * torch.randn(100)
    torch.manual_seed(1)
    params = [torch.randn((), requires_grad=True) for _ in range(3)]
    expected: list[list[float]] = []
    for _ in range(4000):
        a, b, c = params
        (a + b * x + c * x**2 - y).pow(2).mean().backward()
        with torch.no_grad():
            expected.append([abs(float(p.grad)) for p in params])
            for p in params:
                p -= 1e-2 * p.grad
                p.grad = None
    norms = payload["pass_summaries"]["grad_norms"]
    assert set(norms) == {"a", "b", "c"}
    for k in [*range(0, 4000, 250), 3999]:
        assert [norms[n][k] for n in "abc"] == pytest.approx(expected[k], rel=1e-6), k
    a, b, c = (float(p) for p in params)
    assert printed[-1] == f"Result: y = {a:.4f} + {b:.4f} x + {c:.4f} x^2"
