"""A real Jupyter kernel (nbclient + ipykernel) records a model and displays the recording."""

from __future__ import annotations

import json
import re

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.slow

CELLS = [
    """import torch
from torch import nn
import autograd_explorer as ax

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
x = torch.randn(2, 4, 8)
with ax.record() as rec:
    loss = layer(x).pow(2).mean()
    loss.backward()""",
    "rec",
    """import json
d = rec.to_dict()
print(json.dumps({
    'nodes': len(d['nodes']),
    'steps': len(d['passes'][0]['steps']),
    'output': d['output']['name'],
    'modules': sorted({n['module'] for n in d['nodes'] if n.get('module')}),
}))""",
]


def test_kernel_runs_and_displays_the_recording() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = [o for cell in nb.cells for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"], outputs
    (shown,) = nb.cells[1].outputs
    assert shown.output_type == "execute_result"
    assert "application/vnd.jupyter.widget-view+json" in shown.data
    page = shown.data["text/html"]
    assert page.startswith("<iframe srcdoc=") and "ax-modules" in page and "trace-data" in page
    assert shown.data["text/plain"].startswith("<Recording: ")
    (printed,) = nb.cells[2].outputs
    facts = json.loads(printed.text)
    assert facts["output"] == "loss" and facts["nodes"] > 20 and facts["steps"] > 20
    assert {"layer", "layer.self_attn", "layer.linear1", "layer.norm1"} <= set(facts["modules"])


STOPPED_CELLS = [
    """import json
import torch
import autograd_explorer as ax

def train_step(w, x):
    loss = (w * x).sum()
    loss.backward()
    w -= 0.1 * w.grad  # a leaf that requires grad, changed in place outside torch.no_grad()
    return loss""",
    """w = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.tensor([3.0, 4.0])
with ax.record() as rec:
    train_step(w, x)""",
    """d = rec.to_dict()
stopped = d['stopped']
print(json.dumps({key: stopped.get(key) for key in ('line', 'file', 'calls', 'message')}))
print(json.dumps({
    'made': [[n['op'], n['span'], n['call']] for n in d['nodes'] if n['kind'] == 'op'],
    'pass': d['passes'][0]['span'],
}))""",
    """w.grad = None
train_step(w, x)""",
]


def test_a_block_stopped_in_a_function_of_another_cell_names_that_cell_as_ipython_does() -> None:
    """A function defined in an earlier cell than the block that records it: its lines count from 1 in
    its own cell, so "stopped at line 4, in train_step() called on line 4" did not say where line 4
    was. The stop now names the cell as IPython's own traceback of the same error does."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in STOPPED_CELLS]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    (raised,) = nb.cells[1].outputs
    assert raised.output_type == "error" and "in-place operation" in raised.evalue  # the block re-raises
    (printed,) = nb.cells[2].outputs
    stopped, made = map(json.loads, printed.text.splitlines())
    # IPython's traceback of the same call outside the block (cell 4): "Cell In[1], line 8, in train_step"
    (oracle,) = nb.cells[3].outputs
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(oracle.traceback))  # without its colours
    assert re.search(r"Cell In\[1\], line 8, in train_step", text), text
    assert stopped["message"] == oracle.evalue
    assert stopped["line"] == 8 and stopped["file"] == "Cell In[1]"
    # called on line 4 of the block's own cell, which is not named
    assert stopped["calls"] == [{"function": "train_step", "line": 4}]
    # The graph's nodes and the pass were made in that function of Cell In[1] too: their spans are
    # that cell's lines (read from its text: the oracle), named as the stop names it, and each node is
    # in its call, as the web trace tags a call of the program's function.
    cell = STOPPED_CELLS[0].splitlines()

    def at(line: int, text: str) -> dict[str, object]:
        column = cell[line - 1].index(text)
        return {"line": line, "column": column, "end_line": line, "end_column": column + len(text),
                "file": "Cell In[1]"}  # fmt: skip

    call = "train_step(w, x) at line 4"
    assert made["made"] == [
        ["MulBackward0", at(6, "w * x"), call],
        ["SumBackward0", at(6, "(w * x).sum()"), call],
    ]
    assert made["pass"] == at(7, "loss.backward()")
