"""Internal nodes show the value PyTorch kept of them: saved for the backward, or a view's input's.

The oracle is the same program run by plain torch in the test (same seeds, so the same weights):
each value read back must be that tensor bit for bit, and a node whose value cannot be known for
sure (a view of a weight a training step changed since) keeps no value rather than a wrong one.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograd_explorer.settings import Settings
from autograd_explorer.trace.compact import decode_compact
from autograd_explorer.trace.facts import NodeColumns
from autograd_explorer.trace.internal_values import SAVED
from autograd_explorer.trace.jobs import run_trace_job
from autograd_explorer.trace.tracer import TraceOptions, record_program


def columns_of(source: str) -> NodeColumns:
    recording = record_program(source, None, TraceOptions(format="compact"), Settings())
    assert recording.facts is not None
    return recording.facts.node_columns()


def same(shown: torch.Tensor | None, expected: torch.Tensor) -> bool:
    """The same numbers, dtype and shape, bit for bit."""
    assert shown is not None, "no value"
    return shown.dtype == expected.dtype and torch.equal(shown, expected.detach())


LINEAR_CE = """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
lin = nn.Linear(3, 2)
x = torch.randn(4, 3)
y = torch.tensor([0, 1, 1, 0])
loss = F.cross_entropy(lin(x), y)
loss.backward()
"""


def test_a_linear_layers_transposed_weight_and_cross_entropys_log_softmax_show_their_values() -> None:
    c = columns_of(LINEAR_CE)
    torch.manual_seed(0)
    lin = nn.Linear(3, 2)
    x = torch.randn(4, 3)
    t, log_softmax = c.op.index("TBackward0"), c.op.index("LogSoftmaxBackward0")
    # nn.Linear's weight.t(): the weight's numbers, transposed (a view changes no number)
    assert same(c.value[t], lin.weight.t())
    assert c.value_note[t] is not None and c.value_note[t].endswith(
        "; shown as its input's value, transposed (the node changes no number)"
    )
    # the log-softmax inside F.cross_entropy: the output it saved for its backward
    assert same(c.value[log_softmax], F.log_softmax(lin(x), dim=1))
    assert c.value_note[log_softmax] is not None and c.value_note[log_softmax].endswith(SAVED)
    # still internal: their labels and spans name the call that made them
    assert c.label[log_softmax] == "logsoftmax in F.cross_entropy(lin(x), y)"
    assert c.span[t] is not None and c.span[t].line == 8


def test_a_linear_layer_on_sequences_shows_the_addmm_inside_as_its_output_reshaped_back() -> None:
    source = (
        "import torch\nfrom torch import nn\ntorch.manual_seed(0)\nlin = nn.Linear(3, 2)\n"
        "x = torch.randn(2, 4, 3)\nout = lin(x)\nout.sum().backward()\n"
    )
    c = columns_of(source)
    torch.manual_seed(0)
    lin = nn.Linear(3, 2)
    x = torch.randn(2, 4, 3)
    addmm = c.op.index("AddmmBackward0")
    assert c.value[c.name.index("out")] is not None
    # what nn.Linear computes for a batch of sequences: one addmm over the flattened rows
    assert same(c.value[addmm], torch.addmm(lin.bias, x.reshape(8, 3), lin.weight.t()))
    assert c.value_note[addmm] is not None and c.value_note[addmm].endswith(
        "; shown as what a view of it shows, reshaped back (the view changes no number)"
    )


def test_f_normalizes_norm_and_expansion_come_from_what_was_saved_and_the_clamp_keeps_none() -> None:
    source = (
        "import torch\nimport torch.nn.functional as F\n"
        "x = torch.tensor([[3.0, 4.0], [1.0, 0.0]], requires_grad=True)\n"
        "y = F.normalize(x, dim=1)\ny.sum().backward()\n"
    )
    c = columns_of(source)
    x = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
    norm = torch.linalg.vector_norm(x, dim=1, keepdim=True)
    assert same(c.value[c.op.index("LinalgVectorNormBackward0")], norm)
    assert same(c.value[c.op.index("ExpandBackward0")], norm.clamp_min(1e-12).expand_as(x))
    # nothing PyTorch kept is the clamp's output (its consumer, expand, saved only sizes): no
    # value, and the note as before
    clamp = c.op.index("ClampMinBackward0")
    assert c.value[clamp] is None
    assert c.value_note[clamp] is not None and c.value_note[clamp].endswith("the program never saw its value")


TRAINING = """import torch
from torch import nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
x = torch.randn(5, 3)
for step in range(3):
    loss = model(x).pow(2).mean()
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
"""


def test_a_training_step_that_changes_a_weight_in_place_leaves_its_views_unguessed() -> None:
    """After `p -= 0.1 * p.grad` the weight holds the next step's numbers: each pass's `weight.t()`
    of the first layer cannot be read from it, and keeps no value. The second layer's transpose was
    saved by its addmm (the layer's input requires grad) and read during that pass's backward: the
    weight as that step's forward used it."""
    c = columns_of(TRAINING)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    x = torch.randn(5, 3)
    used: list[tuple[torch.Tensor, torch.Tensor]] = []  # each step's weights, as its forward read them
    for _ in range(3):
        used.append((model[0].weight.detach().clone(), model[2].weight.detach().clone()))
        loss = model(x).pow(2).mean()
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    ts = [i for i, op in enumerate(c.op) if op == "TBackward0"]
    assert len(ts) == 6  # two layers, three passes (a program of at most 10 passes ships them all)
    first, second = ts[0::2], ts[1::2]
    for i in first:
        assert c.value[i] is None
        assert c.value_note[i] is not None and "shown as" not in c.value_note[i]
    for i, (_, w2) in zip(second, used, strict=True):
        assert same(c.value[i], w2.t())
        assert c.value_note[i] is not None and c.value_note[i].endswith(SAVED)


def test_a_weight_no_step_changes_shows_its_transpose_in_every_pass() -> None:
    source = TRAINING.replace("            p -= 0.1 * p.grad\n", "            p.grad.zero_()\n")
    c = columns_of(source)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    ts = [i for i, op in enumerate(c.op) if op == "TBackward0"]
    assert len(ts) == 6
    for i in ts[0::2]:
        assert same(c.value[i], model[0].weight.t())


def test_the_tracers_own_pass_reads_no_view_of_a_leaf() -> None:
    """The tracer's backward comes after the whole program, which may have changed a weight in place
    after its forward read it: a view of it keeps no value (a saved tensor would still be checked)."""
    source = (
        "import torch\nfrom torch import nn\ntorch.manual_seed(0)\nlin = nn.Linear(3, 2)\n"
        "x = torch.randn(4, 3)\nout = lin(x).sum()\nwith torch.no_grad():\n    lin.weight.mul_(2)\nout\n"
    )
    c = columns_of(source)
    t = c.op.index("TBackward0")
    assert c.value[t] is None and c.value_note[t] is not None and "shown as" not in c.value_note[t]


def test_both_forms_carry_the_values_read_back() -> None:
    settings = Settings()
    readable = run_trace_job({"source": LINEAR_CE, "jacobians": False}, settings)
    compact = run_trace_job({"source": LINEAR_CE, "format": "compact"}, settings)
    decoded = decode_compact(compact)
    torch.manual_seed(0)
    lin = nn.Linear(3, 2)
    for form in (readable, decoded):
        t = next(n for n in form["nodes"] if n["op"] == "TBackward0")
        assert np.array_equal(
            np.asarray(t["value"]["data"], dtype=np.float32), lin.weight.detach().t().numpy()
        )
        assert t["value_note"].endswith(
            "; shown as its input's value, transposed (the node changes no number)"
        )
    # the transpose travels as a reference to the weight's numbers, not as numbers of its own
    values = compact["values"]
    t_id = next(n["id"] for n in readable["nodes"] if n["op"] == "TBackward0")
    assert compact["nodes"]["value"][t_id] in values["transposed"]["value"]
