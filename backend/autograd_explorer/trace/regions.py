"""Which module, function call and loop turn made each graph node (`model.fc1`, `f(x) at line 9`,
turn 3 of the loop at line 14).

The language reports regions (lang/contract.Region) as they start and end. A node the program saw
made inside one (an `on_tensor` while it runs) is tagged at once; nodes PyTorch made inside a
library module (the AddmmBackward0 of an nn.Linear) the program never sees, so when a region ends
its result is walked back through the graph, tagging every new node up to the nodes the program
already knew. The innermost region of each kind wins: a node is tagged once, the first time.

Parameters are named here too, for the graph and the pass summaries alike (`model.fc1.weight`):
by the module the program called that holds them, else by a variable the program bound a module
to (`model.weight @ x` uses a parameter without ever calling `model`).
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from typing import NamedTuple

import torch

from autograd_explorer.lang.contract import Region
from autograd_explorer.trace.backward_capture import Node

MAX_WALK = 100_000  # nodes one region's result may lead back to (max_trace_nodes bounds graphs anyway)


@dataclass(frozen=True, slots=True, eq=False)
class LoopRun:
    """One run of a `for`/`while` statement, all its turns: a loop nested in another runs once per
    turn of it, a loop in a function once per call. The page draws each run as a box of its turns,
    inside the turn of the loop around it and inside the module or call it ran in."""

    # the language's region: its line, label (`for t in range(3) at line 11`) and what each turn's
    # variable held (`variable`, `start`, `step`, `over`)
    region: Region
    number: int  # runs numbered as they start (the payload lists them in that order)
    outer: LoopTurn | None  # the turn of the loop around it, if any
    module: str | None  # the innermost module's forward running when it started
    call: CallRun | None  # the innermost call of the program's function running when it started


@dataclass(frozen=True, slots=True, eq=False)
class CallRun:
    """One call of the program's own function: each is a box of its own, so `f(x) + f(x)` is two
    boxes and a recursive `f(n - 1)` nests in the call that made it (by label alone they were one
    box, and the page read the repeated spans as a loop)."""

    region: Region  # its label: `f(x) at line 9`
    number: int  # calls numbered as they start (the payload lists them in that order)
    outer: CallRun | None  # the innermost call running when it started, if any
    loop: LoopTurn | None  # the turn of the innermost loop running when it started
    module: str | None  # the innermost module's forward running when it started


class LoopTurn(NamedTuple):
    """Which turn of which run of a loop: kept per graph node (made once per turn, not per node)."""

    run: LoopRun
    turn: int  # 0: the first


# A node's regions: (node, module path, call label, loop turn, call run)
Tag = tuple[Node, str | None, str | None, LoopTurn | None, CallRun | None]


@dataclass
class RegionTags:
    """The module path, call and loop turn of every node made inside a region."""

    modules: list[str] = field(default_factory=list)  # the open regions, innermost last
    calls: list[CallRun] = field(default_factory=list)
    loops: list[LoopTurn] = field(default_factory=list)  # the turn each open loop is in
    # id(node) -> (node, module path, call label, loop turn, call run); a notebook's tags have labels
    # and no runs (its frames say which function runs, not which call of it)
    tags: dict[int, Tag] = field(default_factory=dict)
    # id(parameter) -> (parameter, its module's path, its own name there)
    leaf_modules: dict[int, tuple[torch.Tensor, str, str]] = field(default_factory=dict)
    entered: dict[str, int] = field(
        default_factory=dict
    )  # module path -> order first entered (forward order)
    bound: dict[str, torch.nn.Module] = field(default_factory=dict)  # variable name -> module
    # id(parameter) -> (parameter, `name.path` of its module, its own name): built when asked
    _bound_parameters: dict[int, tuple[torch.Tensor, str, str]] | None = None
    _runs: int = 0  # loop runs started
    _calls: int = 0  # calls started

    def enter(self, region: Region) -> None:
        if region.kind == "module":
            self.modules.append(region.label)
            self.entered.setdefault(region.label, len(self.entered))
            if region.module is not None:  # its own parameters (not its children's) are in its box
                for name, parameter in region.module.named_parameters(recurse=False):
                    self.leaf_modules.setdefault(id(parameter), (parameter, region.label, name))
        elif region.kind == "loop":
            outer = self.loops[-1] if self.loops else None
            run = LoopRun(region, self._runs, outer, self._now_module(), self._now_call())
            self._runs += 1
            self.loops.append(LoopTurn(run, -1))  # no turn yet: next_turn starts the first
        else:
            call = CallRun(region, self._calls, self._now_call(), self.now_loop(), self._now_module())
            self._calls += 1
            self.calls.append(call)

    def next_turn(self) -> None:
        """The innermost loop starts its next turn (the first one too)."""
        if self.loops:
            run, turn = self.loops[-1]
            self.loops[-1] = LoopTurn(run, turn + 1)

    def bind(self, name: str, module: torch.nn.Module) -> None:
        """The program bound `name` to a module: its parameters are `name.…` unless called otherwise."""
        if self.bound.get(name) is not module:
            self.bound[name] = module
            self._bound_parameters = None

    def leave(self, region: Region, result: object, known: Container[int], *, claim: bool = True) -> None:
        """Tag the nodes the region made that the program never saw (if `claim`), then close it. (A
        loop makes no node the program does not see: its body's modules and calls claim theirs.)"""
        if region.kind == "loop":
            if self.loops:
                self.loops.pop()
            return
        if claim:
            self._claim(result, known)
        stack = self.modules if region.kind == "module" else self.calls
        if stack:
            stack.pop()

    def tag(self, fn: Node) -> None:
        """A node the program saw made: it belongs to the regions open now."""
        # Not for a loop alone: a node the program saw has its loop in its ForwardRecord. Only the
        # nodes a region claims (made unseen, no record) need a tag for it.
        if (self.modules or self.calls) and id(fn) not in self.tags:
            call = self._now_call()
            label = call.region.label if call is not None else None
            self.tags[id(fn)] = (fn, self._now_module(), label, self.now_loop(), call)

    def leaf_module(self, fn: Node) -> str | None:
        """The module of a parameter's AccumulateGrad node: the one that holds it. (It has no call
        or loop: the loop that names it, `for p in model.parameters()`, made it not; the other nodes'
        regions are their tags.)"""
        variable = fn.variable
        leaf = self.leaf_modules.get(id(variable))
        return leaf[1] if leaf is not None and leaf[0] is variable else self._ran_around(variable)

    def parameter_name(self, t: torch.Tensor) -> str | None:
        """`model.fc1.weight` for a parameter of a module the program called (as the graph's boxes
        name it), else of a module it bound to a variable (the first one bound)."""
        leaf = self.leaf_modules.get(id(t))
        if leaf is None or leaf[0] is not t:
            if self._bound_parameters is None:
                self._bound_parameters = {}
                for variable, module in self.bound.items():
                    for path, inner in module.named_modules(prefix=variable):
                        for name, parameter in inner.named_parameters(recurse=False):
                            self._bound_parameters.setdefault(id(parameter), (parameter, path, name))
            leaf = self._bound_parameters.get(id(t))
        return f"{leaf[1]}.{leaf[2]}" if leaf is not None and leaf[0] is t else None

    def _ran_around(self, parameter: torch.Tensor) -> str | None:
        """The innermost module that ran around a parameter of a module that never did (an
        nn.MultiheadAttention reads its `out_proj.weight` itself): its box holds the parameter. None
        when no module around it ran (`model.weight @ x` without calling `model`)."""
        name = self.parameter_name(parameter)
        path = name.rpartition(".")[0] if name else ""
        while path and path not in self.entered:
            path = path.rpartition(".")[0]
        return path or None

    def _now_module(self) -> str | None:
        return self.modules[-1] if self.modules else None

    def _now_call(self) -> CallRun | None:
        return self.calls[-1] if self.calls else None

    def now_loop(self) -> LoopTurn | None:
        """The turn of the innermost loop running (the recorder keeps it in each ForwardRecord)."""
        return self.loops[-1] if self.loops else None

    def _claim(self, result: object, known: Container[int]) -> None:
        pending = [
            t.grad_fn for t in module_outputs(result) if isinstance(t, torch.Tensor) and t.grad_fn is not None
        ]
        module, call, loop = self._now_module(), self._now_call(), self.now_loop()
        label = call.region.label if call is not None else None
        walked = 0
        while pending and walked < MAX_WALK:
            fn = pending.pop()
            walked += 1
            if id(fn) in self.tags or id(fn) in known or type(fn).__name__ == "AccumulateGrad":
                continue  # tagged by an inner region, or made before (the program saw it)
            self.tags[id(fn)] = (fn, module, label, loop, call)
            pending.extend(n for n, _ in fn.next_functions if n is not None)


def module_outputs(result: object) -> list[object]:
    """The items of a region's result and of the tuples among them (nn.LSTM's `output, (h_n, c_n)`):
    one level down only, a program's own module may return a list nested arbitrarily deep."""
    items = list(result) if isinstance(result, tuple | list) else [result]
    return [inner for item in items for inner in (item if isinstance(item, tuple) else (item,))]
