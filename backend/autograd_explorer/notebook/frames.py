"""Where the user's code is: the first frame outside PyTorch and this package, and its source span.

This runs in the user's own process (their kernel, their code), so reading their frames is fine
here; the web trace never does it (its programs run in our evaluator, which reports spans itself).
"""

from __future__ import annotations

import dataclasses
import linecache
import os
import sys
from types import CodeType, FrameType
from typing import Any

import torch
from torch import nn

from autograd_explorer.errors import line_text
from autograd_explorer.lang.contract import Span
from autograd_explorer.lang.regions import call_region_label

_LIBRARY_DIRS = (
    os.path.dirname(torch.__file__) + os.sep,
    os.path.dirname(os.path.dirname(__file__)) + os.sep,  # autograd_explorer itself
)
_is_library: dict[CodeType, bool] = {}
_positions: dict[CodeType, list[tuple[int | None, int | None, int | None, int | None]]] = {}
# (code, instruction) -> its span and text: the same line of a loop or a forward runs many times
_spans: dict[tuple[CodeType, int], tuple[Span, str]] = {}


def library_code(code: CodeType) -> bool:
    """Code of PyTorch or of this package (cached per code object: this runs once per operation)."""
    hit = _is_library.get(code)
    if hit is None:
        hit = code.co_filename.startswith(_LIBRARY_DIRS) or code.co_filename.startswith("<frozen")
        _is_library[code] = hit
    return hit


def file_label(filename: str) -> str:
    """A file as a traceback names it: IPython's own name for a notebook cell's code ("Cell In[3]"),
    else its path, from the working directory when it is under it."""
    shell = _ipython()
    if shell is not None:
        try:
            named = shell.compile.format_code_name(filename)  # IPython 8+: its traceback's name
        except AttributeError:
            named = None
        if named:
            return f"{named[0]} {named[1]}"
    relative = os.path.relpath(filename) if os.path.isabs(filename) else filename
    return filename if relative.startswith(os.pardir) else relative


def _ipython() -> Any:
    """The running IPython shell, if this is one (IPython is never imported here for it)."""
    module = sys.modules.get("IPython")
    return module.get_ipython() if module is not None else None


def user_frame(start: FrameType | None) -> tuple[FrameType | None, bool]:
    """The nearest frame of the user's code from `start` outwards, and whether `start` was it."""
    frame = start
    direct = True
    known = _is_library.get  # the cache read inline: this walks several frames for every operation
    while frame is not None:
        code = frame.f_code
        hit = known(code)
        if not (library_code(code) if hit is None else hit):
            break
        frame = frame.f_back
        direct = False
    return frame, direct


# `module(x)` runs in this frame (`self` is the module) for as long as its hooks and forward run:
# where PyTorch calls the global forward hooks this replaces, so the same calls are seen
_MODULE_CALL = nn.Module._call_impl.__code__


def user_frame_and_modules(
    start: FrameType | None, block: FrameType | None
) -> tuple[FrameType | None, bool, list[nn.Module]]:
    """`user_frame(start)`, and the modules whose call is running from `start` out to the block's
    frame (innermost first).

    Read from the frames, not kept by global forward hooks: any global hook sends every module
    call through nn.Module's slow path, and the two hooks each call then runs cost a small model's
    recorded step more than this walk, most of which finding the user's frame makes anyway.
    """
    modules = []
    frame = start
    direct = True
    user = None
    known = _is_library.get  # read inline: this walks several frames for every operation
    while frame is not None and frame is not block:
        code = frame.f_code
        if code is _MODULE_CALL:
            modules.append(frame.f_locals["self"])
            if user is None:
                direct = False
        elif user is None:
            hit = known(code)
            if library_code(code) if hit is None else hit:
                direct = False
            else:
                user = frame
        frame = frame.f_back
    if user is None:  # the block's own frame, or beyond it
        user, outer_direct = user_frame(frame)
        direct = direct and outer_direct
    return user, direct, modules


def frame_scope(frame: FrameType) -> dict[str, Any]:
    """The names visible in a frame: its globals, then its locals over them."""
    if frame.f_locals is frame.f_globals:
        return frame.f_globals
    return {**frame.f_globals, **frame.f_locals}


def span_and_text(frame: FrameType) -> tuple[Span, str]:
    """The span of the instruction the frame is at (its expression, as ast columns would say) and its text."""
    code = frame.f_code
    key = (code, frame.f_lasti)
    hit = _spans.get(key)
    if hit is None:
        hit = _spans[key] = _span_and_text(frame)
    return hit


def _span_and_text(frame: FrameType) -> tuple[Span, str]:
    code = frame.f_code
    positions = _positions.get(code)
    if positions is None:
        positions = list(code.co_positions())
        _positions[code] = positions
    index = frame.f_lasti // 2
    line, end_line, col, end_col = positions[index] if 0 <= index < len(positions) else (None,) * 4
    line = line or frame.f_lineno
    source = linecache.getline(code.co_filename, line).rstrip("\n")
    if col is None or end_line != line or end_col is None:  # a multi-line expression: its first line
        text = source.strip()
        start = len(source) - len(source.lstrip())
        return Span(line, start, line, len(source)), text
    # co_positions counts UTF-8 bytes; spans count characters, as an editor does (lang/contract.py).
    raw = source.encode()
    start = len(raw[:col].decode(errors="ignore"))
    end = len(raw[:end_col].decode(errors="ignore"))
    return Span(line, start, line, end), source[start:end]


# The frames Python 3.11 makes for a comprehension or generator expression: not a call of the user's
# function, so a node made in one belongs with the code around it (3.12 inlines comprehensions).
_COMPREHENSIONS = frozenset(("<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"))


class Places:
    """Where each op of a recorded block was made, in the block's terms: its span, with the file when
    that is not the block's own (a function defined in an earlier cell counts its lines from 1 in
    that cell), and the call of the user's own function it was made in (`layer(x, w) at line 8`, as
    the web trace labels a call region). Both are cached per instruction and block file, for every
    block: a loop's body runs its few instructions thousands of times, and a training loop records a
    block per step (a file's label, a path made relative, cost a small model's step 6 %)."""

    def __init__(self, block: FrameType | None) -> None:
        self.block = block
        # The block's file: its own frame's, else (a script run by `autograd-explorer open`, whose
        # block is our frame) the outermost user frame's inside it, as `_user_place` reads a traceback.
        self.home = None if block is None or library_code(block.f_code) else block.f_code.co_filename

    def span_and_text(self, frame: FrameType) -> tuple[Span, str]:
        """`span_and_text(frame)`, its span naming the file when it is not the block's."""
        code = frame.f_code
        key = (code, frame.f_lasti, self._home(frame))
        hit = _filed_spans.get(key)
        if hit is None:
            span, text = span_and_text(frame)
            file = self._file(code)
            hit = _filed_spans[key] = (dataclasses.replace(span, file=file) if file else span), text
        return hit

    def call(self, frame: FrameType) -> str | None:
        """The label of the innermost call of a user's function that `frame` runs in, as the web trace
        tags a node: None at the block's own level. A function a library called (a module's forward,
        whose module is its box; a hook) is no call: the call around it is (`loss_fn(model, x)` for
        the nodes of the `model(x)` it makes)."""
        block = self.block
        while True:
            while frame.f_code.co_name in _COMPREHENSIONS and frame.f_back is not None:
                frame = frame.f_back
            if frame is block or frame.f_code.co_name == "<module>":
                return None
            caller = frame.f_back
            called_by_library = False
            while caller is not None and caller is not block and library_code(caller.f_code):
                caller = caller.f_back
                called_by_library = True
            if caller is None:
                return None
            if not called_by_library:
                break
            frame = caller
        key = (caller.f_code, caller.f_lasti, self._home(frame))
        label = _call_labels.get(key)
        if label is None:
            span, text = span_and_text(caller)
            where = line_text(span.line, self._file(caller.f_code))
            label = _call_labels[key] = call_region_label(text, where)
        return label

    def _home(self, frame: FrameType) -> str | None:
        """The block's file, found from `frame` the first time when the block's frame is not the user's."""
        if self.home is None:
            self.home = _outermost_user_file(frame, self.block)
        return self.home

    def _file(self, code: CodeType) -> str | None:
        name = code.co_filename
        if name == self.home:
            return None
        label = _file_labels.get(name)
        if label is None:
            label = _file_labels[name] = file_label(name)
        return label


# Places' caches: (code, instruction, the block's file) -> span and text / call label; file -> label
_filed_spans: dict[tuple[CodeType, int, str | None], tuple[Span, str]] = {}
_call_labels: dict[tuple[CodeType, int, str | None], str] = {}
_file_labels: dict[str, str] = {}


def _outermost_user_file(frame: FrameType | None, block: FrameType | None) -> str | None:
    outermost = None
    while frame is not None and frame is not block:
        if not library_code(frame.f_code):
            outermost = frame.f_code.co_filename
        frame = frame.f_back
    return outermost
