"""What the recorder saw, as typed records with ids: the input of every payload shape.

The recorder keys its dicts by `id()` of live objects; everything past this module speaks node ids
(topological indices) and holds tensors, never JSON. Shaping (readable.py, compact.py) and details
(details.py) read these records and nothing of the recorder's internals.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
import torch

from autograd_explorer.errors import line_text
from autograd_explorer.lang.contract import LABEL_CHARS, ProgramRun, Span, cut_label
from autograd_explorer.trace.backward_capture import (
    HookRan,
    Node,
    RawPass,
    RawStep,
    read_saved,
    read_shown_saved,
)
from autograd_explorer.trace.graph import GraphIndex, index_graph
from autograd_explorer.trace.internal_values import read_back
from autograd_explorer.trace.naming import display_names, latex_symbol, op_short, unicode_name
from autograd_explorer.trace.program_output import shown_output
from autograd_explorer.trace.recorder import ForwardRecord, LeafRecord, TraceRecorder, root_node
from autograd_explorer.trace.regions import CallRun, LoopTurn
from autograd_explorer.trace.values import dtype_name, stacked

SAVED_KINDS = (torch.Tensor, bool, int, float)  # the saved values a node shows (not sizes, dtypes…)
_KIND = attrgetter("dtype", "shape", "requires_grad")  # what running_sums' numpy path needs alike
MANY_SUMS = 8  # contributions to one node from which they are summed with numpy (running_sums)


SavedValue = torch.Tensor | bool | int | float
# One node as TraceFacts._rows describes it, NodeColumns' fields in order up to `saved` (module and
# call come from the region tags, loop from the node's ForwardRecord or, for a node a region
# claimed, its tag): a plain tuple per node, turned into columns by one zip in C.
# (A dataclass per node, read again field by field by a second loop of the shaper: the node
# stages of the 5,000-node MLP took 15 ms per 1,000 op nodes, now 11.5; docs/trace.md.)
NodeRow = tuple[
    str, str, str | None, Span | None, list[int] | None, str | None, torch.Tensor | None, str | None,
    torch.Tensor | None, bool, bool, bool, bool, list[tuple[str, SavedValue]],
]  # fmt: skip


@dataclass
class NodeColumns:
    """Every graph node as the payload describes it (tensors still tensors): node i is position i
    of each column, as the compact form sends them; the readable form reads them a node at a time."""

    op: list[str]
    label: list[str]
    name: list[str | None]
    span: list[Span | None]
    shape: list[list[int] | None]
    dtype: list[str | None]
    value: list[torch.Tensor | None]
    value_note: list[str | None]
    grad: list[torch.Tensor | None]  # the tensor's own .grad after the program
    requires_grad: list[bool]
    is_leaf: list[bool]
    is_output: list[bool]
    retains_grad: list[bool]
    saved: list[list[tuple[str, SavedValue]]]
    module: list[str | None]  # the module path whose forward made it (`model.fc1`)
    call: list[str | None]  # the program's function call that made it (`f(x) at line 9`)
    loop: list[LoopTurn | None]  # the turn of the innermost `for`/`while` running when it was made
    call_run: list[CallRun | None]  # which call it was (a notebook's say none)

    @classmethod
    def of(cls, rows: list[NodeRow], regions: Regions) -> NodeColumns:
        """The rows as columns."""
        columns: list[list[Any]] = [list(column) for column in zip(*rows, strict=True)]
        return cls(*columns, *regions)  # type: ignore[call-arg]  # mypy counts no star arguments


class Regions(NamedTuple):
    """Per node its module path, call label, loop turn and call run (NodeColumns' last four)."""

    module: list[str | None]
    call: list[str | None]
    loop: list[LoopTurn | None]
    call_run: list[CallRun | None]


@dataclass(slots=True)
class Contribution:
    """What one step sent to one input: the gradient, and that node's accumulator after adding it."""

    slot: int
    to: int
    grad: torch.Tensor
    accumulated: torch.Tensor


@dataclass(slots=True)
class StepFacts:
    """One node as the engine ran it, with the contributions that reached graph nodes."""

    index: int
    node: int
    raw: RawStep
    contributions: list[Contribution]

    @property
    def grad_output(self) -> torch.Tensor | None:
        """The gradient the engine delivered to the node."""
        return self.raw.grad_outputs[0] if self.raw.grad_outputs else None


class HooksAt(NamedTuple):
    """The hooks that ran before one step's node: the listed ones, and how many more."""

    listed: list[HookRan]
    more: int


NO_HOOKS = HooksAt([], 0)


@dataclass
class PassFacts:
    """One backward()/autograd.grad call: roots, seeds (the accumulators it starts from), steps.

    The steps are columns, as the compact form sends them, filled by the replay with no object per
    step or contribution (three objects per step, then flattened again by the shaper: the pass
    columns of the 5,000-node MLP took 9.0 ms per 1,000 op nodes, now 5.5).
    Step k ran node `node[k]` (the engine's record of it: `ran[k]`); the engine delivered it
    `tensors[at[k]]`; its contributions are j in [start[k], start[k + 1]): to node `to[j]` at its
    input slot `slot[j]`, the gradient `tensors[at[k] + 1 + 2 (j - start[k])]` followed by the
    accumulator it made. `step(k)` rebuilds one as an object, for what reads them one at a time
    (the readable form, details).
    """

    index: int
    raw: RawPass
    roots: list[int]
    seeds: dict[int, torch.Tensor]  # root id -> its initial accumulator
    node: list[int] = field(default_factory=list)
    ran: list[RawStep] = field(default_factory=list)
    at: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=lambda: [0])
    slot: list[int] = field(default_factory=list)
    to: list[int] = field(default_factory=list)
    # per step its grad_output, then per contribution its gradient and accumulator: the order the
    # compact value table numbers them
    tensors: list[torch.Tensor | None] = field(default_factory=list)
    # (node id, its tensor's .grad after the pass) for the leaves and retained tensors of the graph,
    # by id: two nodes can be named alike (a name bound again to another tensor)
    node_grads: list[tuple[int, torch.Tensor | None]] = field(default_factory=list)
    # step -> the program's gradient hooks the engine called before its node, in the order they ran
    # (steps in order), and how many more ran there past HOOKS_PER_STEP
    hooks: dict[int, list[HookRan]] = field(default_factory=dict)
    more_hooks: dict[int, int] = field(default_factory=dict)

    def hooks_at(self, k: int) -> HooksAt:
        """The program's hooks that ran just before step k's node, and how many more ran unlisted
        (looked up, not searched: the readable form asks at every step)."""
        if not self.hooks:
            return NO_HOOKS
        return HooksAt(self.hooks.get(k, []), self.more_hooks.get(k, 0))

    @property
    def step_count(self) -> int:
        """How many steps the pass ran (graph nodes only)."""
        return len(self.node)

    def grad_outputs(self) -> list[torch.Tensor | None]:
        """What the engine delivered to each step's node, in step order."""
        tensors = self.tensors
        return [tensors[i] for i in self.at]

    def more_outputs(self, multi: set[int]) -> list[tuple[int, int, torch.Tensor | None]]:
        """(step, output, gradient) for each output past the first of the steps whose node has
        several outputs read by the program (`multi`: GraphIndex.multi_output); none when none."""
        if not multi:
            return []
        return [
            (k, j, g)
            for k, nid in enumerate(self.node)
            if nid in multi
            for j, g in enumerate(self.ran[k].grad_outputs[1:], start=1)
        ]

    def step(self, k: int) -> StepFacts:
        """Step k as an object, with its contributions."""
        slot, to, tensors = self.slot, self.to, self.tensors
        lo, hi, at = self.start[k], self.start[k + 1], self.at[k]
        contributions = [
            Contribution(slot[j], to[j], tensors[g], tensors[g + 1])  # type: ignore[arg-type]
            for j, g in zip(range(lo, hi), range(at + 1, at + 1 + 2 * (hi - lo), 2), strict=True)
        ]
        return StepFacts(k, self.node[k], self.ran[k], contributions)

    @cached_property
    def steps(self) -> list[StepFacts]:
        """Every step as an object (the readable form reads them one at a time)."""
        return [self.step(k) for k in range(self.step_count)]


class TraceFacts:
    """The graph's nodes with names and symbols, and every pass replayed into contributions."""

    def __init__(
        self, recorder: TraceRecorder, run: ProgramRun, output: torch.Tensor, max_nodes: int
    ) -> None:
        self.rec = recorder
        self.run = run
        # The pass shown: the one asked for, else the last. A program of many passes (a training
        # loop) ships only its steps and its graph, one iteration's, not thousands of copies.
        self.shown_pass = recorder.pass_index if recorder.pass_index is not None else recorder.pass_count - 1
        if recorder.pass_count > recorder.keep_all_passes:
            shipped = [p for p in recorder.passes if p.index == self.shown_pass]
        else:
            shipped = recorder.passes
        # what the shown pass differentiated, when the program named no output (program_output.py)
        differentiated = [t for p in shipped if p.index == self.shown_pass for t in p.outputs]
        self.output, self.output_name = shown_output(run, output, differentiated), run.output_name
        out_root = root_node(self.output)
        roots: list[Node] = [r for p in shipped for r in p.roots]
        if recorder.pass_count <= recorder.keep_all_passes:
            roots.append(out_root)
        self.index: GraphIndex = index_graph(roots, max_nodes)
        self.output_id = self.index.node_id(out_root)
        self.names, leaf = self._names()
        if self.output is not output:  # its name is the variable that held the loss, if any
            self.output_name = self.names[self.output_id] if self.output_id is not None else None
        self.shown_names = display_names(self.names, leaf, self.output_id)
        # the names display_names made (a letter and a number, or f) written out directly: the
        # regex of latex_symbol for each took 5x longer (z12 -> z_{12})
        self.symbols = [
            latex_symbol(shown) if named or len(shown) == 1 else f"{shown[0]}_{{{shown[1:]}}}"
            for named, shown in zip(self.names, self.shown_names, strict=True)
        ]
        self.shipped = shipped  # the recorder's passes whose steps are sent
        self.passes = [self._replay(raw.index, raw) for raw in shipped]

    @cached_property
    def readable(self) -> list[str]:
        """Each node's name for narration (z₁): only the steps a user opens are narrated."""
        return [unicode_name(n) for n in self.shown_names]

    def readable_name(self, nid: int) -> str:
        """One node's name for narration (z₁), without naming every node (a pass's start names its roots)."""
        return unicode_name(self.shown_names[nid])

    @property
    def nodes(self) -> list[Node]:
        """Graph nodes by id."""
        return self.index.nodes

    def node_columns(self) -> NodeColumns:
        """Every node described; a graph-less output is one Constant node."""
        if not self.nodes:
            return NodeColumns.of([self._constant_node()], Regions([None], [None], [None], [None]))
        rows, regions = self._rows()
        return NodeColumns.of(rows, regions)

    def pass_by_index(self, index: int | None) -> PassFacts | None:
        """A shipped pass by its index among all the program's passes (None: the shown one)."""
        wanted = self.shown_pass if index is None else index
        return next((p for p in self.passes if p.index == wanted), None)

    def _rows(self) -> tuple[list[NodeRow], Regions]:
        """Each node's row, module, call and loop, in one loop over the nodes with everything it reads
        bound once. (A method call per node, each reading the recorder's dicts through attributes
        and calling saved_of, forward_record, dtype_name and regions.leaf_module: 6 µs a node of the
        5,000-node MLP, now about half of that.)"""
        rec = self.rec
        frozen = rec.frozen is not None
        forward_get, saved_get, saved_store = rec.forward.get, rec.saved.get, rec.saved
        tags_get, leaf_module = rec.regions.tags.get, rec.regions.leaf_module
        names, output_id = self.names, self.output_id
        dtypes: dict[torch.dtype, str] = {}
        rows: list[NodeRow] = []
        module: list[str | None] = []
        call: list[str | None] = []
        loop: list[LoopTurn | None] = []
        call_run: list[CallRun | None] = []
        internal: list[int] = []  # the op nodes with no record, in id order
        for i, fn in enumerate(self.index.nodes):
            op = type(fn).__name__
            key = id(fn)
            if op == "AccumulateGrad":
                rows.append(self._leaf_row(i, fn, frozen))
                module.append(leaf_module(fn))
                call.append(None)  # a parameter is made by no call and in no loop
                loop.append(None)
                call_run.append(None)
                continue
            tag = tags_get(key)
            if tag is not None and tag[0] is fn:
                module.append(tag[1])
                call.append(tag[2])
                call_run.append(tag[4])
            else:
                tag = None
                module.append(None)
                call.append(None)
                call_run.append(None)
            name = names[i]
            is_output = i == output_id
            saved_values = saved_get(key)  # saved_of, inlined
            if saved_values is None:
                saved_values = saved_store[key] = read_shown_saved(fn) or {}
            saved = [(k, v) for k, v in saved_values.items() if isinstance(v, SAVED_KINDS)]
            entry = forward_get(key)
            if entry is not None and entry[0] is fn:
                record = entry[1]
                retains = bool(record.tensor.retains_grad)
                # an operation's own .grad: only when retain_grad() kept it (grad_of, inlined)
                grad = rec.grad_of(fn) if frozen else record.tensor.grad if retains else None
                text, value = record.text, record.value
                loop.append(record.loop)
                label = text if len(text) <= LABEL_CHARS else long_label(text, op)
                dtype = dtypes.get(kind := value.dtype)
                if dtype is None:
                    dtype = dtypes[kind] = dtype_name(value)
                row: NodeRow = (
                    op, label, name, record.span, list(value.shape), dtype, value, None, grad, True, False,
                    is_output, retains, saved,
                )  # fmt: skip
                rows.append(row)
                continue
            internal.append(i)
            loop.append(tag[3] if tag is not None else None)  # a region claimed it
            grad = rec.grad_of(fn) if frozen else None  # no record: no tensor that could retain it
            meta = getattr(fn, "_input_metadata", None)
            row = (
                op, op_short(op), name, None, list(meta[0].shape) if meta else None,
                str(meta[0].dtype).removeprefix("torch.") if meta else None, None, internal_note(op),
                grad, True, False, is_output, False, saved,
            )  # fmt: skip
            rows.append(row)
        if internal:
            self._name_calls(rows, internal)
            read_back(
                self.index.nodes, self.index.inputs, rows, internal, self._steady_leaves(), rec.saved_makers
            )
        return rows, Regions(module, call, loop, call_run)

    def _steady_leaves(self) -> set[int]:
        """The leaf nodes whose tensor no in-place op changed since the passes that read it began: a
        view of one made by the forward (`weight.t()` in nn.Linear) still shows what the forward
        read. None read by the tracer's own pass, which comes after the whole program."""
        id_of, nodes = self.index.id_of, self.index.nodes
        verdict: dict[int, bool] = {}
        for p in self.shipped:
            auto = p.kind == "auto"
            for key, version in p.leaf_versions.items():
                nid = id_of.get(key)
                if nid is not None:
                    same = not auto and nodes[nid].variable._version == version
                    verdict[nid] = verdict.get(nid, True) and same
        return {nid for nid, same in verdict.items() if same}

    def _name_calls(self, rows: list[NodeRow], internal: list[int]) -> None:
        """Label each internal node that one of the program's calls made (`view in torch.einsum(…)`),
        with that call's span and a note naming it (making_calls says which)."""
        nodes, forward = self.index.nodes, self.rec.forward
        formula_ends = {self.index.node_id(fn) for p in self.shipped for fn in p.gradient_nodes}
        # (op, call's text, its line) -> label and note: an einsum in a loop makes the same few
        # (4,432 internal nodes of 5,542 labelled one by one took the facts stage from 58 to 99 ms)
        said: dict[tuple[str, str, int | None], tuple[str, str]] = {}
        for i, owner in making_calls(self.index.inputs, internal, formula_ends).items():
            record = forward[id(nodes[owner])][1]
            row = rows[i]
            op, span = row[0], record.span
            key = (op, record.text, span.line if span is not None else None)
            words = said.get(key)
            if words is None:
                words = said[key] = (call_label(op_short(op), record.text, span), called_note(op, record))
            rows[i] = (op, words[0], row[2], span, *row[4:7], words[1], *row[8:])

    def _leaf_row(self, i: int, fn: Node, frozen: bool) -> NodeRow:
        """A leaf's row: its tensor, and its own `.grad` now, after every pass (a leaf's sums all
        its backward calls: the accumulation pitfall; what one pass delivered is in that pass's
        steps, not here). A notebook recording shaped later reads the copies frozen at the block's end."""
        name = self.names[i]
        grad = self.rec.grad_of(fn) if frozen else fn.variable.grad
        tensor = self.rec.leaf_value(fn)
        leaf = self.leaf_record(fn)
        label = name or (
            leaf.text if leaf and leaf.text else self.rec.regions.parameter_name(fn.variable) or "leaf"
        )
        span = leaf.span if leaf else None
        return (
            "AccumulateGrad", label, name, span, list(tensor.shape), dtype_name(tensor), tensor, None, grad,
            True, True, i == self.output_id, False, [],
        )  # fmt: skip

    def _constant_node(self) -> NodeRow:
        run, out = self.run, self.output
        return (
            "Constant", run.output_name or "output", run.output_name, run.output_span, list(out.shape),
            dtype_name(out), out, None, None, False, True, True, False, [],
        )  # fmt: skip

    def _names(self) -> tuple[list[str | None], list[bool]]:
        """Each node's user name (`_name_of`, inlined for operations: once a node), and whether it
        is a leaf."""
        names: list[str | None] = []
        leaf: list[bool] = []
        names_get = self.rec.names.get
        for fn in self.index.nodes:
            if type(fn).__name__ == "AccumulateGrad":
                names.append(self._name_of(fn))
                leaf.append(True)
            else:
                named = names_get(id(fn))
                names.append(named[1] if named and named[0] is fn else None)
                leaf.append(False)
        return names, leaf

    def _name_of(self, fn: Node) -> str | None:
        if type(fn).__name__ == "AccumulateGrad":
            # A module's parameter is called as named_parameters() calls it (model.fc1.weight), not
            # by the loop variable that last held it (`for param in model.parameters()`).
            return self.rec.regions.parameter_name(fn.variable) or self.rec.name_of_tensor(fn.variable)
        named = self.rec.names.get(id(fn))
        return named[1] if named and named[0] is fn else None

    def forward_record(self, fn: Node) -> ForwardRecord | None:
        """What the program showed of this op node, if it ran in the program's sight."""
        entry = self.rec.forward.get(id(fn))
        return entry[1] if entry and entry[0] is fn else None

    def leaf_record(self, fn: Node) -> LeafRecord | None:
        """Where a leaf node's tensor came from."""
        return self.rec.leaves.get(id(fn.variable))

    def saved_of(self, fn: Node) -> dict[str, object]:
        """The node's saved values: read during a pass that freed them, else read now (once)."""
        saved = self.rec.saved.get(id(fn))
        if saved is None:
            saved = read_saved(fn) or {}
            self.rec.saved[id(fn)] = saved
        return saved

    def _replay(self, index: int, raw: RawPass) -> PassFacts:
        """Re-add the recorded gradients in engine order: each contribution and the sum it makes."""
        acc: dict[int, torch.Tensor] = {}
        roots: list[int] = []
        for root, seed in zip(raw.roots, raw.fill_seeds(), strict=False):
            rid = self.index.node_id(root)
            if rid is not None:
                roots.append(rid)
                acc[rid] = seed if rid not in acc else acc[rid] + seed
        facts = PassFacts(index, raw, roots, dict(acc))
        node_grads: dict[int, torch.Tensor | None] = {}
        for fn, g in raw.node_grads_after:  # a node of several outputs (`a, b = x.split(1)`): its first
            nid = self.index.node_id(fn)
            if nid is not None:
                node_grads.setdefault(nid, g)
        facts.node_grads = sorted(node_grads.items(), key=lambda item: item[0])
        id_of, inputs, multi = self.index.id_of, self.index.inputs, self.index.multi_output
        # a node with several outputs (`x.split(…)`) sums each output's gradients apart: keyed
        # (node, output), never mixed with another output's (a tensor of another shape, or of the
        # same shape but another value)
        outputs: dict[tuple[int, int], torch.Tensor] = {}
        output_sums: dict[tuple[int, int], list[int]] = {}
        node, ran, at, start, slot, to = facts.node, facts.ran, facts.at, facts.start, facts.slot, facts.to
        tensors = facts.tensors
        # per node, the positions in `tensors` of the gradients added to its accumulator after
        # what it starts from (a seed, else its first contribution), in engine order: summed after
        # the walk, a node at a time
        sums: dict[int, list[int]] = {}
        for step in raw.steps:
            nid = id_of.get(id(step.fn))
            if nid is None:
                continue
            node.append(nid)
            ran.append(step)
            at.append(len(tensors))
            tensors.append(step.grad_outputs[0] if step.grad_outputs else None)
            grads = step.grad_inputs
            if type(step.fn).__name__ != "AccumulateGrad":
                for k, target in enumerate(inputs[nid]):
                    g = grads[k] if k < len(grads) else None
                    if target is None or g is None:
                        continue
                    slot.append(k)
                    to.append(target)
                    if target in multi:
                        output = (target, step.fn.next_functions[k][1])
                        if output in outputs:
                            output_sums.setdefault(output, []).append(len(tensors))
                        else:
                            outputs[output] = g
                    elif target in acc:
                        sums.setdefault(target, []).append(len(tensors))
                    else:
                        acc[target] = g
                    tensors.append(g)
                    tensors.append(g)  # its accumulator: its own gradient when it is the first
            start.append(len(to))
        if raw.hooks:  # a raw step of a node outside the graph is no step here: numbered anew
            position = {id(step): k for k, step in enumerate(ran)}
            steps = raw.steps

            def shown(raw_step: int) -> int | None:
                return position.get(id(steps[raw_step])) if raw_step < len(steps) else None

            for hook in raw.hooks:
                if (step_at := shown(hook.step)) is not None:
                    facts.hooks.setdefault(step_at, []).append(hook)
            for raw_step, more in (raw.more_hooks or {}).items():
                if (step_at := shown(raw_step)) is not None:
                    facts.more_hooks[step_at] = more
        for target, added in sums.items():
            running_sums(acc[target], tensors, added)
        for output, added in output_sums.items():
            running_sums(outputs[output], tensors, added)
        return facts


def running_sums(start: torch.Tensor, tensors: list[torch.Tensor | None], added: list[int]) -> None:
    """Write each accumulator: `start` plus the gradient at each position of `added` and those
    before it, summed in order, into the position after that gradient.

    A shared weight takes one contribution per use (333 for the MLP bench's W): summed one by one
    with numpy's `add.accumulate`, in one call, the same float32 (or float64) additions in the same
    order as `acc + g` each, so the same bits; torch, one addition at a time, for anything else.
    """
    grads: list[torch.Tensor] = [tensors[i] for i in added]  # type: ignore[misc]
    if (
        len(added) >= MANY_SUMS
        and start.dtype in (torch.float32, torch.float64)
        and not start.requires_grad
        # each gradient's dtype, shape and requires_grad read by one map in C: 1,666 gradients of
        # the MLP's W in 0.2 ms, not 0.6 by a generator
        and set(map(_KIND, grads)) == {(start.dtype, start.shape, False)}
    ):
        with torch.no_grad():
            terms = stacked([start, *grads]).numpy()
        running = torch.from_numpy(np.add.accumulate(terms, axis=0)).unbind(0)
        for i, total in zip(added, running[1:], strict=True):
            tensors[i + 1] = total
        return
    total = start
    for i, g in zip(added, grads, strict=True):
        total = total + g
        tensors[i + 1] = total


def making_calls(
    inputs: list[tuple[int | None, ...]], internal: list[int], barriers: set[int | None]
) -> dict[int, int]:
    """internal node -> the recorded node that made it: the one every path from it toward the
    output reaches first (the result of the program's call whose library code made it).

    One pass over the consumers from the output back (ids are a topological order: a node's
    consumers come after it, so each one's answer is final before its producers read it); a node
    whose paths reach different recorded nodes, or none (a graph's root, a backward formula's
    result: `barriers`), has no entry. Only consumers past the first internal node are read.
    """
    inside = set(internal)
    owner: dict[int, int] = {}
    for c in range(len(inputs) - 1, internal[0], -1):
        producers = inputs[c]
        if inside.isdisjoint(producers):
            continue
        made = MIXED if c in barriers else owner.get(c, MIXED) if c in inside else c
        for p in producers:
            if p in inside:
                seen = owner.setdefault(p, made)
                if seen != made:
                    owner[p] = MIXED
    return {p: o for p, o in owner.items() if o != MIXED}


MIXED = -1  # an internal node whose consumers were made by different calls (or none)
NOTE_CALL_CHARS = 80  # of a call's text in an internal node's note


@lru_cache(maxsize=1024)
def long_label(text: str, op: str) -> str:
    """A node's label when the code that made it is over LABEL_CHARS: a call as the code spells it,
    its last arguments left out (`criterion(model(X_train).squeeze(), …)`), else the op and the
    code's start (`mul (a * b + torch.sin(c) * torch.co…)`). SimpleNN's loss read `binarycrossentropy
    (criterion(model(X_train).squeeze…)`: the op is on the node's next line already."""
    call = _one_call(text)
    if call is not None:
        arguments: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
        starts = sorted(arg.col_offset for arg in arguments)  # UTF-8 bytes, as ast counts
        encoded = text.encode()
        for start in reversed(starts[1:]):  # as many leading arguments as fit, at least one
            kept = encoded[:start].decode()  # "criterion(model(X_train).squeeze(), "
            if len(kept) + 2 <= LABEL_CHARS:
                return f"{kept}…)"
    return f"{op_short(op)} ({text[: LABEL_CHARS - 8]}…)"


def _one_call(text: str) -> ast.Call | None:
    """The call `text` is, written on one line, or None."""
    if "\n" in text:
        return None
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    return tree.body if isinstance(tree.body, ast.Call) else None


def call_label(short: str, text: str, span: Span | None) -> str:
    """An internal node's label: its op and the call that made it, within LABEL_CHARS
    (`view in torch.einsum("bij,bjd->bid", w, v)`, else `view in torch.einsum(…)`); `for` a result
    the program only named (`addmm for out`: `out, w = mha(x, x, x)`)."""
    whole = " ".join(text.split())
    made = "for" if span is not None and whole.isidentifier() else "in"
    label = f"{short} {made} {whole}"
    if len(label) <= LABEL_CHARS:
        return label
    callee = called_name(whole)
    if callee is not None and len(short) + len(callee) + 7 <= LABEL_CHARS:
        return f"{short} in {callee}(…)"
    return cut_label(label)


def called_name(text: str) -> str | None:
    """`torch.einsum` of `torch.einsum("bid,bjd->bij", q, k)`: the callee when the text is one call."""
    head = text.split("(", 1)[0]
    if not head or head == text or not text.endswith(")") or not head.replace(".", "").isidentifier():
        return None
    depth = 0
    for k in range(len(head), len(text)):  # its own parenthesis must close at the end
        depth += (text[k] == "(") - (text[k] == ")")
        if depth == 0:
            return head if k == len(text) - 1 else None
    return None


def called_note(op: str, record: ForwardRecord) -> str:
    """The value_note of an internal node one of the program's calls made."""
    text = " ".join(record.text.split())
    if len(text) > NOTE_CALL_CHARS:
        text = text[: NOTE_CALL_CHARS - 1] + "…"
    if record.span is None:  # a library module's output (`t in model.0`)
        return f"{op}: an internal node of {text}; the program never saw its value"
    call = f"the call that made {text}" if text.isidentifier() else text
    where = line_text(record.span.line, record.span.file)
    return f"{op}: an internal node of {call} ({where}); the program never saw its value"


def internal_note(op: str) -> str:
    """The value_note of a node the program never saw (inside a library call or a backward formula)."""
    return (
        f"{op}: an internal node (inside a library call or a backward formula); "
        "the program never saw its value"
    )
