"""PyTorch's anomaly detection in a program's run (`with torch.autograd.detect_anomaly():`).

In anomaly mode PyTorch keeps, on each graph node made, the Python stack that made it, and when a
backward fails (a NaN its check finds: "Function 'SqrtBackward0' returned nan values in its 0th
output.") it warns with that stack: "Error detected in SqrtBackward0. Traceback of forward call that
caused the error: ...". Here that stack is the explorer's interpreter, never shown to a student: the
evaluator puts in its place the program's call that made the node (`mark_forward_call`), and the
warning keeps PyTorch's sentences with that call, every other frame dropped (`without_frames`).

The mode is one flag for the whole process, not per thread as the grad mode is, and a worker runs
other programs next: a run starts with it off and leaves it off however it ends (`anomaly_mode_off`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import torch

from autograd_explorer.lang.contract import Span, cut_label

# Where PyTorch keeps a node's forward stack in anomaly mode (python_anomaly_mode.cpp), a list of
# text it joins into the warning.
_STACK_KEY = "traceback_"
# The program's call in place of that stack, between two of these: no stack frame holds one, and
# the warning keeps only what they enclose.
_SEPARATOR = "\x1f"
_MADE = re.compile(f"{_SEPARATOR}([^{_SEPARATOR}]*){_SEPARATOR}")
# PyTorch's sentences naming the node that failed, and the one that led to it in a double backward.
_NODE_SAID = re.compile(r"(Error detected in|Previous calculation was induced by) ([\w:<>]+)\.")
_NO_FORWARD = (
    "No forward pass information available. Enable detect anomaly during forward pass for more information."
)

is_anomaly_enabled = torch.is_anomaly_enabled  # 30 ns: read for every tensor an operation makes


@contextmanager
def anomaly_mode_off() -> Iterator[None]:
    """Anomaly detection off for the block, and off again after it whatever ends it (a with block
    the program left by an error or a limit, a set_detect_anomaly(True) it called alone)."""
    torch.set_anomaly_enabled(False)
    try:
        yield
    finally:
        torch.set_anomaly_enabled(False)


def mark_forward_call(fn: torch.autograd.graph.Node, span: Span, text: str) -> None:
    """Name the program's call (`text` at `span`) as what made `fn` and the nodes made with it: those
    reached from it whose stack PyTorch kept in this anomaly mode (a library module's layers), not
    those made before it (marked already, or made with the mode off: they keep none)."""
    made = [f"{_SEPARATOR}{cut_label(' '.join(text.split()))} at line {span.line}{_SEPARATOR}"]
    stack = [fn]
    while stack:
        node = stack.pop()
        metadata = cast("dict[str, object]", node.metadata)  # a property (typed as a method)
        kept = metadata.get(_STACK_KEY)
        if not isinstance(kept, list) or (kept and str(kept[0]).startswith(_SEPARATOR)):
            continue
        metadata[_STACK_KEY] = made
        stack.extend(n for n, _ in node.next_functions if n is not None)


def without_frames(message: str) -> str:
    """PyTorch's anomaly warning (any other message unchanged) with the program's call that made the
    failing node in place of the stack it carries: `Error detected in SqrtBackward0. The forward call
    that caused the error: torch.sqrt(x) at line 4.` A node whose stack is not the program's call
    (made inside library code the program never saw return it) keeps PyTorch's first sentence alone."""
    heads = list(_NODE_SAID.finditer(message))
    if not heads or heads[0].start() != 0:
        return message
    said = []
    for i, head in enumerate(heads):
        rest = message[head.end() : heads[i + 1].start() if i + 1 < len(heads) else len(message)]
        sentence = f"{head[1]} {head[2]}."
        made = _MADE.search(rest)
        if made is not None:
            what = "caused the error" if head[1] == "Error detected in" else "induced it"
            sentence += f" The forward call that {what}: {made[1]}."
        elif _NO_FORWARD in rest:
            sentence += f" {_NO_FORWARD}"
        said.append(sentence)
    return " ".join(said)
