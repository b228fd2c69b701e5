"""Work a job leaves for after its reply: freeing what it built.

Freeing a trace's recording (the program's graph, the hooks' records, the tensors they keep) took
0.1–0.25 s of wall time after a 20,003-node MLP's trace, all of it between the payload being ready
and the student's page getting it. An evaluation worker (`worker_main`) turns deferral on: a job
hands such work to `after_reply`, and the worker runs it once the reply is sent, before it reads
the next request. Anywhere else (the inline evaluator, the CLI, benchmarks, tests) nothing waits:
the work runs at once, so nothing piles up where no reply loop would ever run it.
"""

from __future__ import annotations

from collections.abc import Callable

_deferring = False
_pending: list[Callable[[], object]] = []


def defer_until_reply() -> None:
    """From now on `after_reply` keeps its work until `run_after_reply` (an evaluation worker)."""
    global _deferring
    _deferring = True


def after_reply(work: Callable[[], object]) -> None:
    """Run `work` after this job's reply is sent (at once where no worker sends one); what `work`
    refers to stays alive until then."""
    if _deferring:
        _pending.append(work)
    else:
        work()


def run_after_reply() -> None:
    """Run the work the last job left, in the order it was left; what it referred to is freed."""
    while _pending:
        _pending.pop(0)()
