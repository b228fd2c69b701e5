"""A trace's recorder is freed by reference counting when the job ends, not by the cyclic collector.

The evaluator is cyclic garbage after a run (bound methods of itself): whatever it still reaches
waits for a collection (for a 5,000-node MLP, 70,000 objects scanned for 60–110 ms). The evaluator
calls the recorder's `on_tensor` directly (no wrapper per operation), so that link is cut when the
run ends (lang/run.py), as RealValuesOnly.release cuts its own.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from autograd_explorer.settings import Settings
from autograd_explorer.trace import recorder as recorder_module
from autograd_explorer.trace.jobs import run_trace_job

LOOP = """
import torch
w = torch.tensor(1.0, requires_grad=True)
for k in range(30):
    loss = (w * 3.0 - 2.0) ** 2
    loss.backward()
    with torch.no_grad():
        w -= 0.01 * w.grad
        w.grad = None
"""


@pytest.fixture
def recorders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[weakref.ref[object]]]:
    """A weak reference to every TraceRecorder made, with the cyclic collector off meanwhile."""
    made: list[weakref.ref[object]] = []
    original = recorder_module.TraceRecorder.__post_init__

    def remember(self: recorder_module.TraceRecorder) -> None:
        made.append(weakref.ref(self))
        original(self)

    monkeypatch.setattr(recorder_module.TraceRecorder, "__post_init__", remember)
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield made
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize("form", ["compact", "readable"])
def test_the_recorder_is_freed_without_a_collection(recorders: list[weakref.ref[object]], form: str) -> None:
    run_trace_job({"source": LOOP, "format": form}, Settings())
    assert recorders  # the job made at least one (the readable form runs the loop twice)
    assert [r for r in recorders if r() is not None] == []
