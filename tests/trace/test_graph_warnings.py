"""The trace's warnings about its graph (trace/graph_warnings.py), against programs whose graphs are
known by construction."""

from __future__ import annotations

from autograd_explorer.settings import Settings
from autograd_explorer.trace.tracer import TraceOptions, trace_program

# Two blocks each split one tensor under the name `q` (nanoGPT's `q, k, v = ... .split(...)`)
TWO_BLOCKS = """import torch
x = torch.ones(2, 6, requires_grad=True)
def block(h):
    q, k, v = h.split(2, dim=1)
    return torch.cat([q * 2, k, v * 3], dim=1)
y = block(block(x)).sum()
y.backward()
"""


def test_nodes_of_several_outputs_are_named_once_per_name_with_their_count() -> None:
    warnings = trace_program(TWO_BLOCKS, None, TraceOptions(), Settings())["warnings"]
    (said,) = [w for w in warnings if "several outputs" in w]
    assert said.startswith("q (SplitBackward0) ×2 have several outputs, and PyTorch keeps a gradient")
    one = TWO_BLOCKS.replace("block(block(x))", "block(x)")
    (said,) = [w for w in trace_program(one, None, TraceOptions(), Settings())["warnings"] if "several" in w]
    assert said.startswith("q (SplitBackward0) has several outputs")
