"""Every backward pass, kept cheaply: its loss and the gradient norm of each leaf it reached.

A training loop makes thousands of passes; only a few are recorded step by step (recorder.py).
Each one, recorded or not, leaves a PassSummary: two or three numbers per parameter, so the page
can plot loss per iteration and the gradient norms that vanish in a deep sigmoid network.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import torch

from autograd_explorer.trace.backward_capture import RawPass
from autograd_explorer.trace.payload import PassSummaries

# model.fc1.weight, layers[0].weight (a module called as spelled), not torch.randn(3)
MODULE_PATH = re.compile(r"[A-Za-z_]\w*(\[\w+\])*(\.\w+(\[\w+\])*)*\.\w+")


class PassSummary:
    """One pass in numbers: the root's value (when it is one number) and ‖grad‖₂ per leaf.

    The norms may be taken when first read (`pending`): from copies of the gradients made right
    after the pass, which nothing changes later, so they are the norms the pass left.
    """

    __slots__ = ("_names", "_norms", "_pending", "index", "kind", "loss")

    def __init__(
        self,
        index: int,
        kind: str,
        loss: float | None,
        names: list[str],
        norms: list[float] | None = None,
        pending: list[torch.Tensor] | None = None,
    ) -> None:
        self.index = index
        self.kind = kind
        self.loss = loss
        self._names = names  # each reached leaf's, in order (a later equal name wins, as in a dict)
        self._pending = pending
        self._norms: dict[str, float] | None = None if norms is None else dict(zip(names, norms, strict=True))

    @property
    def grad_norms(self) -> dict[str, float]:
        if self._norms is None:
            values = grad_norms(self._pending or [])
            self._norms, self._pending = dict(zip(self._names, values, strict=True)), None
        return self._norms

    def take_norms(self) -> None:
        """Take the pending norms now and let the copies go (their pass is being forgotten)."""
        self.grad_norms  # noqa: B018  (the property takes them)


def summarize_pass(
    raw: RawPass,
    leaf_name: Callable[[torch.Tensor], str],
    copied: Mapping[int, tuple[torch.Tensor, torch.Tensor]] | None = None,
) -> PassSummary:
    """The summary of a pass that just ran: for backward, each reached leaf's `.grad` now (what an
    optimizer step will use); for autograd.grad, the gradients it returned.

    `copied`: id(`.grad`) -> (that `.grad`, a copy of it made after the pass, RawPass.grads_after):
    when every reached gradient has one, the norms are taken from the copies when first read
    (a recording that is never shown never takes them).
    """
    loss = None
    outputs = raw.outputs
    if len(outputs) == 1 and outputs[0].numel() == 1:
        loss = float(outputs[0].item())
    reached: list[tuple[torch.Tensor, torch.Tensor]] = []
    if raw.kind == "grad":
        reached = [
            (tensor, grad)
            for tensor, grad in zip(raw.input_tensors, raw.results, strict=False)
            if grad is not None
        ]
    else:  # a plain loop, no generator: this runs after every pass of a training loop
        for fn in raw.leaf_nodes():
            tensor = fn.variable
            grad = tensor.grad
            if grad is not None:
                reached.append((tensor, grad))
    if not reached:
        return PassSummary(raw.index, raw.kind, loss, [], [])
    names: dict[str, None] = {}
    order = []
    for tensor, _ in reached:
        name = leaf_name(tensor)
        if name in names:  # two leaves of one name (a loop variable bound to each): number them
            name = f"{name} #{sum(1 for n in names if n == name or n.startswith(name + ' #')) + 1}"
        names[name] = None
        order.append(name)
    if copied:
        hits = [copied.get(id(grad)) for _, grad in reached]
        if all(hit is not None and hit[0] is grad for hit, (_, grad) in zip(hits, reached, strict=True)):
            copies = [hit[1] for hit in hits if hit is not None]
            return PassSummary(raw.index, raw.kind, loss, order, pending=copies)
    return PassSummary(raw.index, raw.kind, loss, order, grad_norms([grad for _, grad in reached]))


def grad_norms(grads: list[torch.Tensor]) -> list[float]:
    """‖g‖₂ of each gradient, in float32 (as the page plots them)."""
    scalars: list[float] = []
    for g in grads:
        if g.numel() != 1 or g.layout != torch.strided:
            break
        # one number (the lecture's a, b, c): its norm is its magnitude, no kernel launch needed;
        # a float32 one read as it is (no detached float32 copy to make per leaf and pass)
        scalars.append(abs(g.item() if g.dtype == torch.float32 else float(g.detach().float())))
    else:
        return scalars
    # one call for every leaf and one conversion to Python (a loop of 4000 passes makes 4000)
    try:
        # detached and converted only when needed (a create_graph pass's grads, a float64 model):
        # each is a dispatcher call, even when it returns the tensor itself
        floats = [
            g if g.dtype == torch.float32 and not g.requires_grad else g.detach().float() for g in grads
        ]
        return list(torch.stack(torch._foreach_norm(floats)).tolist())
    except (RuntimeError, TypeError):  # a sparse gradient (Embedding(sparse=True)), say: one by one
        return [float(torch.linalg.vector_norm(g.detach().to_dense().double())) for g in grads]


def summaries_json(summaries: list[PassSummary]) -> PassSummaries:
    """The summaries as columns (the same in both payload forms); numbers at float32 precision."""
    names: dict[str, None] = {}
    for s in summaries:
        names.update(dict.fromkeys(s.grad_norms))
    modules = module_parameters(names)
    return {
        "count": len(summaries),
        "kind": [s.kind for s in summaries],
        "loss": float32_numbers([s.loss for s in summaries]),
        "grad_norms": {n: float32_numbers([s.grad_norms.get(n) for s in summaries]) for n in names},
        "module_grad_norms": {
            m: float32_numbers([module_norm(s.grad_norms, params) for s in summaries])
            for m, params in modules.items()
        },
    }


def module_norms(norms: Mapping[str, float], order: Mapping[str, int]) -> dict[str, float]:
    """module path -> `module_norm` of its parameters, from ‖gradient‖₂ per leaf name; the modules
    in `order` (forward order) first. The shown pass's figure and every pass's summary use this."""
    groups = module_parameters(norms)
    by_order = sorted(groups, key=lambda m: order.get(m, len(order)))  # stable: the rest as they came
    return {m: value for m in by_order if (value := module_norm(norms, groups[m])) is not None}


def module_parameters(names: Iterable[str]) -> dict[str, list[str]]:
    """module path -> the names of its own parameters among `names` (model.fc1.weight is model.fc1's)."""
    modules: dict[str, list[str]] = {}
    for n in names:
        if MODULE_PATH.fullmatch(n):
            modules.setdefault(n.rsplit(".", 1)[0], []).append(n)
    return modules


def module_norm(norms: Mapping[str, float], params: list[str]) -> float | None:
    """‖gradient‖₂ of a module's parameters together: the root of their squared norms' sum."""
    reached = [norms[p] for p in params if p in norms]
    return math.sqrt(sum(v * v for v in reached)) if reached else None


def float32_numbers(values: list[float | None]) -> list[float | None]:
    """Each number as the shortest decimal that reads back as the same float32 (about 8 digits, not
    17: 4000 iterations stay a few dozen kB); None for a missing or non-finite one."""
    with np.errstate(over="ignore"):  # a float64 too large for float32 becomes inf, then None
        f32 = np.array([math.nan if v is None else v for v in values], dtype=np.float64).astype(np.float32)
    # converted at once, each scalar's str is its shortest repr (4x faster than one by one)
    return [float(str(f)) if ok else None for f, ok in zip(f32, np.isfinite(f32).tolist(), strict=True)]
