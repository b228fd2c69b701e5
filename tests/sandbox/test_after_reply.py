"""Work a job leaves for after its reply (after_reply.py): kept in a worker, at once elsewhere."""

from __future__ import annotations

import pytest

from autograd_explorer import after_reply
from autograd_explorer.sandbox.worker import run_job
from autograd_explorer.settings import Settings
from autograd_explorer.trace.jobs import run_trace_job


@pytest.fixture
def deferring(monkeypatch: pytest.MonkeyPatch) -> None:
    """after_reply as an evaluation worker has it (defer_until_reply), undone after the test."""
    monkeypatch.setattr(after_reply, "_deferring", False)
    monkeypatch.setattr(after_reply, "_pending", [])
    after_reply.defer_until_reply()


def test_outside_a_worker_the_work_runs_at_once() -> None:
    ran: list[int] = []
    after_reply.after_reply(lambda: ran.append(1))
    assert ran == [1]


def test_in_a_worker_the_work_waits_for_the_reply_and_runs_in_order(deferring: None) -> None:
    ran: list[int] = []
    after_reply.after_reply(lambda: ran.append(1))
    after_reply.after_reply(lambda: ran.append(2))
    assert ran == []
    after_reply.run_after_reply()
    assert ran == [1, 2]
    after_reply.run_after_reply()  # nothing is run twice
    assert ran == [1, 2]


def test_a_trace_is_answered_before_its_recording_is_released_and_released_after(deferring: None) -> None:
    body = {"source": "x = torch.tensor(2.0, requires_grad=True)\ny = x * x\ny", "format": "compact"}
    raw = run_job(run_trace_job, body, Settings(), prepared=True)
    assert b'"format":"compact"' in raw
    releases = [work for work in after_reply._pending if getattr(work, "__name__", "") == "release"]
    assert len(releases) == 1, after_reply._pending
    recording = releases[0].__self__  # type: ignore[attr-defined]
    assert recording.run.namespace, "the program's names (its graph) still held when the answer is ready"
    after_reply.run_after_reply()
    assert not recording.run.namespace, "released once the reply was sent"
    assert after_reply._pending == []
