"""Where the user's code is: the first frame outside PyTorch and this package, and its source span.

This runs in the user's own process (their kernel, their code), so reading their frames is fine
here; the web trace never does it (its programs run in our evaluator, which reports spans itself).
"""

from __future__ import annotations

import linecache
import os
import sys
from types import CodeType, FrameType
from typing import Any

import torch
from torch import nn

from autograd_explorer.lang.contract import Span

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
