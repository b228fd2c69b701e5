"""A graph too deep to free safely is refused while it is built (issue 10: loops of 10⁵ turns run now)."""

from __future__ import annotations

import pytest

from autograd_explorer.errors import ProgramError
from autograd_explorer.settings import Settings
from autograd_explorer.trace.tracer import TraceOptions, trace_program


def test_a_chain_deeper_than_max_trace_nodes_is_a_limit_and_the_process_survives() -> None:
    # 60,000 turns make a chain of 120,000 nodes: freed after the tracer read their grad_fn, PyTorch
    # would recurse through all of them and crash this very process.
    source = "y = x\nfor _ in range(60000):\n    y = y * 1.0001 + 0.5"
    with pytest.raises(ProgramError) as info:
        trace_program(source, {"x": 1.0}, TraceOptions(), Settings(max_wall_seconds=120))
    assert info.value.type == "limit" and "max_trace_nodes" in info.value.message
    assert info.value.line == 3


def test_many_short_graphs_are_not_deep() -> None:
    source = "w = torch.tensor(1.0, requires_grad=True)\nfor _ in range(3000):\n    loss = (w * 2 - 1) ** 2"
    source += (
        "\n    loss.backward()\n    with torch.no_grad():\n        w -= 0.01 * w.grad\n    w.grad = None"
    )
    payload = trace_program(
        source, None, TraceOptions(), Settings(max_wall_seconds=120, max_trace_nodes=50_000)
    )
    assert payload["stats"]["passes"] == 3000
