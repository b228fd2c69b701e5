"""Regions of a run: which module's forward, which of the program's function calls and which of its
loops is running.

The observer is told when each starts and ends (contract.Region), so the tracer can say which
graph nodes `model.fc1` made. Modules are followed with PyTorch's global forward hooks, because
library code calls modules too (`nn.Sequential` calls its children; the program never sees those
calls). The hooks are installed only while a run that wants regions is going, and answer only
the thread that runs it (the in-process evaluator may serve several requests at once).
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

from autograd_explorer.lang.contract import LABEL_CHARS, ProgramObserver, Region, Span, cut_label

# A loop's variable and, to say what it held at each turn, its count's start and step, or the
# sequence it walks (Region): all None when it says nothing (a `while`, a loop over a generator)
LoopNaming = tuple[str | None, int | None, int | None, str | None]
NO_NAMING: LoopNaming = (None, None, None, None)


@dataclass
class _Frame:
    region: Region
    names: dict[int, str] | None = None  # id(descendant module) -> its named_modules() name, built lazily


@dataclass
class RegionTracker:
    """The stack of regions of one run, reported to the observer."""

    observer: ProgramObserver
    frames: list[_Frame] = field(default_factory=list)
    pending_name: str | None = None  # how the program spelled the module it is about to call
    thread: int = field(default_factory=threading.get_ident)
    quiet: bool = False  # a custom autograd Function's backward is running: no regions of it

    @property
    def active(self) -> bool:
        if self.quiet:
            return False
        try:
            return bool(self.observer.wants_regions)
        except AttributeError:  # an observer written before regions: it wants none (and has no methods)
            return False

    # --- modules ------------------------------------------------------------------------------
    @contextmanager
    def watching_modules(self) -> Iterator[None]:
        """Hook every module call while the block runs (nothing when the observer wants no regions)."""
        if not self.active:
            yield
            return
        pre = register_module_forward_pre_hook(self._module_enters)
        post = register_module_forward_hook(self._module_leaves, always_call=True)
        try:
            yield
        finally:
            pre.remove()
            post.remove()

    def _module_enters(self, module: torch.nn.Module, args: object) -> None:
        if threading.get_ident() != self.thread or self.quiet:
            return
        region = Region("module", self.module_path(module), module)
        self.frames.append(_Frame(region))
        self.observer.enter_region(region)

    def _module_leaves(self, module: torch.nn.Module, args: object, output: object) -> None:
        if threading.get_ident() != self.thread or self.quiet or not self.frames:
            return
        frame = self.frames[-1]
        if frame.region.module is not module:
            return
        self.frames.pop()
        self.observer.leave_region(frame.region, output)

    def module_path(self, module: torch.nn.Module) -> str:
        """`model.fc1`: the enclosing module's path and the child's named_modules() name, else how
        the program spelled it (`model`, `criterion`), else the class name."""
        spelled, self.pending_name = self.pending_name, None
        for frame in reversed(self.frames):
            outer = frame.region.module
            if outer is None:
                continue
            if frame.names is None:
                frame.names = {id(m): name for name, m in outer.named_modules() if name}
            name = frame.names.get(id(module))
            if name is not None:
                return f"{frame.region.label}.{name}"
        return spelled or type(module).__name__

    def about_to_call_module(self, callee: ast.expr, text: str) -> None:
        """The program calls a module: remember its spelling (`model`, `self.fc1`, `layers[0]`)."""
        if self.active:
            simple = isinstance(callee, ast.Name | ast.Attribute | ast.Subscript) and len(text) <= LABEL_CHARS
            self.pending_name = text if simple else None

    # --- the program's functions ----------------------------------------------------------------
    def call_region(
        self,
        name: str,
        first_argument: object,
        text: str,
        line: int,
        bound: Mapping[str, object],
        parameters: Sequence[str],
        span: Span | None = None,
    ) -> Region | None:
        """The region of a call of the program's function (None for a module's own forward: the
        module is the region), with the numbers its parameters were bound to (`bound`, in the def's
        order `parameters`): the calls of a recursion share a label, `f(x, n - 1) at line 6`, and
        are told apart by `n = 2`, as a loop's turns by `t = 2`."""
        if not self.active:
            return None
        if name == "forward" and self.frames and self.frames[-1].region.module is first_argument:
            return None
        label = call_region_label(text, f"line {line}")
        return Region("call", label, held=held_numbers(bound, parameters), span=span)

    # --- the program's loops ------------------------------------------------------------------------
    def loop_region(self, line: int, header: str, naming: LoopNaming = NO_NAMING) -> Region | None:
        """The region of a `for`/`while` statement running, all its turns (None when no regions are
        wanted), labelled by its header as a call is (`for t in range(3) at line 11`). The page
        names a loop by it: from spans alone, `for …: step(w)` (a loop of calls) looks like the loop
        inside `train(model)` (one call), and was named by a line of `def step`. `naming`: what each
        turn's variable held (statements.loop_naming), for the page to say."""
        if not self.active:
            return None
        variable, start, step, over = naming
        label = call_region_label(header, f"line {line}")
        return Region("loop", label, line=line, variable=variable, start=start, step=step, over=over)


def held_numbers(bound: Mapping[str, object], parameters: Sequence[str]) -> str | None:
    """`n = 2, lr = 0.01`: the parameters bound to a Python number, in the def's order, cut at
    LABEL_CHARS; None when none is. Plain numbers only (no subclass's own repr runs), and no int
    too long to say briefly (the language allows 4,096 bits: 1,233 digits)."""
    held = []
    for name in parameters:
        value = bound.get(name)
        kind = type(value)
        if kind is bool or (kind is int and abs(value) < 10**15):  # type: ignore[arg-type]
            held.append(f"{name} = {value}")
        elif kind is float:  # 0.01 and 2.0 as Python prints them, 0.1 + 0.2 as 0.3
            text = repr(value)
            held.append(f"{name} = {text if len(text) <= 10 else format(value, '.6g')}")
    return cut_label(", ".join(held)) or None


def call_region_label(text: str, where: str) -> str:
    """A call region's label, `f(x) at line 9`: the call's source text on one line, cut at
    LABEL_CHARS (the line still tells two long calls apart). The notebook library labels its calls
    so too, `where` then naming another cell's line (`line 3 of Cell In[2]`); a loop's is its header
    (`for t in range(3) at line 11`)."""
    return f"{cut_label(' '.join(text.split()))} at {where}"  # a call over several lines reads as one
