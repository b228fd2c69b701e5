"""Grad modes as tutorials write them: `@torch.no_grad()` on evaluate()/predict(), `with
torch.inference_mode():`, `torch.is_grad_enabled()`. Oracle: CPython running the same program."""

from __future__ import annotations

import pytest
import torch

from .helpers import cpython, fails, run

DECORATED = """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(3, 1)
x = torch.randn(4, 3)

@torch.no_grad()
def evaluate(batch):
    print("inside", torch.is_grad_enabled())
    return model(batch).mean()

@torch.no_grad
def predict(batch):
    return model(batch)

class Trainer:
    def __init__(self, net):
        self.net = net

    @torch.no_grad()
    def score(self, batch):
        return self.net(batch).sum()

    @torch.inference_mode()
    def infer(self, batch):
        return self.net(batch), torch.is_inference_mode_enabled()

@torch.no_grad()
def regrad(batch):
    @torch.enable_grad()
    def inner(b):
        return model(b).sum()
    return inner(batch)

score = evaluate(x)
guess = predict(x)
total = Trainer(model).score(x)
inferred, flag = Trainer(model).infer(x)
again = regrad(x)
loss = (model(x) ** 2).mean()
loss.backward()
print(score.requires_grad, guess.requires_grad, total.requires_grad, inferred.requires_grad, flag)
print(again.requires_grad, loss.requires_grad, torch.is_grad_enabled(), torch.is_inference_mode_enabled())
print(round(score.item(), 6), round(total.item(), 6))
"""


def test_grad_mode_decorators_run_as_in_cpython() -> None:
    got = run(DECORATED)
    expected, printed = cpython(DECORATED)
    assert got.printed == printed
    assert printed[1] == "False False False False True"
    assert printed[2] == "True True True False"
    for name in ("score", "guess", "total", "inferred", "loss"):
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]
    weight = got.namespace["model"].weight  # type: ignore[attr-defined]
    assert torch.allclose(weight.grad, expected["model"].weight.grad)  # type: ignore[attr-defined]


def test_a_decorated_function_leaves_the_grad_mode_as_it_found_it_when_it_raises() -> None:
    source = """import torch
@torch.no_grad()
def fail():
    raise ValueError("no")
try:
    fail()
except ValueError:
    pass
print(torch.is_grad_enabled())
"""
    assert run(source).printed == cpython(source)[1] == ["True"]


INFERENCE = """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.inference_mode():
    y = w * 3
    print(y.requires_grad, torch.is_inference_mode_enabled(), torch.is_grad_enabled())
z = (w * 2).sum()
z.backward()
print(y, w.grad, torch.is_inference_mode_enabled())
"""


def test_inference_mode_runs_as_in_cpython() -> None:
    got = run(INFERENCE)
    expected, printed = cpython(INFERENCE)
    assert got.printed == printed == ["False True False", "tensor([3., 6.]) tensor([2., 2.]) False"]
    assert torch.equal(got.namespace["y"], expected["y"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "at"),
    [
        ("z = (y * w).sum()", "y * w"),  # saved for backward
        ("y.requires_grad_()", "y.requires_grad_()"),
        ("y.add_(1)", "y.add_(1)"),
    ],
)
def test_an_inference_tensor_that_later_needs_grad_fails_with_pytorchs_error_at_its_span(
    line: str, at: str
) -> None:
    source = (
        "import torch\nw = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        f"with torch.inference_mode():\n    y = w * 3\n{line}\n"
    )
    error = fails(source, "runtime")
    with pytest.raises(RuntimeError) as oracle:
        cpython(source)
    assert error.message == str(oracle.value)
    start = line.index(at)
    assert (error.line, error.column, error.end_line, error.end_column) == (5, start, 5, start + len(at))


@pytest.mark.parametrize(
    ("source", "words", "where"),
    [
        ("@print\ndef f():\n    pass", "the only decorators", (1, 1)),
        ("@torch.no_grad(True)\ndef f():\n    pass", "the only decorators", (1, 1)),
        ("@torch.inference_mode(mode=False)\ndef f():\n    pass", "the only decorators", (1, 1)),
        ("@torch.sin\ndef f():\n    pass", "the only decorators", (1, 1)),
        ("with torch.inference_mode as m:\n    pass", "inference_mode", (1, 5)),
        ("@torch.no_grad()\nclass A:\n    pass", "the only decorator of a class is @dataclass", (1, 1)),
        ("with torch.no_grad:\n    pass", "with torch.inference_mode():", (1, 5)),
        ("x = torch.inference_mode()", "is only allowed as `with torch.inference_mode():`", (1, 4)),
    ],
)
def test_other_decorators_and_blocks_are_refused_before_running(
    source: str, words: str, where: tuple[int, int]
) -> None:
    error = fails("import torch\n" + source, "forbidden")
    assert words in error.message
    assert (error.line, error.column) == (where[0] + 1, where[1])


def test_a_decorator_rebound_by_the_program_is_refused_when_it_runs() -> None:
    error = fails("import torch\nno_grad = print\n@no_grad()\ndef f():\n    pass\n", "forbidden")
    assert (error.line, error.column) == (3, 1) and "the only decorators" in error.message


SET_GRAD_ENABLED = """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(2, 1)
x = torch.randn(4, 2)
losses = {}
for phase in ["train", "val"]:
    with torch.set_grad_enabled(phase == "train"):
        loss = model(x).pow(2).mean()
        print(phase, loss.requires_grad, torch.is_grad_enabled())
        if phase == "train":
            loss.backward()
    losses[phase] = loss
print(torch.is_grad_enabled())
"""


def test_set_grad_enabled_with_a_flag_runs_as_in_cpython() -> None:
    got = run(SET_GRAD_ENABLED)
    expected, printed = cpython(SET_GRAD_ENABLED)
    assert got.printed == printed == ["train True True", "val False False", "True"]
    weight = got.namespace["model"].weight  # type: ignore[attr-defined]
    assert torch.equal(weight.grad, expected["model"].weight.grad)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("source", "kind", "words", "where"),
    [
        ('with torch.set_grad_enabled("yes"):\n    pass', "runtime", "must be bool", (1, 5)),
        ("with torch.set_grad_enabled():\n    pass", "forbidden", "set_grad_enabled(flag)", (1, 5)),
        ("with torch.set_grad_enabled(mode=False):\n    pass", "forbidden", "set_grad_enabled(flag)", (1, 5)),
        ("@torch.set_grad_enabled(False)\ndef f():\n    pass", "forbidden", "the only decorators", (1, 1)),
        ("torch.set_grad_enabled(False)", "forbidden", "`with torch.set_grad_enabled(flag):`", (1, 0)),
        ("with torch.set_grad_enabled(torch.__name__):\n    pass", "forbidden", "__name__", (1, 28)),
    ],
)
def test_set_grad_enabled_other_than_with_a_flag_is_refused(
    source: str, kind: str, words: str, where: tuple[int, int]
) -> None:
    error = fails("import torch\n" + source, kind)
    assert words in error.message
    assert (error.line, error.column) == (where[0] + 1, where[1])
