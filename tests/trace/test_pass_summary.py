"""A pass's summary keeps the gradient norms the pass left, also when they are taken later.

Oracle: torch.linalg.vector_norm in float64 of the gradients right after the pass (the summary
carries float32 norms, hence the relative tolerance).
"""

from __future__ import annotations

import pytest
import torch

from autograd_explorer.trace.recorder import KEEP_ALL_PASSES, TraceRecorder


def _pass(named: bool) -> tuple[TraceRecorder, dict[str, float]]:
    recorder = TraceRecorder()
    w = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
    if named:  # named leaves: their .grad copied after the pass (grads_after), norms taken from those
        recorder.on_assign("w", w, None)
        recorder.on_assign("b", b, None)
    loss = ((w * 2 + b) ** 2).sum()
    recorder.on_tensor(loss, None, "loss")
    recorder.run_auto_backward(loss, torch.ones(()))
    expected = {
        name: float(torch.linalg.vector_norm(t.grad))  # type: ignore[arg-type]
        for name, t in (("w", w), ("b", b))
    }
    assert w.grad is not None and b.grad is not None
    w.grad.mul_(10)  # changed in place before anything reads the summary
    b.grad.zero_()
    return recorder, expected


@pytest.mark.parametrize("named", [True, False])
def test_a_summary_read_later_has_the_norms_the_pass_left(named: bool) -> None:
    recorder, expected = _pass(named)
    (summary,) = recorder.summaries
    norms = summary.grad_norms
    assert len(norms) == 2
    values = sorted(norms.values())
    assert values == pytest.approx(sorted(expected.values()), rel=1e-6)
    if named:
        assert norms == pytest.approx(expected, rel=1e-6)
        assert summary.grad_norms is norms  # taken once


def test_a_forgotten_pass_takes_its_norms_and_lets_its_copies_go() -> None:
    """Past KEEP_ALL_PASSES the recorder forgets old passes; their summaries take the norms then
    (each equal to the pass's own gradient, float64 oracle) and keep no gradient copies."""
    recorder = TraceRecorder()
    w = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    recorder.on_assign("w", w, None)
    expected = []
    for k in range(KEEP_ALL_PASSES + 3):
        w.grad = None
        loss = ((w * (k + 1)) ** 2).sum()
        recorder.run_auto_backward(loss, torch.ones(()))
        expected.append(float(torch.linalg.vector_norm(w.grad)))  # type: ignore[arg-type]
    kept = {p.index for p in recorder.passes}
    assert len(kept) == 1 and len(recorder.summaries) == KEEP_ALL_PASSES + 3
    for summary in recorder.summaries:
        if summary.index not in kept:
            assert summary._pending is None  # taken when its pass was forgotten
        assert summary.grad_norms == pytest.approx({"w": expected[summary.index]}, rel=1e-6)
