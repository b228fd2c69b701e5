"""The allow-list table: consistent, complete for the issue's list, and described for the API."""

from __future__ import annotations

import json

import torch

from autograd_explorer.lang.allowlist import ATTRIBUTES, FUNCTIONS, METHODS, SPELLINGS, describe_allowlist

from .helpers import run

REQUIRED_FUNCTIONS = [
    "tensor",
    "ones",
    "zeros",
    "full",
    "eye",
    "arange",
    "linspace",
    "rand",
    "randn",
    "manual_seed",
    "ones_like",
    "zeros_like",
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "sqrt",
    "abs",
    "tanh",
    "sigmoid",
    "relu",
    "softplus",
    "sum",
    "mean",
    "prod",
    "norm",
    "square",
    "pow",
    "matmul",
    "mm",
    "dot",
    "outer",
    "clamp",
    "max",
    "min",
    "where",
    "stack",
    "cat",
    "softmax",
    "log_softmax",
]
REQUIRED_LOSSES = [
    "mse_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "l1_loss",
]
REQUIRED_METHODS = [
    "sum",
    "mean",
    "pow",
    "sqrt",
    "exp",
    "log",
    "relu",
    "tanh",
    "sigmoid",
    "view",
    "reshape",
    "t",
    "unsqueeze",
    "squeeze",
    "detach",
    "clone",
    "retain_grad",
    "requires_grad_",
    "add_",
    "sub_",
    "mul_",
    "div_",
    "zero_",
    "backward",
    "item",
    "size",
    "dim",
    "numel",
    "tolist",
]
REQUIRED_ATTRIBUTES = ["grad", "data", "grad_fn", "is_leaf", "requires_grad", "shape", "T", "dtype"]


def test_every_required_name_is_in_the_table() -> None:
    for name in REQUIRED_FUNCTIONS:
        assert f"torch.{name}" in SPELLINGS and name in SPELLINGS, name
    for name in REQUIRED_LOSSES:
        for prefix in ("torch.nn.functional.", "nn.functional.", "F."):
            assert prefix + name in SPELLINGS, prefix + name
    assert "torch.autograd.grad" in SPELLINGS
    assert set(REQUIRED_METHODS) <= set(METHODS)
    assert set(REQUIRED_ATTRIBUTES) <= set(ATTRIBUTES)


def test_spellings_point_at_their_function() -> None:
    for fn in FUNCTIONS:
        for spelling in fn.spellings:
            owner = SPELLINGS[spelling]
            assert spelling in owner.spellings
        assert fn.impl is not None or fn.special is not None, fn.name


def test_methods_are_real_tensor_methods() -> None:
    x = torch.ones(2)
    for name in METHODS:
        if name != "backward":
            assert callable(getattr(x, name)), name  # the table itself never uses getattr


def test_describe_allowlist_is_json_data() -> None:
    described = describe_allowlist()
    text = json.dumps(described)
    assert "torch.autograd.grad" in text and "x.backward()" in text and "x.grad" in text
    functions = described["functions"]
    assert isinstance(functions, list) and len(functions) == len(FUNCTIONS)


def test_the_lectures_vocabulary_is_described_from_the_one_table() -> None:
    described = describe_allowlist()
    names = {f["name"] for f in described["functions"]}  # type: ignore[union-attr]
    assert {
        "torch.nn.Linear",
        "torch.optim.SGD",
        "torch.utils.data.DataLoader",
        "print",
        "isinstance",
    } <= names
    members = {(m["owner"], m["name"]) for m in described["members"]}  # type: ignore[union-attr]
    assert ("list", "append()") in members and ("torch.optim.optimizer.Optimizer", "step()") in members
    assert "torch.nn" in described["modules"]  # type: ignore[operator]
    statements = " ".join(described["statements"])  # type: ignore[arg-type]
    for construct in ("def ", "lambda", "class ", "while", "try:", "import torch", "f-strings"):
        assert construct in statements, construct


CLIPPED_TRAINING = """import torch
import torch.nn as nn
torch.manual_seed(0)
lstm = nn.LSTM(3, 5, batch_first=True)
head = nn.Linear(5, 1)
params = list(lstm.parameters()) + list(head.parameters())
opt = torch.optim.SGD(params, lr=0.5)
x = torch.randn(2, 4, 3)
y = torch.randn(2, 1)
norms = []
for step in range(3):
    opt.zero_grad()
    out, (h, c) = lstm(x)
    loss = ((head(out[:, -1]) - y) ** 2).mean() * 100
    loss.backward()
    norms.append(torch.nn.utils.clip_grad_norm_(lstm.parameters(), max_norm=1.0).item())
    torch.nn.utils.clip_grad_value_(head.parameters(), clip_value=0.01)
    opt.step()
"""


def test_gradient_clipping_in_a_training_loop_matches_cpython() -> None:
    got = run(CLIPPED_TRAINING).namespace
    expected: dict[str, object] = {}
    exec(CLIPPED_TRAINING, expected)  # noqa: S102 (trusted test code: the oracle)
    assert got["norms"] == expected["norms"]
    assert min(got["norms"]) > 1.0  # type: ignore[type-var, arg-type] (so the clipping acted)
    for mine, theirs in zip(got["params"], expected["params"], strict=True):  # type: ignore[call-overload]
        assert torch.equal(mine, theirs)
        assert torch.equal(mine.grad, theirs.grad)
    head = got["head"]
    assert isinstance(head, torch.nn.Linear) and head.weight.grad is not None
    assert head.weight.grad.abs().max().item() <= 0.01
