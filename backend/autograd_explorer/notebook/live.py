"""A recorder fed by real PyTorch: a TorchFunctionMode sees every op the user's code runs.

Each tensor an op returns goes to the tracer's own TraceRecorder (trace/recorder.py), with the
user's line as its span (an op the line called itself; one made inside a library call, an
nn.Linear's addmm, has none of its own, as in the web trace); the module running it (read from the
frames) is remembered per graph node;
`backward()` and `torch.autograd.grad` are run by the recorder under its hooks, exactly as for a
program of the web explorer.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from types import FrameType
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode, handle_torch_function, has_torch_function

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import MODULE_BACKWARD_HOOKS, BackwardRequest, ModuleGradients
from autograd_explorer.lang.values import changes_in_place
from autograd_explorer.notebook.frames import Places, user_frame, user_frame_and_modules
from autograd_explorer.notebook.shaping import name_everything
from autograd_explorer.trace.backward_capture import Node
from autograd_explorer.trace.recorder import TraceRecorder

_REGISTER_HOOK = torch.Tensor.register_hook
# A module's backward hooks are registered through nn.Module's methods, which no TorchFunctionMode
# sees, so LiveOps replaces them while its block runs: PyTorch's own, by name
_MODULE_HOOK_REGISTRATIONS: dict[str, Callable[..., Any]] = {
    name: getattr(nn.Module, name) for name in MODULE_BACKWARD_HOOKS
}
_DIFFERENTIATE: frozenset[Callable[..., Any]] = frozenset(
    (torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad)
)
_UNUSED = (
    "One of the differentiated Tensors appears to not have been used in the graph. "
    "Set allow_unused=True if this is the desired behavior."
)


def next_sequence_nr() -> int:
    """The sequence number PyTorch gives the next graph node made on this thread (nodes are numbered
    as they are made). Read directly where torch has the getter, else one past a throwaway node's."""
    peek = getattr(torch._C._autograd, "_get_sequence_nr", None)  # private, so not in every torch
    if peek is not None:
        return int(peek())
    with torch.enable_grad():
        probe = torch.zeros((), requires_grad=True).view(()).grad_fn
    assert probe is not None  # a view of a tensor that requires grad has a node
    return int(probe._sequence_nr()) + 1


class LiveOps(TorchFunctionMode):
    """Reports every op's tensors to `recorder`, and runs differentiation through it."""

    def __init__(
        self,
        recorder: TraceRecorder,
        block: FrameType | None,
        scope: Callable[[FrameType | None], Mapping[str, Any]] = lambda frame: {},
    ) -> None:
        super().__init__()
        self.recorder = recorder
        self.block = block  # the frame running the block: no module call of the block is outside it
        self.places = Places(block)
        self.scope = scope  # the names seen from a frame of the block: bound before each backward pass
        # id(grad_fn) -> (grad_fn, the module running, the call of the user's function it was made in)
        self.made_in: dict[int, tuple[Node, nn.Module | None, str | None]] = {}
        # every module seen running an op, outer ones first (module_paths finds the roots in it)
        self.seen_modules: dict[int, nn.Module] = {}
        self.last: torch.Tensor | None = None  # the latest tensor with a graph
        self.backward_output: torch.Tensor | None = None  # what the latest backward() started from
        self.stopped: str | None = None  # why recording stopped early (a graph too deep)
        # the tensor an in-place op that raised was changing (`w -= lr * w.grad` outside
        # torch.no_grad()): the node the page marks when the block stops there (trace/stopped.py)
        self.changing: torch.Tensor | None = None
        self.named: set[int] = set()  # modules whose parameters are named already (name_everything)
        # the number PyTorch gives the block's first graph node: a node numbered below it was made
        # before the block (`h = encoder(x)` in an earlier cell), by no module or call of the block
        self.first_node = next_sequence_nr()
        self._unpatch: Callable[[], None] | None = None
        self._unhook: Callable[[], None] | None = None

    def __enter__(self) -> LiveOps:
        self._unpatch = _backward_seen_by_modes()
        self._unhook = self._module_hooks_told()
        try:
            return super().__enter__()  # type: ignore[no-untyped-call,no-any-return]
        except BaseException:
            self._restore()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            super().__exit__(*exc)  # type: ignore[no-untyped-call]
        finally:
            self._restore()

    def _restore(self) -> None:
        if self._unpatch is not None:
            self._unpatch()
            self._unpatch = None
        if self._unhook is not None:
            self._unhook()
            self._unhook = None

    def _module_hooks_told(self) -> Callable[[], None] | None:
        """nn.Module's backward-hook registrations replaced, until the returned undo is called, by
        ones that wrap the hook so a step can say it ran (the web trace's lang/calls.py does the same).
        None: replaced already by an enclosing record(), whose recorder hears them."""
        if getattr(nn.Module.register_full_backward_hook, "_autograd_explorer", False):
            return None
        for name, original in _MODULE_HOOK_REGISTRATIONS.items():
            setattr(nn.Module, name, self._told_registration(name, original, MODULE_BACKWARD_HOOKS[name]))

        def undo() -> None:
            for name, original in _MODULE_HOOK_REGISTRATIONS.items():
                setattr(nn.Module, name, original)

        return undo

    def _told_registration(
        self, name: str, original: Callable[..., Any], given: Callable[..., ModuleGradients]
    ) -> Callable[..., Any]:
        @functools.wraps(original)
        def register(module: nn.Module, hook: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            frame, _ = user_frame(sys._getframe(1))
            span, text = self.places.span_and_text(frame) if frame is not None else (None, "")
            tell = self.recorder.on_gradient_hook

            @functools.wraps(hook)  # PyTorch's refusals name the hook
            def run_hook(*hook_args: Any) -> Any:
                result = hook(*hook_args)
                tell(span, text or f"{name}(…)", given(*hook_args), result)  # type: ignore[arg-type]
                return result

            return original(module, run_hook, *args, **kwargs)

        register._autograd_explorer = True  # type: ignore[attr-defined]
        return register

    def __torch_function__(
        self,
        func: Callable[..., Any],
        types: Sequence[type],
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
    ) -> Any:
        if func in _DIFFERENTIATE and self.stopped is None:
            return self._differentiate(func, args, dict(kwargs or {}))
        if func is _REGISTER_HOOK and self.stopped is None:
            return self._register_hook(args, dict(kwargs or {}))
        try:  # free while nothing raises (Python 3.11): this runs for every op
            result = func(*args, **kwargs) if kwargs else func(*args)
        except Exception:
            name = getattr(func, "__name__", "")
            if args and isinstance(args[0], torch.Tensor) and changes_in_place(name):
                self.changing = args[0]
            raise
        if self.stopped is None:
            if isinstance(result, torch.Tensor):
                self._seen(result, func)
            elif isinstance(result, tuple | list):
                for item in result:
                    if isinstance(item, torch.Tensor):
                        self._seen(item, func)
        return result

    def _seen(self, value: torch.Tensor, func: Callable[..., Any]) -> None:
        if not (value.requires_grad or "detach" in getattr(func, "__name__", "")) or value.is_complex():
            return
        frame, direct, modules = user_frame_and_modules(sys._getframe(2), self.block)
        places = self.places
        span, text = places.span_and_text(frame) if frame is not None and direct else (None, "")
        if not text:  # inside a library call (nn.Linear, F.gelu): name the op itself, at no span of
            # its own, as the web trace has an internal node: the call's span on each of them made
            # an nn.Sequential's three layers three turns of a "loop at line 7" on the page
            text = getattr(func, "__name__", None) or type(func).__name__
        try:
            self.recorder.on_tensor(value, span, text)
        except ProgramError as exc:  # the graph grew too deep to trace: keep what there is
            self.stopped = exc.message
            return
        fn = value.grad_fn
        if fn is not None:
            self.last = value
            # (a call is never made at the block's own level: the common case skips the question)
            call = places.call(frame) if frame is not None and frame is not self.block else None
            if modules:
                seen = self.seen_modules
                for module in reversed(modules):
                    if id(module) not in seen:
                        seen[id(module)] = module
            if modules or call is not None:
                self._claim(fn, modules[0] if modules else None, call)

    def _claim(self, fn: Node, module: nn.Module | None, call: str | None) -> None:
        """The running module and call for this node and the unclaimed nodes it made inside one op."""
        made_in, forward, first = self.made_in, self.recorder.forward, self.first_node
        stack = [fn]
        while stack:
            node = stack.pop()
            key = id(node)
            if key in made_in or type(node).__name__ == "AccumulateGrad":
                continue
            if node is not fn and key in forward:
                continue  # made by an earlier op the user saw: it has its own module
            if node._sequence_nr() < first:
                continue  # made before the block (an earlier cell's encoder): not this module's
            made_in[key] = (node, module, call)
            for n, _ in node.next_functions:  # a plain loop: a generator per op cost more
                if n is not None:
                    stack.append(n)

    def _register_hook(self, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        """`y.register_hook(h)` in the block: h wrapped, so a step can say the hook ran before its
        node and what it returned (the web trace's lang/calls.py does the same)."""
        tensor, hook = args[0], args[1] if len(args) > 1 else kwargs["hook"]
        frame, _ = user_frame(sys._getframe(2))
        span, text = self.places.span_and_text(frame) if frame is not None else (None, "")
        tell = self.recorder.on_gradient_hook

        @functools.wraps(hook)  # PyTorch names the hook in its refusals ("hook 'double' has changed …")
        def run_hook(grad: torch.Tensor) -> Any:
            result = hook(grad)
            tell(span, text or "register_hook(…)", grad, result)  # type: ignore[arg-type]
            return result

        return _REGISTER_HOOK(tensor, run_hook)  # type: ignore[no-untyped-call]

    def _differentiate(self, func: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        frame, _ = user_frame(sys._getframe(2))
        span = self.places.span_and_text(frame)[0] if frame is not None else None
        # Name the leaves now: each pass keeps the `.grad` of the named ones right after it.
        name_everything(self.recorder, self.scope(frame), self.named)
        if (kwargs.get("inputs") is not None and func is not torch.autograd.grad) or kwargs.get(
            "is_grads_batched"
        ):
            return func(*args, **kwargs)  # semantics a BackwardRequest does not carry: run unrecorded
        if func is torch.autograd.grad:
            inputs = _as_list(args[1] if len(args) > 1 else kwargs["inputs"])
            request = BackwardRequest(
                "grad", _as_list(args[0] if args else kwargs["outputs"]), inputs,
                _as_list(kwargs.get("grad_outputs")), kwargs.get("retain_graph"),
                bool(kwargs.get("create_graph")), span,  # type: ignore[arg-type]
            )  # fmt: skip
            grads = self.recorder.run_backward(request) or ()
            if not kwargs.get("allow_unused") and not kwargs.get("materialize_grads") and None in grads:
                raise RuntimeError(_UNUSED)  # as torch.autograd.grad itself says it
            if kwargs.get("materialize_grads"):
                grads = tuple(
                    torch.zeros_like(t) if g is None else g for t, g in zip(inputs, grads, strict=True)
                )
            return grads
        # Tensor.backward(gradient=…) or torch.autograd.backward(tensors, grad_tensors=…)
        gradient = kwargs.get("gradient", kwargs.get("grad_tensors", args[1] if len(args) > 1 else None))
        outputs = _as_list(args[0])
        request = BackwardRequest(
            "backward", outputs, [], _as_list(gradient), kwargs.get("retain_graph"),
            bool(kwargs.get("create_graph")), span,  # type: ignore[arg-type]
        )  # fmt: skip
        self.backward_output = outputs[0] if outputs else None
        return self.recorder.run_backward(request)


@functools.cache
def _backward_dispatches() -> bool:
    """Whether `torch.autograd.backward` hands itself to an active TorchFunctionMode, as
    `Tensor.backward` and `torch.autograd.grad` do. It does on recent PyTorch (2.13, 2.14), not on
    2.1 or 2.5 (scripts/check-torch-range.sh): asked once, of a scratch leaf, not of the version."""
    seen: list[bool] = []

    class Probe(TorchFunctionMode):
        def __torch_function__(
            self,
            func: Callable[..., Any],
            types: Sequence[type],
            args: Sequence[Any] = (),
            kwargs: Mapping[str, Any] | None = None,
        ) -> Any:
            if func is torch.autograd.backward:
                seen.append(True)
                return None
            return func(*args, **(kwargs or {}))

    with torch.inference_mode(False), torch.enable_grad():
        leaf = torch.zeros((), requires_grad=True)
        with Probe():  # not seen: a real backward pass of the scratch leaf, nothing else
            torch.autograd.backward(leaf)
    return bool(seen)


def _backward_seen_by_modes() -> Callable[[], None] | None:
    """On a PyTorch whose `torch.autograd.backward` does not dispatch to modes: that function
    replaced, until the returned undo is called, by one that does as recent PyTorch does (its
    tensors positional, the rest by keyword), so that LiveOps records the pass. None: nothing to do
    (recent PyTorch, or replaced already by an enclosing record())."""
    original = torch.autograd.backward
    if getattr(original, "_autograd_explorer", False) or _backward_dispatches():
        return None
    signature = inspect.signature(original)

    @functools.wraps(original)
    def backward(tensors: Any, *args: Any, **kwargs: Any) -> Any:
        items = (tensors,) if isinstance(tensors, torch.Tensor) else tuple(tensors)
        relevant = tuple(t for t in items if isinstance(t, torch.Tensor))
        if not has_torch_function(relevant):
            return original(items, *args, **kwargs)
        arguments = signature.bind(items, *args, **kwargs).arguments
        del arguments["tensors"]
        return handle_torch_function(original, relevant, items, **arguments)

    backward._autograd_explorer = True  # type: ignore[attr-defined]
    torch.autograd.backward = backward

    def undo() -> None:
        torch.autograd.backward = original

    return undo


def _as_list(items: Any) -> list[Any]:
    if items is None:
        return []
    return [items] if isinstance(items, torch.Tensor) else list(items)
