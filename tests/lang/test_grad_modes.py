"""Grad modes as tutorials write them: `@torch.no_grad()` on evaluate()/predict(), `with
torch.inference_mode():`, `torch.is_grad_enabled()`. Oracle: CPython running the same program."""

from __future__ import annotations

import warnings

import pytest
import torch

from autograd_explorer.lang.contract import PlainObserver
from autograd_explorer.lang.run import run_program

from .helpers import cpython, fails, limits, run

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


# A NaN made in backward: sqrt's derivative at 0 is inf, times the 0 that * 0 sends back
ANOMALY = """import torch
x = torch.tensor([0.0, 1.0], requires_grad=True)
with torch.autograd.set_detect_anomaly(True):
    y = torch.sqrt(x) * 0
    print(torch.is_anomaly_enabled())
    y.sum().backward()
"""


def cpython_warned(source: str) -> tuple[BaseException | None, list[str], list[str]]:
    """CPython's run: the exception it stopped with, what it printed, the warnings' messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _, printed = cpython(source)
        except Exception as exc:
            return exc, [], [str(w.message) for w in caught]
    return None, printed, [str(w.message) for w in caught]


@pytest.mark.parametrize(
    ("block", "words"),
    [
        ("with torch.autograd.set_detect_anomaly(True):", "UserWarning: Error detected"),
        ("with torch.autograd.detect_anomaly():", "UserWarning: Anomaly Detection has been enabled"),
        ("with torch.autograd.detect_anomaly(check_nan=True):", "UserWarning: Anomaly Detection"),
        ("if True:\n    torch.autograd.set_detect_anomaly(True)", "UserWarning: Error detected"),
    ],
)
def test_a_nan_made_in_backward_is_pytorchs_error_at_the_backward_call(block: str, words: str) -> None:
    source = ANOMALY.replace("with torch.autograd.set_detect_anomaly(True):", block)
    oracle, _, said = cpython_warned(source)
    assert isinstance(oracle, RuntimeError)
    assert any(w.startswith("Error detected in SqrtBackward0.") for w in said)
    got = run_program(source, None, limits(), PlainObserver(), keep_stopped=True)
    assert got.stopped is not None and not torch.is_anomaly_enabled()
    error = got.stopped.error
    assert error.type == "autograd" and error.message == str(oracle)
    assert error.message == "Function 'SqrtBackward0' returned nan values in its 0th output."
    last = source.splitlines()[-1]
    start = last.index("y.sum()")
    line = len(source.splitlines())
    assert (error.line, error.column, error.end_line, error.end_column) == (line, start, line, start + 18)
    assert got.printed == ["True"]
    assert any(words in w for w in got.warnings)
    # PyTorch's warning carries the forward call's Python stack, here the explorer's own frames: the
    # program's line that made the failing node is said instead
    (detected,) = [w for w in got.warnings if "Error detected" in w]
    assert detected == (
        f"line {line}: UserWarning: Error detected in SqrtBackward0. The forward call that caused the "
        f"error: torch.sqrt(x) at line {line - 2}."
    )


def test_a_node_made_inside_a_library_module_is_said_at_the_programs_call() -> None:
    # Linear's weight gradient is 0 · inf where ReLU sent back 0 for an input of inf
    source = (
        "import torch\nimport torch.nn as nn\n"
        "model = nn.Sequential(nn.Linear(2, 1), nn.ReLU())\n"
        "with torch.no_grad():\n    model[0].weight.fill_(-1.0)\n"
        "x = torch.tensor([[float('inf'), 1.0]])\n"
        "with torch.autograd.detect_anomaly():\n    loss = model(x).sum()\n    loss.backward()\n"
    )
    oracle, _, _ = cpython_warned(source)
    got = run_program(source, None, limits(), PlainObserver(), keep_stopped=True)
    assert got.stopped is not None and got.stopped.error.message == str(oracle)
    assert (
        "line 9: UserWarning: Error detected in AddmmBackward0. The forward call that caused the error: "
        "model(x) at line 8." in got.warnings
    )
    assert not any("File" in w or ".py" in w for w in got.warnings)


def test_without_a_nan_anomaly_mode_changes_nothing_and_ends_with_its_block() -> None:
    source = (
        "import torch\nx = torch.tensor([1.0, 4.0], requires_grad=True)\n"
        "with torch.autograd.set_detect_anomaly(True, check_nan=False):\n"
        "    y = torch.sqrt(x - 1).sum()\n    y.backward()\n    print(torch.is_anomaly_enabled())\n"
        "print(torch.is_anomaly_enabled(), x.grad)\n"
        "with torch.autograd.set_detect_anomaly(False):\n    print(torch.is_anomaly_enabled())\n"
        "torch.autograd.set_detect_anomaly(True)\nprint(torch.is_anomaly_enabled())\n"
        "torch.autograd.set_detect_anomaly(False)\nprint(torch.is_anomaly_enabled())\n"
    )
    _, printed, _ = cpython_warned(source)
    torch.set_anomaly_enabled(False)
    got = run(source)
    assert got.printed == printed == ["True", "False tensor([   inf, 0.2887])", "False", "True", "False"]
    assert not torch.is_anomaly_enabled()


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("with torch.autograd.detect_anomaly():\n    raise ValueError('inside')", "runtime"),
        ("with torch.autograd.detect_anomaly():\n    x = torch.ones(10**9)", "limit"),
        ("torch.autograd.set_detect_anomaly(True)\nx = torch.ones(10**9)", "limit"),
        ("torch.autograd.set_detect_anomaly(True)\nraise ValueError('after')", "runtime"),
        ("with torch.autograd.set_detect_anomaly(True):\n    for i in range(10**9):\n        pass", "limit"),
        ("torch.autograd.set_detect_anomaly(True)", None),
    ],
)
def test_anomaly_mode_is_off_again_however_the_program_ends(source: str, kind: str | None) -> None:
    # one flag for the whole process (not per thread as the grad mode): the worker runs others next
    if kind is None:
        run("import torch\n" + source)
    else:
        fails("import torch\n" + source, kind)
    assert not torch.is_anomaly_enabled()
    assert run("import torch\nprint(torch.is_anomaly_enabled())").printed == ["False"]


@pytest.mark.parametrize(
    ("source", "kind", "words", "where"),
    [
        ("@torch.autograd.detect_anomaly()\ndef f():\n    pass", "forbidden", "the only decorators", (1, 1)),
        (
            "@torch.autograd.set_detect_anomaly(True)\ndef f():\n    pass",
            "forbidden",
            "the only decorators",
            (1, 1),
        ),
        (
            "with torch.autograd.set_detect_anomaly(True, mode=1):\n    pass",
            "forbidden",
            "detect_anomaly",
            (1, 5),
        ),
        ("with torch.autograd.set_detect_anomaly():\n    pass", "runtime", "mode", (1, 5)),
        (
            "x = torch.autograd.detect_anomaly()",
            "forbidden",
            "`with torch.autograd.detect_anomaly():`",
            (1, 4),
        ),
    ],
)
def test_anomaly_mode_other_than_in_a_with_block_or_a_call_is_refused(
    source: str, kind: str, words: str, where: tuple[int, int]
) -> None:
    error = fails("import torch\n" + source, kind)
    assert words in error.message
    assert (error.line, error.column) == (where[0] + 1, where[1])
    assert not torch.is_anomaly_enabled()
