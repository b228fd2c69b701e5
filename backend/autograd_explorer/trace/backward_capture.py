"""Record one real backward pass with hooks on PyTorch's graph nodes, in the engine's order.

Nothing here re-implements autograd: a pre-hook on every reachable node sees the gradient the
engine delivered, a post-hook sees what the node sent to each input. Hooks are removed in a
`finally` (a hook left on a leaf's AccumulateGrad would keep firing on later runs). Tensors are
only referenced here; converting them to JSON happens after the pass, never inside a hook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import torch

from autograd_explorer.lang.contract import ModuleGradients
from autograd_explorer.trace.custom_nodes import custom_saved, is_custom_node

Node = Any  # torch.autograd.graph.Node (C++ nodes have no precise Python type)


@dataclass(slots=True)  # one per node of each recorded pass: no __dict__
class RawStep:
    """One node as the engine ran it."""

    fn: Node
    grad_outputs: tuple[torch.Tensor | None, ...]
    grad_inputs: tuple[torch.Tensor | None, ...]
    jacobians: list[torch.Tensor | None] | None = None  # per input slot, shape (out numel, in numel)
    # > 0: the Jacobian is a loss's row, what the engine's own call sent (`free_row`), made from
    # grad_inputs when first read, up to this many elements: the step panel reads it, the pass not
    free_row_elements: int = 0

    def read_jacobians(self) -> list[torch.Tensor | None] | None:
        """The local Jacobian of each input slot (None: not computed)."""
        if self.free_row_elements:
            with torch.no_grad():  # a create_graph pass's gradients require grad
                self.jacobians = _single_row(
                    self.grad_inputs, len(self.fn.next_functions), self.free_row_elements
                )
            self.free_row_elements = 0
        return self.jacobians


@dataclass(frozen=True, slots=True)
class HookRan:
    """A hook of the program's called by the engine during a recorded pass, filed under the step the
    engine ran next: a tensor's (`y.register_hook(h)`) just before that node ran, with `grad` what
    the contributions summed to and `result` what it returned (a tensor replaced the gradient the
    node received; None kept it); a module's backward hook (`model.fc1.register_full_backward_hook`)
    in that node's post-hooks (an identity node PyTorch added around the module's call, which then
    sends on a tuple the hook returned), with `grad` the module's gradients."""

    step: int
    span: Any  # the register_hook call
    text: str  # its source
    grad: torch.Tensor | ModuleGradients
    result: object

    @property
    def kind(self) -> Literal["tensor", "module"]:
        return "module" if isinstance(self.grad, ModuleGradients) else "tensor"

    @property
    def changed(self) -> bool:
        """Did the hook give the node another gradient (it returned a tensor, or a module's hook a
        tuple)?"""
        if self.kind == "module":
            return self.result is not None
        return isinstance(self.result, torch.Tensor)


# Hooks kept before one step: 100,000 hooks on one tensor (`for i in range(100000):
# y.register_hook(f)`) made an 11 MB narration; the rest are counted (RawPass.more_hooks)
HOOKS_PER_STEP = 8


@dataclass(slots=True)  # one per backward call: thousands in a training loop
class RawPass:
    """A whole backward()/autograd.grad call: its roots, seeds and steps."""

    kind: str  # "backward" | "grad" | "auto"
    roots: list[Node]
    seeds: list[torch.Tensor | None]  # per output; None: ones like it (made by fill_seeds)
    steps: list[RawStep] = field(default_factory=list)
    span: Any = None
    input_tensors: list[torch.Tensor] = field(default_factory=list)  # autograd.grad's inputs
    results: tuple[torch.Tensor | None, ...] = ()
    grads_after: dict[str, torch.Tensor | None] = field(default_factory=dict)  # named .grad after it
    # each graph node's own .grad after it (a leaf's, a retained tensor's): a name can be bound to
    # another tensor since (`w = torch.tensor(3., requires_grad=True)` after a first `w` was used)
    node_grads_after: list[tuple[Node, torch.Tensor | None]] = field(default_factory=list)
    index: int = 0  # the program's n-th differentiation (0-based), kept or not
    outputs: list[torch.Tensor] = field(default_factory=list)  # what was differentiated (its loss)
    nodes: list[Node] = field(default_factory=list)  # every node hooked (the pass's graph)
    # create_graph: the grad_fn of each gradient the pass made (its results, the .grad it wrote):
    # where a backward formula's nodes end, so none of them is taken for a program's call's (facts.py)
    gradient_nodes: list[Node] = field(default_factory=list)
    # PyTorch's engine raised part-way (a saved tensor changed in place, a graph already freed):
    # `steps` are the nodes it ran before that
    failed: bool = False
    # the program's own gradient hooks the engine called, in order (empty: none; most programs), at
    # most HOOKS_PER_STEP before one step; how many more ran before a step, by raw step
    hooks: list[HookRan] = field(default_factory=list)
    more_hooks: dict[int, int] | None = None
    _leaf_nodes: list[Node] | None = field(default=None, repr=False)
    # each leaf's version counter as the pass began (id(node) -> version): a leaf whose counter
    # is the same at the end was not changed in place since, so a view of it made by the forward
    # (nn.Linear's weight.t()) still shows what the forward read (internal_values.py)
    leaf_versions: dict[int, int] = field(default_factory=dict)

    def fill_seeds(self) -> list[torch.Tensor]:
        """The seeds, each None made: ones like its output (what PyTorch seeded the pass with).

        A pass that failed before its first step, on an output of more than one element given no
        seed, had none: PyTorch refuses to make one ("grad can be implicitly created only for scalar
        outputs"), so its accumulators start at zero, not at the ones `gradient=` would have been."""
        unmade = self.failed and not self.steps
        filled = [
            s if s is not None else (torch.zeros_like if unmade and o.numel() != 1 else torch.ones_like)(o)
            for s, o in zip(self.seeds, self.outputs, strict=True)
        ]
        self.seeds[:] = filled
        return filled

    def leaf_nodes(self) -> list[Node]:
        """The pass's AccumulateGrad nodes (its leaves), found once: the summary and the recorder's
        forgetting both read them after every pass of a training loop."""
        if self._leaf_nodes is None:
            self._leaf_nodes = [fn for fn in self.nodes if type(fn).__name__ == "AccumulateGrad"]
        return self._leaf_nodes


def graph_nodes(roots: Iterable[Node], limit: int | None = None) -> list[Node]:
    """The first `limit` nodes (all: None) reachable from `roots`, each once, iteratively (graphs
    can be 10k deep).

    A list built in one loop, not a generator: every pass of a 4000-pass training loop walks its
    graph, and resuming a generator per node cost a third of the walk.
    """
    nodes: list[Node] = []
    if limit is not None and limit <= 0:
        return nodes
    seen: set[int] = set()
    stack = [r for r in roots if r is not None]
    push, pop, add, keep = stack.append, stack.pop, seen.add, nodes.append
    while stack:
        fn = pop()
        key = id(fn)
        if key in seen:
            continue
        add(key)
        keep(fn)
        if len(nodes) == limit:
            break
        for n, _ in fn.next_functions:  # a plain loop: every pass of a training loop walks its graph
            if n is not None:
                push(n)
    return nodes


# node type -> its `_saved_*` attributes, each with its name without the prefix: all of them
# (read_saved), or those that may hold a value a node shows (read_shown_saved)
_SAVED_NAMES: dict[type, tuple[tuple[str, str], ...]] = {}
_SHOWN_NAMES: dict[type, tuple[tuple[str, str], ...]] = {}
# Saved buffers that hold no value of the program: a kernel's scratch memory, left uninitialised
# where the kernel did not write (derivatives.yaml: mkldnn_rnn_layer's fourth output, the LSTM's and
# GRU's workspace on CPU). Its bytes changed from run to run, and its summary with them.
_WORKSPACES = {"MkldnnRnnLayerBackward0": frozenset({"_saved_result3"})}
# The sizes and strides PyTorch keeps beside a saved tensor (`self_sym_sizes`: tuples, never shown):
# reading them was two thirds of an MmBackward0's read (3.5 -> 1.5 µs a node)
_NEVER_SHOWN = ("_sym_sizes", "_sym_strides")


def _saved_names(cls: type, shown_only: bool) -> tuple[tuple[str, str], ...]:
    scratch = _WORKSPACES.get(cls.__name__, frozenset())
    return tuple(
        (a, a.removeprefix("_saved_"))
        for a in dir(cls)
        if a.startswith("_saved_") and a not in scratch and not (shown_only and a.endswith(_NEVER_SHOWN))
    )


def _read(fn: Node, names: tuple[tuple[str, str], ...]) -> dict[str, object] | None:
    out: dict[str, object] = {}
    for attr, name in names:
        try:
            out[name] = getattr(fn, attr)
        except RuntimeError:  # freed by an earlier backward without retain_graph
            return None
    return out


def read_saved(fn: Node) -> dict[str, object] | None:
    """The node's saved values by name (without the `_saved_` prefix); None once freed."""
    cls = type(fn)
    names = _SAVED_NAMES.get(cls)  # read inline: this runs in the hook of every node of a pass
    if names is None:
        names = _SAVED_NAMES[cls] = _saved_names(cls, False)
    if not names and is_custom_node(fn):  # a program's Function: its ctx.saved_tensors
        return custom_saved(fn)
    return _read(fn, names)


def saved_refusal(fn: Node) -> str | None:
    """PyTorch's refusal to hand out one of the node's saved values (changed in place since it was
    saved, or freed by an earlier backward), which is also why the engine could not run the node."""
    cls = type(fn)
    names = _SAVED_NAMES.get(cls)
    if names is None:
        names = _SAVED_NAMES[cls] = _saved_names(cls, False)
    for attr, _ in names:
        try:
            getattr(fn, attr)
        except RuntimeError as exc:
            return str(exc)
    return None


def read_shown_saved(fn: Node) -> dict[str, object] | None:
    """read_saved without the values no node shows (sizes and strides): None once freed."""
    cls = type(fn)
    names = _SHOWN_NAMES.get(cls)
    if names is None:
        names = _SHOWN_NAMES[cls] = _saved_names(cls, True)
    if not names and is_custom_node(fn):
        return custom_saved(fn)
    return _read(fn, names)


def kept_apart(
    saved: dict[str, object], makers: dict[int, tuple[torch.Tensor, Node]] | None
) -> dict[str, object]:
    """A pass's saved values read as it frees them, each tensor another op may still change in place
    copied: a leaf (a weight the training step `W -= lr * W.grad` updates after this pass, and every
    view of it, `W.t()` saved by nn.Linear's addmm) or a view, else they would show the numbers of
    the program's end, not the ones this pass used. The node that made a copied tensor (its
    grad_fn, read before the copy) is kept in `makers` by id of the copy, with the copy (ids are
    reused)."""
    for name, value in saved.items():
        if isinstance(value, torch.Tensor) and (value.is_leaf or value._is_view()):
            copy = value.detach().clone()
            maker = value.grad_fn
            if makers is not None and maker is not None:
                makers[id(copy)] = (copy, maker)
            saved[name] = copy
    return saved


def row_limit(max_elements: int, max_rows: int | None) -> int:
    """The most output elements (Jacobian rows) a node may have for its Jacobian to be computed."""
    return max_elements if max_rows is None else min(max_elements, max_rows)


def local_jacobians(
    fn: Node,
    grad_outputs: tuple[torch.Tensor | None, ...],
    max_elements: int,
    max_rows: int | None = None,
) -> list[torch.Tensor | None] | None:
    """The node's local Jacobian for each input slot, exactly, by one-hot vector-Jacobian products.

    Row i is what the node sends back for the cotangent e_i. Only single-output nodes whose
    Jacobians are small are done (at most `max_elements` entries, `max_rows` rows: each row is one
    call of the node); None otherwise. (A loss's node needs no call: `free_row`.)
    """
    if len(grad_outputs) != 1 or grad_outputs[0] is None or type(fn).__name__ == "AccumulateGrad":
        return None
    if is_custom_node(fn):  # calling it would run the program's backward again: not done
        return None
    template = grad_outputs[0]
    m = template.numel()
    if m == 0 or m > row_limit(max_elements, max_rows):
        return None  # decided before reading input sizes: most nodes of a real batch stop here
    try:
        with torch.no_grad():
            if m == 1:  # a scalar output (most nodes of a lecture graph): one call, no stacking
                return _single_row(fn(torch.ones_like(template)), len(fn.next_functions), max_elements)
            in_sizes = [_input_numel(n) for n, _ in fn.next_functions]
            if m * max(sum(s for s in in_sizes if s), 1) > max_elements:
                return None
            rows: list[list[torch.Tensor | None]] = []
            for i in range(m):
                onehot = torch.zeros(m, dtype=template.dtype)
                onehot[i] = 1
                result = fn(onehot.reshape(template.shape))
                if not isinstance(result, tuple):
                    result = (result,)
                rows.append([None if r is None else r.reshape(-1) for r in result])
    except (RuntimeError, TypeError, ValueError):
        return None  # some nodes cannot be applied outside the engine; the numbers still show
    out: list[torch.Tensor | None] = []
    for slot in range(len(fn.next_functions)):
        col = [row[slot] for row in rows if slot < len(row) and row[slot] is not None]
        out.append(torch.stack(col) if len(col) == len(rows) else None)  # type: ignore[arg-type]
    return out


def free_row(fn: Node, template: torch.Tensor) -> bool:
    """Whether a node's Jacobian is what the engine's own call of it sent to its inputs: one
    output, a scalar whose incoming gradient (`template`) is exactly 1 (a loss's node; not a leaf)."""
    return template.numel() == 1 and type(fn).__name__ != "AccumulateGrad" and template.item() == 1


def _single_row(result: Any, slots: int, max_elements: int) -> list[torch.Tensor | None] | None:
    """The Jacobian of a scalar-output node: each input's gradient for cotangent 1, as a 1×n row."""
    if not isinstance(result, tuple):
        result = (result,)
    if sum(r.numel() for r in result if r is not None) > max_elements:
        return None
    rows: list[torch.Tensor | None] = [None if r is None else r.reshape(1, -1) for r in result]
    return (rows + [None] * slots)[:slots]


def _input_numel(fn: Node | None) -> int:
    if fn is None:
        return 0
    meta = getattr(fn, "_input_metadata", None)  # present on recent PyTorch: shapes of the node's outputs
    if meta:
        return int(torch.Size(meta[0].shape).numel())
    variable = getattr(fn, "variable", None)
    return int(variable.numel()) if variable is not None else 1


def capture_pass(
    raw: RawPass,
    run: Callable[[], Any],
    *,
    jacobians: bool,
    max_jacobian_elements: int,
    max_nodes: int,
    max_jacobian_rows: int | None = None,
    saved_sink: dict[int, dict[str, object]] | None = None,
    saved_makers: dict[int, tuple[torch.Tensor, Node]] | None = None,
    max_jacobian_steps: int = 2_000,
    jacobian_steps: range | None = None,
) -> Any:
    """Hook every node reachable from `raw.roots`, call `run()` (the real backward), unhook.

    One post-hook per node is enough: it receives both what the engine delivered (grad_outputs)
    and what the node sent on (grad_inputs), in execution order. Saved tensors are still alive
    inside it, so that is where Jacobians are computed and, when the pass will free the graph,
    where the saved values are read (`saved_sink`, those an op may still change copied: kept_apart,
    with the node that made each copy in `saved_makers`). Jacobians cost one backward call per output
    element, so they are computed only for the steps in `jacobian_steps` (default: the first
    `max_jacobian_steps`), the steps a user opened.
    """
    raw.nodes.extend(graph_nodes(raw.roots, max_nodes))
    raw.leaf_versions = {id(fn): fn.variable._version for fn in raw.leaf_nodes()}
    handles = []
    window = range(max_jacobian_steps) if jacobian_steps is None else jacobian_steps
    steps = raw.steps
    append = steps.append

    def record(fn: Node, grad_inputs: tuple[torch.Tensor | None, ...], grad_outputs: tuple[Any, ...]) -> None:
        append(RawStep(fn, tuple(grad_outputs), tuple(grad_inputs)))  # tuple(): no copy of a tuple

    # local_jacobians' own first refusal, checked here without a call: most nodes of a real batch
    # have more output elements than a Jacobian may have rows
    most_rows = row_limit(max_jacobian_elements, max_jacobian_rows)

    def record_more(
        fn: Node, grad_inputs: tuple[torch.Tensor | None, ...], grad_outputs: tuple[Any, ...]
    ) -> None:
        step = RawStep(fn, tuple(grad_outputs), tuple(grad_inputs))
        if (
            jacobians
            and len(grad_outputs) == 1
            and (template := grad_outputs[0]) is not None
            and template.numel() <= most_rows
            and len(steps) in window
        ):
            if free_row(fn, template):  # made from the step's grad_inputs when read
                step.free_row_elements = max_jacobian_elements
            else:
                step.jacobians = local_jacobians(
                    fn, step.grad_outputs, max_jacobian_elements, max_jacobian_rows
                )
        if saved_sink is not None and id(fn) not in saved_sink:
            saved = read_saved(fn)
            if saved is not None:
                saved_sink[id(fn)] = kept_apart(saved, saved_makers)
        append(step)

    # One hook per node, the node bound by functools.partial: cheaper to make and to call than a
    # closure per node (a 5,000-node MLP's backward: 35 ms of hooks, not 47).
    post = record_more if jacobians or saved_sink is not None else record
    try:
        for fn in raw.nodes:
            handles.append(fn.register_hook(partial(post, fn)))
        return run()
    finally:
        for h in handles:
            h.remove()
