"""Recurrent and attention layers traced: every parameter's gradient is the one CPython's PyTorch
computes for the same program (float32, same seed), and each layer's outputs show their values."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from .test_regions import run_in_cpython, trace

RNN_CELL = """import torch
import torch.nn as nn
torch.manual_seed(0)
cell = nn.RNNCell(3, 5)
x = torch.randn(6, 2, 3)
h = torch.zeros(2, 5)
for t in range(6):
    h = cell(x[t], h)
loss = h.pow(2).sum()
loss.backward()
"""

LSTM = """import torch
import torch.nn as nn
torch.manual_seed(0)
lstm = nn.LSTM(input_size=3, hidden_size=4, num_layers=2, batch_first=True)
x = torch.randn(2, 5, 3)
output, (h, c) = lstm(x)
loss = output.pow(2).sum() + h.sum() + c.sum()
loss.backward()
"""

ATTENTION = """import torch
import torch.nn as nn
torch.manual_seed(0)
attn = nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)
x = torch.randn(2, 4, 8)
out, weights = attn(x, x, x)
loss = out.pow(2).mean() + (weights * torch.arange(4.0)).sum()
loss.backward()
"""


def close(got: dict[str, Any], expected: torch.Tensor) -> bool:
    return torch.allclose(torch.tensor(got["data"]), expected, rtol=1e-5, atol=1e-6)


def assert_parameter_grads_match(payload: dict[str, Any], module: torch.nn.Module, variable: str) -> None:
    leaves = {n["name"]: n for n in payload["nodes"] if n["op"] == "AccumulateGrad"}
    expected = {f"{variable}.{name}": p.grad for name, p in module.named_parameters()}
    assert set(leaves) == set(expected)
    for name, grad in expected.items():
        assert grad is not None and grad.abs().sum() > 0, name  # a gradient that says something
        assert close(leaves[name]["grad"], grad), name


def output_node(payload: dict[str, Any], name: str) -> dict[str, Any]:
    hits = [n for n in payload["nodes"] if n["kind"] == "op" and n["name"] == name]
    assert len(hits) == 1, name
    return hits[0]


def test_an_rnn_cell_loop_matches_cpython_step_by_step() -> None:
    payload = trace(RNN_CELL)
    namespace = run_in_cpython(RNN_CELL)
    assert_parameter_grads_match(payload, namespace["cell"], "cell")
    cell, x = namespace["cell"], namespace["x"]
    with torch.no_grad():
        hidden, states = torch.zeros(2, 5), []
        for t in range(6):
            hidden = cell(x[t], hidden)
            states.append(hidden)
    steps = [n for n in payload["nodes"] if n["label"] == "cell(x[t], h)"]
    assert len(steps) == 6 and all(n["module"] == "cell" and n["value_note"] is None for n in steps)
    for step, expected in zip(steps, states, strict=True):
        assert close(step["value"], expected)


def test_an_lstm_matches_cpython_and_shows_its_three_outputs() -> None:
    payload = trace(LSTM)
    namespace = run_in_cpython(LSTM)
    assert_parameter_grads_match(payload, namespace["lstm"], "lstm")
    assert {n["name"] for n in payload["nodes"] if n["op"] == "AccumulateGrad"} >= {"lstm.weight_hh_l1"}
    # nn.LSTM returns (output, (h_n, c_n)): each its own value, at its own name in
    # `output, (h, c) = lstm(x)` (one span for the three would read as three turns of a loop)
    for name, column in (("output", 0), ("h", 9), ("c", 12)):
        n = output_node(payload, name)
        assert (n["label"], n["module"], n["value_note"]) == (name, "lstm", None)
        span = n["span"]
        assert (span["line"], span["column"], span["end_column"]) == (6, column, column + len(name))
        assert close(n["value"], namespace[name].detach()), name


@pytest.mark.parametrize("output", ["out", "weights"])
def test_self_attention_matches_cpython_and_shows_its_outputs(output: str) -> None:
    payload = trace(ATTENTION, max_value_elements=1000)  # in_proj_weight's 24 × 8 sent whole
    namespace = run_in_cpython(ATTENTION)
    assert_parameter_grads_match(payload, namespace["attn"], "attn")
    n = output_node(payload, output)
    assert (n["label"], n["module"], n["value_note"]) == (output, "attn", None)
    column = ATTENTION.splitlines()[5].index(output)  # `out, weights = attn(x, x, x)`
    assert (n["span"]["line"], n["span"]["column"]) == (6, column)
    assert close(n["value"], namespace[output].detach())
