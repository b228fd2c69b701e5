"""A step's narration, against the lecture's hand derivation of f = x³ − 3x at x = 1."""

from __future__ import annotations

import pytest

from autograd_explorer.settings import Settings
from autograd_explorer.trace.narration import latex_to_text, typeset_minus
from autograd_explorer.trace.tracer import TraceOptions, trace_program


@pytest.mark.parametrize(
    ("text", "typeset"),
    [
        ("adds -3 to x's accumulator", "adds −3 to x's accumulator"),
        ("incoming gradient -0.5, [1, -2]", "incoming gradient −0.5, [1, −2]"),
        ("f = x³ - 3x", "f = x³ − 3x"),
        ("receives -∞ in total", "receives −∞ in total"),
        ("(-1)", "(−1)"),
        # hyphens and exponents stay as they are
        ("a 5-vector", "a 5-vector"),
        ("1.234e-05", "1.234e-05"),
        ("a non-leaf", "a non-leaf"),
        ("x-1", "x-1"),
        ("f(x)-1", "f(x)-1"),
    ],
)
def test_minus_signs_are_typeset_and_hyphens_kept(text: str, typeset: str) -> None:
    assert typeset_minus(text) == typeset


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        # sqrt's local gradient read "frac12√y": the fraction was undone before the root inside it
        ("\\frac{1}{2\\sqrt{y}}", "1/(2√y)"),
        ("\\frac{1}{2\\sqrt{z_{1}}}", "1/(2√z₁)"),
        ("-\\frac{a}{b^{2}}", "-a/b²"),
        ("-\\frac{a}{b^2}", "-a/b²"),
        ("\\frac{1}{x}", "1/x"),
    ],
)
def test_a_fraction_reads_as_one(latex: str, text: str) -> None:
    assert latex_to_text(latex) == text


def test_a_square_roots_step_says_its_local_gradient_as_a_fraction() -> None:
    # f = √x at x = 4: 1/(2√f) sends 1/4, as d√x/dx = 1/(2√x) does by hand.
    payload = trace_program("torch.sqrt(x)", {"x": 4.0}, TraceOptions(), Settings())
    (step,) = [
        s for s in payload["passes"][-1]["steps"] if payload["nodes"][s["node"]]["op"] == "SqrtBackward0"
    ]
    assert step["narration"] == (
        "Square root node f = torch.sqrt(x): incoming gradient 1, local gradient 1/(2√f) = 0.25, "
        "adds 0.25 to x's accumulator."
    )


def test_a_where_steps_local_gradient_is_its_conditions_mask() -> None:
    """torch.where(c, a, b) sends each entry's gradient to a where c holds and to b elsewhere: the
    local Jacobian (computed by PyTorch, one vector-Jacobian product per output) is diag(1[c])."""
    source = "x = torch.tensor([4.0, -1.0], requires_grad=True)\ny = torch.where(x > 0, x * 2, 1.0)\ny.sum()"
    payload = trace_program(source, None, TraceOptions(), Settings())
    (step,) = [
        s for s in payload["passes"][-1]["steps"] if payload["nodes"][s["node"]]["op"] == "WhereBackward0"
    ]
    (first,) = step["inputs"]  # the constant 1.0 is no graph node
    assert first["formula"] == "\\operatorname{diag}(\\mathbb{1}[c])"
    assert first["formula_value"] == "\\operatorname{diag}(\\mathbb{1}[c]) = \\operatorname{diag}(1, 0)"
    assert first["jacobian"]["data"].tolist() == [[1.0, 0.0], [0.0, 0.0]]
    assert "local gradient diag(1[c]) = diag(1, 0), adds [1, 0] to" in step["narration"]
    assert latex_to_text("\\operatorname{diag}(\\mathbb{1}[\\lnot c])") == "diag(1[¬c])"


def test_the_polynomials_steps_read_as_the_lecture_derives_them() -> None:
    # f = x³ − 3x at x = 1: f′ = 3x² − 3 = 0, reached as 3 (from x³) and −3 (from −3x).
    payload = trace_program("x**3 - 3*x", {"x": 1.0}, TraceOptions(), Settings())
    narrations = [s["narration"] for s in payload["passes"][-1]["steps"]]
    assert narrations[0] == (
        "Subtract node f = x³ − 3x: incoming gradient 1, local gradient 1, adds 1 to z₁'s accumulator; "
        "local gradient −1, adds −1 to z₂'s accumulator."
    )
    multiply = "incoming gradient −1, local gradient 3, adds −3 to x's accumulator."
    assert multiply in narrations[1] + narrations[2]
    assert narrations[-1].startswith("Leaf x: all contributions have arrived, 0 in total")
    assert not any("-" in n for n in narrations), narrations


def test_the_start_names_the_output_as_its_own_step_does() -> None:
    # The page said "the output f = x**3 - 3*x" at step 0 and "f = x³ − 3x" from step 1 on.
    for form in ("readable", "compact"):
        payload = trace_program("x**3 - 3*x", {"x": 1.0}, TraceOptions(format=form), Settings())
        assert payload["passes"][-1]["start_narration"] == (
            "Start: the output f = x³ − 3x holds ∂f/∂f = 1 (the seed gradient); every other accumulator is 0."
        ), form


def test_a_seed_the_program_gave_is_said_at_the_start() -> None:
    """`y.backward(v)`: the pass starts from v, not 1 (it said "holds ∂f/∂f = 1" whatever v was);
    torch.autograd.backward([a, b], [1, 0.5]) starts from each of its seeds."""
    vector = (
        "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 3\ny.backward(torch.tensor([1.0, 0.5]))\n"
    )
    payload = trace_program(vector, None, TraceOptions(), Settings())
    assert payload["passes"][0]["start_narration"] == (
        "Start: the output y = x * 3 holds the seed gradient the program gave, [1, 0.5] "
        "(the pass computes vᵀJ with v that seed); every other accumulator is 0."
    )
    two = (
        "x = torch.tensor([1.0, 2.0], requires_grad=True)\na = (x * 2).sum()\nb = (x ** 2).sum()\n"
        "torch.autograd.backward([a, b], [torch.tensor(1.0), torch.tensor(0.5)])\n"
    )
    payload = trace_program(two, None, TraceOptions(), Settings())
    assert payload["passes"][0]["start_narration"] == (
        "Start: each output holds the seed gradient the program gave: a = (x * 2).sum() holds 1; "
        "b = (x²).sum() holds 0.5 (the pass sums each output's vᵀJ); every other accumulator is 0."
    )
    ones = vector.replace("torch.tensor([1.0, 0.5])", "torch.ones(2)")
    start = trace_program(ones, None, TraceOptions(), Settings())["passes"][0]["start_narration"]
    assert "holds ∂f/∂f = 1 (the seed gradient)" in start
