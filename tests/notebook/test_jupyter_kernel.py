"""A real Jupyter kernel (nbclient + ipykernel) records a model and displays the recording."""

from __future__ import annotations

import json

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
