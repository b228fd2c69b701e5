"""The tracer's ProgramObserver: remembers what each operation produced, and hooks backward calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import (
    LABEL_CHARS,
    BackwardRequest,
    ModuleGradients,
    Region,
    Span,
    mark_failed_pass,
    run_plain_backward,
)
from autograd_explorer.trace.backward_capture import (
    HOOKS_PER_STEP,
    HookRan,
    Node,
    RawPass,
    capture_pass,
    graph_nodes,
)
from autograd_explorer.trace.complex_values import complex_refusal
from autograd_explorer.trace.pass_summary import PassSummary, summarize_pass
from autograd_explorer.trace.regions import LoopTurn, RegionTags, module_outputs
from autograd_explorer.trace.values import sent_whole

# A program of at most this many passes keeps them all, step by step (a lecture's two or three
# calls, compared side by side); beyond it only the shown pass is (a training loop's 4000).
KEEP_ALL_PASSES = 10


@dataclass(slots=True)  # one per graph node: no __dict__ to make and free
class ForwardRecord:
    """What the user's program showed of one graph node while it ran."""

    value: torch.Tensor  # a detached copy taken when the op ran, or its memory (`version` then)
    tensor: torch.Tensor  # the live tensor (for retains_grad / .grad)
    span: Span | None  # None for ops of our own code (function_trace), which has no user source
    text: str
    version: int = -1  # not a copy: the memory's version counter then (in-place ops advance it)
    loop: LoopTurn | None = None  # the turn of the innermost loop of the program running then


@dataclass
class LeafRecord:
    """A leaf tensor that requires grad, and where it came from."""

    tensor: torch.Tensor
    span: Span | None = None
    text: str | None = None


@dataclass
class TraceRecorder:
    """Collects forward records, names and backward passes during one program run."""

    jacobians: bool = True
    max_jacobian_elements: int = 1_024
    max_jacobian_rows: int | None = None  # one call of the node per row (None: as elements allow)
    max_nodes: int = 20_000
    max_jacobian_steps: int = 2_000
    # (pass index, first step, stop): Jacobians for these steps only (details on demand)
    jacobian_window: tuple[int | None, int, int] | None = None  # pass None: every pass
    # The pass to keep step by step (beyond KEEP_ALL_PASSES); None: the last one. Every pass
    # leaves a PassSummary either way.
    pass_index: int | None = None
    keep_all_passes: int = KEEP_ALL_PASSES
    # Past KEEP_ALL_PASSES with no pass_index, summarize only (the tracer runs the program again
    # for the last pass): Jacobians in every hook of a 4000-pass loop cost more than a second run.
    summarize_past_keep_all: bool = False
    pass_count: int = 0
    summaries: list[PassSummary] = field(default_factory=list)
    # The web trace refuses a complex value at the line that made it (program_output.py); checked
    # here rather than in a wrapper: one Python call less for every operation of a loop.
    real_only: bool = False
    _recording: bool = True  # records_now(), kept current: on_tensor runs per operation
    # A range loop around the running code has turns left (lang/repeats.py): with no pass_index,
    # its passes are not shown (a later one is), so they are summarized only.
    repeating: bool = False
    skip_repeating: bool = True  # False: record them anyway (the tracer's second run, tracer.py)
    # The latest pass was recorded step by step, with the values of every node the program saw
    # made; when not, the tracer runs the program again to record it (a loop left by `break`).
    last_pass_complete: bool = True
    # Values that will be sent whole (at most this many elements; 0: none) are not copied: the
    # record keeps the op's own memory, detached, and its version; `values_changed` says whether
    # an in-place op changed one since (then the tracer runs the program again, copying). A copy
    # of each of a 4x8 MLP's activations was a fifth of what the recorder added to its forward.
    share_values_up_to: int = 0
    _capturing: RawPass | None = None  # the pass being recorded step by step, while it runs

    def __post_init__(self) -> None:
        self._recording = self.records_now()

    forward: dict[int, tuple[Node, ForwardRecord]] = field(default_factory=dict)
    names: dict[int, tuple[Node, str]] = field(default_factory=dict)
    leaves: dict[int, LeafRecord] = field(default_factory=dict)
    passes: list[RawPass] = field(default_factory=list)
    saved: dict[int, dict[str, object]] = field(default_factory=dict)  # snapshot before a pass frees them
    # id(copy) -> (the copy, the node that made the tensor) for the saved values copied there
    # (backward_capture.kept_apart): what internal_values reads a copy's maker from
    saved_makers: dict[int, tuple[torch.Tensor, Node]] = field(default_factory=dict)
    detach_spans: list[tuple[Span | None, str]] = field(default_factory=list)
    bound: dict[str, torch.Tensor] = field(default_factory=dict)  # each name's latest tensor
    tensor_names: dict[int, tuple[torch.Tensor, str]] = field(default_factory=dict)  # id -> (tensor, name)
    depths: dict[int, int] = field(default_factory=dict)  # id(node) -> operations on its longest path
    regions: RegionTags = field(default_factory=RegionTags)  # the module and call each node came from
    # freeze(): what shaping reads instead of live tensors a later in-place change could alter
    frozen: FrozenState | None = None
    _shared_shapes: dict[torch.Size, bool] = field(default_factory=dict)  # shape -> kept uncopied
    wants_regions = True

    # --- ProgramObserver ----------------------------------------------------------------
    def on_tensor(self, value: torch.Tensor, span: Span | None, text: str) -> None:
        """Remember the op's output value for its grad_fn (first sighting wins), and refuse a graph
        deeper than max_nodes (`y = y * 2` in a loop of 10⁵ turns).

        Once Python has read the grad_fn of its nodes, PyTorch frees such a chain recursively:
        about 10⁵ deep overflows the C stack and the process dies (measured with torch 2.13:
        40,000 deep is freed, 120,000 is not). Refused here, at 20,000 by default, it is freed safely.
        The depth check is written out here, not called: this runs once per operation.
        """
        if self.real_only and value.is_complex():
            raise complex_refusal(f"`{text}`" if len(text) <= LABEL_CHARS else "this value", span)
        fn = value.grad_fn
        if fn is not None:
            key = id(fn)
            seen = self.forward.get(key)
            if seen is not None:
                if seen[1].span is None and span is not None and self._recording:
                    # a library module's output (leave_region), now seen by the program itself
                    # (`model(X)`): its own text and span name it
                    self.forward[key] = (fn, self._forward_record(value, span, text))
            else:
                depths = self.depths
                deepest = 0  # of its inputs: a plain loop, no max() call
                for n, _ in fn.next_functions:
                    if n is not None:
                        d = depths.get(id(n), 0)
                        if d > deepest:
                            deepest = d
                if deepest >= self.max_nodes:
                    self._too_deep(span)
                depths[key] = deepest + 1
                if self._recording:
                    self.forward[key] = (fn, self._forward_record(value, span, text))
                    self.regions.tag(fn)
        elif value.requires_grad:
            self._remember_leaf(value, span, text)
        elif "detach" in text:
            self.detach_spans.append((span, text))

    def _too_deep(self, span: Span | None) -> None:
        where = (span.line, span.column, span.end_line, span.end_column) if span else (None,) * 4
        raise ProgramError(
            "limit",
            f"the graph is more than {self.max_nodes} operations deep (max_trace_nodes): a chain "
            "that long cannot be traced; detach() or rebuild the graph each iteration",
            *where,
        )

    def _forward_record(self, value: torch.Tensor, span: Span | None, text: str) -> ForwardRecord:
        """What an op made: its value copied, or (small enough to be sent whole) its memory; and the
        loop it was made in, kept here, not as a region tag: a chain made in a loop has every node
        in it, and a tag per node (a tuple in a dict the facts read again) cost 1 µs a node."""
        loops = self.regions.loops
        loop = loops[-1] if loops else None  # regions.now_loop(), written out: this runs per operation
        if self.share_values_up_to:
            shared = self._shared_shapes.get(value.shape)
            if shared is None:
                n, limit = value.numel(), self.share_values_up_to
                shared = self._shared_shapes[value.shape] = n > 0 and sent_whole(list(value.shape), n, limit)
            # not a view: a parameter's `W.T`, updated in place by every training step, would
            # make the program run again; only an in-place op on the output itself changes it
            if shared and not value._is_view():
                kept = value.detach()
                return ForwardRecord(kept, value, span, text, kept._version, loop)
        return ForwardRecord(value.detach().clone(), value, span, text, -1, loop)

    def values_changed(self) -> bool:
        """Whether an in-place op changed a value kept uncopied since it was recorded."""
        return any(r.version != -1 and r.value._version != r.version for _, r in self.forward.values())

    def on_assign(self, name: str, value: object, span: Span | None) -> None:
        """Attach the user's variable name to the node (or leaf) holding the value."""
        if not isinstance(value, torch.Tensor):
            if isinstance(value, torch.nn.Module) and name != "self":
                self.regions.bind(name, value)  # its parameters are named name.fc1.weight
            return
        if self.real_only and value.is_complex():  # e.g. unpacked from a tuple
            raise complex_refusal(name, span)
        # A tensor (and its node) keeps the name it has while that name still holds it: a loop over
        # tensors binds each to its variable in turn (`for p in parameters: p.grad = None`,
        # makemore's `for t in [logprobs, probs, ...]: t.retain_grad()`), and every one was drawn as
        # `p` or `t`, showing the .grad of whichever the name held at the end (the page reads
        # pass.grads by name).
        bound = self.bound
        known = self.tensor_names.get(id(value))
        if known is None or known[0] is not value or bound.get(known[1]) is not value:
            self.tensor_names[id(value)] = (value, name)  # the reference keeps the id unique
        fn = value.grad_fn
        if fn is not None:
            named = self.names.get(id(fn))
            held = bound.get(named[1]) if named is not None else None
            still = isinstance(held, torch.Tensor) and held.grad_fn is fn
            if named is None or named[0] is not fn or not still:
                self.names[id(fn)] = (fn, name)
        bound[name] = value
        if fn is not None:
            seen = self.forward.get(id(fn))
            if self._recording and seen is None:  # e.g. bound by tuple unpacking
                self.forward[id(fn)] = (fn, self._forward_record(value, span, name))
                self.regions.tag(fn)
            elif self._recording and seen is not None and seen[1].span is None and span is not None:
                # a library module's output (leave_region) unpacked by the program (`output, (h, c) =
                # lstm(x)`): named by its variable and line, as on_tensor names `model(X)`
                self.forward[id(fn)] = (fn, self._forward_record(value, span, name))
        elif value.requires_grad:
            self._remember_leaf(value, span, None)

    def enter_region(self, region: Region) -> None:
        self.regions.enter(region)

    def next_turn(self) -> None:
        self.regions.next_turn()

    def leave_region(self, region: Region, result: object) -> None:
        # a pass that will not be shown keeps no graph: close the region without walking its result
        self.regions.leave(region, result, self.forward, claim=self._recording)
        if self._recording and region.kind == "module":
            self._record_module_output(region.label, result)

    def _record_module_output(self, label: str, result: object) -> None:
        """A module's outputs the program never saw made (nn.Sequential's layers run in library
        code) keep their values, named by the module's path (`model.3`): the graph shows each
        layer's activation, not "internal". The program's own sighting of one (`h = model(X)`, or
        `output, (h, c) = lstm(x)`) replaces the record with its text and span (on_tensor, on_assign).
        A tuple among the outputs is opened: nn.LSTM returns `output, (h_n, c_n)`."""
        for t in module_outputs(result):
            if not isinstance(t, torch.Tensor) or (fn := t.grad_fn) is None or id(fn) in self.forward:
                continue
            if self.real_only and t.is_complex():
                continue  # refused where the program reads it (on_tensor); none kept until then
            depths = self.depths
            deepest = max((depths.get(id(n), 0) for n, _ in fn.next_functions if n is not None), default=0)
            if deepest >= self.max_nodes:
                continue  # left to on_tensor, which refuses it at the program's line that read it
            self.depths[id(fn)] = deepest + 1
            # always a copy: an in-place layer next (`nn.ReLU(inplace=True)`) changes this memory,
            # and a shared record would make the whole program run again (values_changed)
            record = ForwardRecord(t.detach().clone(), t, None, label, -1, self.regions.now_loop())
            self.forward[id(fn)] = (fn, record)

    def _remember_leaf(self, value: torch.Tensor, span: Span | None, text: str | None) -> None:
        """Where a leaf requiring grad first appeared (its span and source text, when known)."""
        leaf = self.leaves.get(id(value))  # the record keeps the id unique
        if leaf is None:  # no record made to be thrown away: leaves are seen at every use
            leaf = self.leaves[id(value)] = LeafRecord(value)
        if leaf.span is None:
            leaf.span, leaf.text = span, text

    def run_backward(self, request: BackwardRequest) -> tuple[torch.Tensor | None, ...] | None:
        """Run the program's own backward()/autograd.grad under hooks, recording a pass."""
        outputs = list(request.outputs)
        roots = [root_node(t) for t in outputs]
        raw = RawPass(
            kind=request.kind,
            roots=[r for r in roots if r is not None],
            # None: ones like that output, made only if the pass is shown (RawPass.fill_seeds): a
            # training loop's thousands of passes summarized only would make them for nothing
            seeds=_pad(request.grad_outputs, len(outputs)),
            span=request.span,
            input_tensors=list(request.inputs),
            outputs=outputs,
        )
        frees_graph = not (request.retain_graph or request.create_graph)
        result: tuple[torch.Tensor | None, ...] | None = self._record_pass(
            raw, partial(run_plain_backward, request), frees_graph=frees_graph
        )
        if request.create_graph:
            made = result if result is not None else [fn.variable.grad for fn in raw.leaf_nodes()]
            raw.gradient_nodes = [g.grad_fn for g in made if g is not None and g.grad_fn is not None]
        return result

    # --- helpers ------------------------------------------------------------------------
    def run_auto_backward(self, output: torch.Tensor, seed: torch.Tensor) -> None:
        """The tracer's own backward on the output (retain_graph so saved tensors stay readable)."""
        root = root_node(output)
        raw = RawPass(kind="auto", roots=[root] if root is not None else [], seeds=[seed], outputs=[output])
        self._record_pass(
            raw,
            lambda: torch.autograd.backward([output], grad_tensors=[seed], retain_graph=True),
            frees_graph=False,  # retain_graph: saved tensors stay readable afterwards
        )

    def records_now(self) -> bool:
        """Whether the ops running now may be shown: not when a later pass was asked for and this
        program is past KEEP_ALL_PASSES (then only pass `pass_index`'s graph is shipped)."""
        n = self.pass_count  # the ops running now build the graph of pass n
        if n < self.keep_all_passes or n == self.pass_index:
            return True
        if self.pass_index is not None or self.summarize_past_keep_all:
            return False
        return not (self.repeating and self.skip_repeating)

    def on_repeating(self, repeating: bool) -> None:
        """A range loop around the running code has turns left (True) or none any more."""
        self.repeating = repeating
        self._recording = self.records_now()

    def _record_pass(self, raw: RawPass, run: Callable[[], Any], *, frees_graph: bool) -> Any:
        """Run one differentiation under hooks, keep the pass and the named .grad after it."""
        hooked = self.records_now()  # before counting this pass: its graph is what just ran
        raw.index = self.pass_count
        self.pass_count += 1
        self._recording = self.records_now()
        self.passes.append(raw)
        try:
            if hooked:
                result = self._capture(raw, run, frees_graph)
            else:  # a pass summarized only: its graph listed (for its leaves), no hook made
                raw.nodes = graph_nodes(raw.roots, self.max_nodes)
                result = run()
            if raw.kind == "grad" and result is not None:
                raw.results = result  # before the summary, which reads them
        except BaseException as exc:
            raw.failed = True
            mark_failed_pass(exc, raw.index)
            raise
        finally:  # also when backward raised (a program may catch it and go on)
            self.last_pass_complete = hooked and not self._missed_values(raw)
            copied: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
            if hooked:  # a pass summarized only is never shown: its .grad copies would go unread
                raw.grads_after, raw.node_grads_after, copied = self._grads_copied(raw)
            self.summaries.append(summarize_pass(raw, self.leaf_name, copied))
            self._forget_old_passes(raw)
        return result

    def on_gradient_hook(
        self, span: Span, text: str, grad: torch.Tensor | ModuleGradients, result: object
    ) -> None:
        """A program's hook ran in the engine, in the step about to be recorded: the engine runs a
        node's tensor hooks just before it and its post-hooks after it (a module's backward hook is
        one, registered before the tracer's, which records the step)."""
        raw = self._capturing
        if raw is None:
            return
        step, hooks = len(raw.steps), raw.hooks
        if len(hooks) >= HOOKS_PER_STEP and hooks[-HOOKS_PER_STEP].step == step:
            more = raw.more_hooks = raw.more_hooks or {}
            more[step] = more.get(step, 0) + 1
        else:
            hooks.append(HookRan(step, span, text, grad, result))

    def _capture(self, raw: RawPass, run: Callable[[], Any], frees_graph: bool) -> Any:
        """The pass run under hooks, step by step."""
        outer, self._capturing = self._capturing, raw
        try:
            return self._capture_steps(raw, run, frees_graph)
        finally:
            self._capturing = outer

    def _capture_steps(self, raw: RawPass, run: Callable[[], Any], frees_graph: bool) -> Any:
        steps = None
        if self.jacobian_window is not None:
            index, start, stop = self.jacobian_window
            steps = range(start, stop) if index in (None, raw.index) else range(0)
        return capture_pass(
            raw,
            run,
            jacobians=self.jacobians,
            jacobian_steps=steps,
            max_jacobian_elements=self.max_jacobian_elements,
            max_jacobian_rows=self.max_jacobian_rows,
            max_nodes=self.max_nodes,
            max_jacobian_steps=self.max_jacobian_steps,
            # a pass that frees the graph: read the saved tensors while they still exist
            saved_sink=self.saved if frees_graph else None,
            saved_makers=self.saved_makers,
        )

    def _missed_values(self, raw: RawPass) -> bool:
        """Whether the program saw a node of this pass made while values were not being kept (the
        graph was built in a loop turn that had turns left, and used after it)."""
        # the program saw it made: on_tensor measures every node's depth. A node kept in `forward`
        # is that very node (the entry holds it alive: no other object can have its id), so set
        # operations in C say it, not a Python loop over a pass's every node.
        seen = self.depths.keys() & map(id, raw.nodes)
        return not seen <= self.forward.keys()

    def _forget_old_passes(self, latest: RawPass) -> None:
        """Past KEEP_ALL_PASSES, keep only the latest pass and the asked-for one, and forget what
        the program showed of every other graph (its values, names and saved tensors): a training
        loop's memory stays that of two iterations, and the graph shipped is one iteration's."""
        if self.pass_count <= self.keep_all_passes:
            return
        for p in self.passes:  # a forgotten pass's .grad copies go with it: norms taken now
            if not (p is latest or p.index == self.pass_index):
                self.summaries[p.index].take_norms()
        self.passes = passes = [p for p in self.passes if p is latest or p.index == self.pass_index]
        # sets made by map() in C, not comprehensions: this runs once per pass of a 4000-pass loop
        if len(passes) == 1:  # the usual case: no list of lists to flatten
            live = set(map(id, latest.nodes))
            variables = {id(fn.variable) for fn in latest.leaf_nodes()}
        else:
            live = {id(fn) for p in passes for fn in p.nodes}
            variables = {id(fn.variable) for p in passes for fn in p.leaf_nodes()}
        kept = variables.union(map(id, self.bound.values()))
        # rebuilt rather than deleted from; an empty one (nothing recorded: a pass summarized
        # only) is left as it is
        if self.forward:
            self.forward = {k: v for k, v in self.forward.items() if k in live}
        if self.names:
            self.names = {k: v for k, v in self.names.items() if k in live}
        if self.saved:
            self.saved = {k: v for k, v in self.saved.items() if k in live}
        if self.saved_makers:
            self.saved_makers = {k: v for k, v in self.saved_makers.items() if id(v[1]) in live}
        self.depths = {k: v for k, v in self.depths.items() if k in live}
        if self.regions.tags:
            self.regions.tags = {k: v for k, v in self.regions.tags.items() if k in live}
        if not kept.issuperset(self.leaves):  # usually every leaf is kept: nothing to rebuild
            self.leaves = {k: v for k, v in self.leaves.items() if k in kept}
        # id(None) is no node's: a tensor without grad_fn is kept only by its own id
        self.tensor_names = {
            k: entry for k, entry in self.tensor_names.items() if k in kept or id(entry[0].grad_fn) in live
        }

    def name_of_tensor(self, t: object) -> str | None:
        """The user's name for this very tensor object, if it was ever bound to one."""
        hit = self.tensor_names.get(id(t))
        return hit[1] if hit is not None and hit[0] is t else None

    def leaf_name(self, t: torch.Tensor) -> str:
        """A leaf's name for summaries: its module path (model.fc1.weight), the user's name, or
        where it was made."""
        leaf = self.leaves.get(id(t))
        named = (
            self.regions.parameter_name(t)
            or self.name_of_tensor(t)
            or (leaf.text if leaf is not None and leaf.tensor is t else None)
        )
        return named or f"leaf {list(t.shape)}"

    def freeze(self, roots: list[Node]) -> None:
        """Copy what shaping would read live: every leaf's value and `.grad`, each retained `.grad`.

        The web trace shapes as soon as the program ends; a notebook recording is shaped when it is
        shown, maybe after `optimizer.step()` or `zero_grad()` changed those tensors in place.
        """
        originals: dict[int, torch.Tensor] = {}  # id -> tensor: each copied once
        leaves: list[tuple[Node, torch.Tensor, torch.Tensor | None]] = []
        retained: list[tuple[Node, torch.Tensor]] = []
        for fn in self._graph(roots):
            if type(fn).__name__ == "AccumulateGrad":
                variable, grad = fn.variable, fn.variable.grad
                leaves.append((fn, variable, grad))
                originals[id(variable)] = variable
                if grad is not None:
                    originals[id(grad)] = grad
            else:
                grad = self.grad_of(fn)  # not frozen yet: the retained tensor's .grad now
                if grad is not None:
                    retained.append((fn, grad))
                    originals[id(grad)] = grad
        named = [
            (name, t.grad)
            for name, t in self.bound.items()
            if (t.is_leaf and t.requires_grad) or t.retains_grad
        ]
        originals.update((id(g), g) for _, g in named if g is not None)
        copy = dict(zip(originals, copies(list(originals.values())), strict=True))
        self.frozen = FrozenState(
            values={id(fn): (fn, copy[id(v)]) for fn, v, _ in leaves},
            grads={id(fn): (fn, None if g is None else copy[id(g)]) for fn, _, g in leaves}
            | {id(fn): (fn, copy[id(g)]) for fn, g in retained},
            named_grads={name: None if g is None else copy[id(g)] for name, g in named},
        )

    def _graph(self, roots: list[Node]) -> list[Node]:
        """Every node reachable from `roots` and the passes' roots. The passes' own lists when they
        hold it all (`roots` among theirs, none cut at max_nodes): each pass walked its graph already."""
        passes = self.passes
        if passes and all(0 < len(p.nodes) < self.max_nodes for p in passes):
            known = {id(r) for p in passes for r in p.roots}
            if all(id(r) in known for r in roots):
                if len(passes) == 1:
                    return passes[0].nodes
                return list({id(fn): fn for p in passes for fn in p.nodes}.values())
        return graph_nodes(roots + [r for p in passes for r in p.roots])

    def leaf_value(self, fn: Node) -> torch.Tensor:
        """A leaf node's tensor: as it was at freeze(), else as it is now."""
        hit = self.frozen.values.get(id(fn)) if self.frozen is not None else None
        return hit[1] if hit is not None and hit[0] is fn else fn.variable

    def grad_of(self, fn: Node) -> torch.Tensor | None:
        """The `.grad` PyTorch holds now for the tensor of this node: a leaf's, or a retained one's."""
        if self.frozen is not None:
            hit = self.frozen.grads.get(id(fn))
            return hit[1] if hit is not None and hit[0] is fn else None
        if type(fn).__name__ == "AccumulateGrad":
            return fn.variable.grad  # type: ignore[no-any-return]
        entry = self.forward.get(id(fn))
        if entry is None or entry[0] is not fn or not entry[1].tensor.retains_grad:
            return None  # PyTorch keeps no .grad for it (and warns when asked)
        return entry[1].tensor.grad

    def named_leaf_grads(self) -> dict[str, torch.Tensor | None]:
        """Copies of `.grad` of every named leaf that requires grad and every retained tensor, now."""
        return self._grads_copied(None)[0]

    def _grads_copied(
        self, raw: RawPass | None
    ) -> tuple[
        dict[str, torch.Tensor | None],
        list[tuple[Node, torch.Tensor | None]],
        dict[int, tuple[torch.Tensor, torch.Tensor]],
    ]:
        """Copies of `.grad` now: by variable name (`named_leaf_grads()`), by node of `raw` (its
        leaves' and its retained tensors'; none for autograd.grad, which leaves `.grad` alone), and
        id(`.grad`) -> (that `.grad`, its copy), each copied once (the pass summary takes its norms
        from them when first read)."""
        if self.frozen is not None:
            return self.frozen.named_grads, [], {}
        named = [
            (name, t.grad)
            for name, t in self.bound.items()
            if (t.is_leaf and t.requires_grad) or t.retains_grad
        ]
        by_node = [] if raw is None or raw.kind == "grad" else self._node_grads(raw)
        originals = {id(g): g for _, g in named if g is not None}
        originals.update((id(g), g) for _, g in by_node if g is not None)
        made = copies(list(originals.values()))
        copy = dict(zip(originals, made, strict=True))
        copied = {id(g): (g, c) for g, c in zip(originals.values(), made, strict=True)}
        return (
            {name: None if g is None else copy[id(g)] for name, g in named},
            [(fn, None if g is None else copy[id(g)]) for fn, g in by_node],
            copied,
        )

    def _node_grads(self, raw: RawPass) -> list[tuple[Node, torch.Tensor | None]]:
        """(node, its tensor's `.grad` now) for the pass's leaves and the retained tensors of its
        graph. A retained tensor the program never named is left out: the page shows `.grad` on
        named nodes only, and finding it would read every node's forward record."""
        pairs: list[tuple[Node, torch.Tensor | None]] = [(fn, fn.variable.grad) for fn in raw.leaf_nodes()]
        retained = [t for t, _ in self.tensor_names.values() if t.retains_grad]
        if retained:
            hooked = set(map(id, raw.nodes))
            pairs += [(t.grad_fn, t.grad) for t in retained if id(t.grad_fn) in hooked]
        return pairs


@dataclass(frozen=True)
class FrozenState:
    """Copies taken by TraceRecorder.freeze(), keyed by id(node) (the node kept: ids are reused)."""

    values: dict[int, tuple[Node, torch.Tensor]]
    grads: dict[int, tuple[Node, torch.Tensor | None]]
    named_grads: dict[str, torch.Tensor | None]


def copies(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    """A detached copy of each tensor. (One `torch._foreach_mul(tensors, 1)` was measured slower
    than these clones for a model's few parameters and gradients: 30 µs against 21 µs for 8; grad
    mode off around them all, not a detach() each: 13 µs against 24 for 8; switched directly, not
    by a `torch.no_grad()` object: 0.9 µs against 2.2, and not at all for none.)"""
    if not tensors:
        return []
    enabled = torch.is_grad_enabled()
    torch._C._set_grad_enabled(False)
    try:
        return [t.clone() for t in tensors]
    finally:
        torch._C._set_grad_enabled(enabled)


def root_node(t: torch.Tensor) -> Node | None:
    """The graph node a tensor's gradient enters through (its grad_fn, or a leaf's AccumulateGrad)."""
    if t.grad_fn is not None:
        return t.grad_fn
    if t.requires_grad:
        # A leaf's AccumulateGrad is reachable through a trivial view of it.
        return t.view_as(t).grad_fn.next_functions[0][0]  # type: ignore[union-attr]
    return None


def _pad(items: object, n: int) -> list[torch.Tensor | None]:
    seq = list(items) if items else []  # type: ignore[call-overload]
    return seq + [None] * (n - len(seq))
