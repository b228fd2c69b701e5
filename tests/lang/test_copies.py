"""copy.deepcopy and copy.copy: a model's snapshot as courses take one, sized before it is made."""

from __future__ import annotations

import torch

from autograd_explorer.settings import Settings
from autograd_explorer.trace.tracer import TraceOptions, trace_program

from .helpers import cpython, fails, run

SNAPSHOTS = """import copy
import torch
import torch.nn as nn
from copy import deepcopy
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.scale = 2.0
        self.history = []
    def forward(self, x):
        self.history.append(1)
        return self.fc(x) * self.scale
policy = Net()
target = copy.deepcopy(policy)
best = deepcopy(policy.state_dict())
x = torch.randn(4, 3)
print(torch.equal(policy(x), target(x)), target.scale, len(policy.history), len(target.history))
with torch.no_grad():
    policy.fc.weight.mul_(0)
print(torch.equal(policy(x), target(x)), target.fc.weight is policy.fc.weight, target.fc.weight.requires_grad)
target(x).sum().backward()
print(target.fc.weight.grad is not None, policy.fc.weight.grad)
policy.load_state_dict(best)
print(torch.equal(policy.fc.weight, target.fc.weight))
a = [[1], [2]]
b, c = copy.copy(a), copy.deepcopy(a)
a[0].append(9)
print(b, c, b is a)
"""


def test_a_target_network_and_a_state_dict_snapshot_behave_as_in_cpython() -> None:
    """DQN's `target = copy.deepcopy(policy)` (a model of the program's own class, whose fields the
    copy may read), early stopping's `deepcopy(model.state_dict())`, and lists deep and shallow."""
    got = run(SNAPSHOTS)
    expected, printed = cpython(SNAPSHOTS)
    assert got.printed == printed
    assert torch.equal(got.namespace["target"].fc.weight, expected["target"].fc.weight)  # type: ignore[attr-defined]


def test_a_copy_is_sized_before_it_is_made() -> None:
    # ten references to one 10⁶-element tensor copy it once (as deepcopy's memo does): 10⁶ more
    source = "import copy\nxs = [torch.ones(1000, 1000)] * 10\nys = copy.deepcopy(xs)\n"
    assert len(run(source, max_total_elements=2_000_001).namespace["ys"]) == 10  # type: ignore[arg-type]
    error = fails(source, "limit", max_total_elements=1_500_000)
    assert (error.line, error.column) == (3, 5)
    assert "the copy would hold 1000000 elements" in error.message
    # what a copy walks: an object holding 2,000 lists of 1,000 items (a list given to the call is
    # measured as every call's is; an object's fields only by the copy)
    source = (
        "import copy\nclass Box:\n    pass\nb = Box()\nb.rows = [[0] * 1000 for _ in range(2000)]\n"
        "c = copy.deepcopy(b)"
    )
    error = fails(source, "limit")
    assert (error.line, error.column) == (6, 4) and "too large to copy" in error.message


def test_pytorchs_refusal_to_copy_a_non_leaf_is_the_programs_error() -> None:
    error = fails("import copy\ny = copy.deepcopy(torch.ones(2, requires_grad=True) * 2)", "runtime")
    assert (error.line, error.column) == (2, 4) and "deepcopy protocol" in error.message


def test_a_program_with_a_target_network_is_traced() -> None:
    source = (
        "import copy\nimport torch\ntorch.manual_seed(0)\npolicy = torch.nn.Linear(2, 1)\n"
        "target = copy.deepcopy(policy)\nx = torch.randn(3, 2)\n"
        "loss = (policy(x) - target(x).detach()).pow(2).mean()\nloss.backward()\n"
    )
    payload = trace_program(source, None, TraceOptions(format="readable"), Settings())
    leaves = {n["label"] for n in payload["nodes"] if n["kind"] == "input"}  # type: ignore[index]
    # the policy's parameters take the gradient; the target's, detached, are no part of the graph
    assert leaves == {"policy.weight", "policy.bias"}
