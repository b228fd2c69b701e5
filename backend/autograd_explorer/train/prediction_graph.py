"""The autograd graph of one prediction, traced by the trace engine (forward values, backward steps)."""

from __future__ import annotations

import copy
from typing import Any

import torch

from autograd_explorer.settings import Settings
from autograd_explorer.trace.function_trace import trace_function
from autograd_explorer.train.models import Classifier

# Parameter names as the lecture writes them: the graph shows W1, b1, ... instead of fc1.weight.
LECTURE_NAMES = {
    "linear.weight": "w",
    "fc1.weight": "W1",
    "fc1.bias": "b1",
    "fc2.weight": "W2",
    "fc2.bias": "b2",
}


def trace_prediction(model: Classifier, x: torch.Tensor, settings: Settings) -> dict[str, Any]:
    """Trace P = model(x) for one input row, then its backward to the input and to every parameter.

    A private float64 copy of the model is traced with requires_grad on its parameters, so the graph
    shows the leaves a training step would update (their AccumulateGrad nodes) next to the input's,
    and a confident prediction's gradients do not round to 0 (as /predict, see inference.predict).
    """
    traced = copy.deepcopy(model).double()
    for p in traced.parameters():
        p.requires_grad_(True)
    x = x[:1].detach().to(torch.float64).requires_grad_(True)
    names: dict[str, torch.Tensor] = {"x": x}
    names.update({LECTURE_NAMES.get(k, k): p for k, p in traced.named_parameters()})
    return trace_function(lambda: traced(x), names, settings, output_name="P")
