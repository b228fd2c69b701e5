"""`record()`: watch a block of the user's own PyTorch code; `explore(t)`: the graph behind a tensor."""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Mapping
from types import FrameType, TracebackType
from typing import Any

import torch

from autograd_explorer.errors import ProgramCall, ProgramError, ProgramErrorType
from autograd_explorer.lang.contract import Stop, failed_pass_of
from autograd_explorer.lang.core import exception_message
from autograd_explorer.notebook.frames import frame_scope
from autograd_explorer.notebook.live import LiveOps
from autograd_explorer.notebook.modules import module_paths, parameter_owners
from autograd_explorer.notebook.recording import Recording
from autograd_explorer.notebook.shaping import NodeRegion, RecordLimits, finish, name_everything
from autograd_explorer.trace.jobs import collector_paused


class record:
    """Record every op on real tensors inside the `with` block, and each backward pass it runs.

    On exit (also when the block raises) `.recording` holds what was seen, frozen; the payload is
    shaped when it is first shown or asked for. The block's exception is not swallowed, and the
    graph up to it is kept.
    """

    def __init__(
        self, limits: RecordLimits | None = None, scope: Mapping[str, Any] | None = None, **overrides: Any
    ) -> None:
        self.limits = limits or RecordLimits(**overrides)
        self.scope = scope  # names to use instead of the caller's (a script's globals, filled in the block)
        self.recording = Recording()
        self._frame: FrameType | None = None

    def __enter__(self) -> Recording:
        self._frame = sys._getframe(1)
        self._started = time.perf_counter()
        # The cyclic collector paused until the recording is frozen, as for a web trace
        # (trace/jobs.py): the hooks and records of a pass are thousands of small objects, and the
        # collections they triggered cost a tenth of a small model's recorded step. Refcounting
        # still frees nearly everything; cycles wait for the first collection after the block.
        self._collector = collector_paused()
        self._collector.__enter__()
        try:
            self._recorder = self.limits.recorder()
            self._ops = LiveOps(self._recorder, self._frame, self._names)
            self._ops.__enter__()
        except BaseException:
            self._collector.__exit__(None, None, None)
            raise
        return self.recording

    def _names(self, frame: FrameType | None = None) -> Mapping[str, Any]:
        """The block's names now, with those of `frame` over them (where a backward pass was called:
        it snapshots the `.grad` of the leaves named so far)."""
        if self.scope is not None:
            block = self.scope
        else:
            block = frame_scope(self._frame) if self._frame is not None else {}
            if frame is self._frame:  # called in the block itself: its names, not merged again
                return block
        here = frame_scope(frame) if frame is not None else block
        # at a notebook's top level both are the kernel's globals, the very same dict: not copied
        return block if here is block else {**block, **here}

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self._finish(exc, tb)
        finally:
            self._collector.__exit__(None, None, None)

    def _finish(self, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Stop watching, name what was seen, freeze it (the payload is shaped when shown)."""
        self._ops.__exit__(None, None, None)
        ops, recorder = self._ops, self._recorder
        warnings: list[str] = []
        stopped = None
        if exc is not None:
            line, calls, file = _user_place(tb)
            # The block stopped there: the page says where and why as the web trace's does
            # (trace/stopped.py), marking the node a backward() PyTorch's engine could not run.
            in_pass = failed_pass_of(exc)
            kind: ProgramErrorType = "autograd" if in_pass is not None else "runtime"
            error = ProgramError(kind, exception_message(exc), line, calls=calls, file=file)
            stopped = Stop(error, ops.changing, in_pass)
        if ops.stopped:
            warnings.append(f"Recording stopped early: {ops.stopped}")
        names = name_everything(recorder, self._names(), ops.named)
        self._frame = ops.block = ops.places.block = None  # no reference cycle through the user's frame
        output = ops.backward_output if ops.backward_output is not None else ops.last
        if output is None:
            output = torch.tensor(0.0)
            warnings.append(
                "Nothing was recorded: no operation in the block made a tensor that requires grad."
            )
        seen, made_in = ops.seen_modules, ops.made_in

        def node_regions() -> dict[int, NodeRegion]:
            paths = module_paths(seen, names)
            # A parameter is in the module that holds it (`model.0.weight` in model.0's box), as the
            # web trace's are: else a notebook's page drew every weight outside its layer's box.
            for key, owner in parameter_owners(seen, paths).items():
                recorder.regions.leaf_modules.setdefault(key, owner)
            return {  # no loop or call run: the web trace's evaluator tells them, a notebook's frames do not
                key: (fn, paths.get(id(m)) if m is not None else None, call, None, None)
                for key, (fn, m, call) in made_in.items()
            }

        self.recording.finished = finish(
            recorder, output, warnings, node_regions, self.limits, self._started, stopped
        )


def _user_place(tb: TracebackType | None) -> tuple[int | None, tuple[ProgramCall, ...], str | None]:
    """Where the exception left the user's code, as the web trace says it: the line of the innermost
    frame of the user's code, and the calls of the user's own functions it passed through on the way
    from the block, innermost first (each made on the line of the user's frame outside it); and the
    file of that line when it is not the block's. A line in another file, a call's too, says which,
    as Python's traceback does: in a notebook a function is often defined in an earlier cell than the
    block that records it, and cells count their lines from 1 each."""
    from autograd_explorer.notebook.frames import file_label, library_code

    frames: list[tuple[str, int, str]] = []  # the user's frames, block inwards: (function, line, file)
    while tb is not None:
        code = tb.tb_frame.f_code
        if not library_code(code):
            frames.append((code.co_name, tb.tb_lineno, code.co_filename))
        tb = tb.tb_next
    if not frames:
        return None, (), None
    block = frames[0][2]

    def other(file: str) -> str | None:
        return file_label(file) if file != block else None

    calls = []
    for (_, line, file), (function, _, _) in itertools.pairwise(frames):
        call = ProgramCall(function=function, line=line)
        if label := other(file):
            call["file"] = label
        calls.append(call)
    _, line, file = frames[-1]
    return line, tuple(reversed(calls)), other(file)


def explore(output: torch.Tensor, limits: RecordLimits | None = None, **overrides: Any) -> Recording:
    """The graph behind `output.grad_fn`, with a backward pass run now under the hooks.

    Nothing of the forward pass was watched, so op values are those PyTorch saved; names come from
    the caller's variables and parameters. The leaves' `.grad` are left as they were.
    """
    started = time.perf_counter()
    limits = limits or RecordLimits(**overrides)
    recorder = limits.recorder()
    name_everything(recorder, frame_scope(sys._getframe(1)))
    warnings: list[str] = []
    if output.grad_fn is None and not output.requires_grad:
        warnings.append(
            "This tensor has no graph: it does not require grad (was it computed under no_grad?)."
        )
    return Recording(finish(recorder, output, warnings, dict, limits, started))
