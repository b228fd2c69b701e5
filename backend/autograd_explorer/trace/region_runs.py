"""The loop runs and function calls a graph's nodes were made in, as both payload forms send them.

Each node made in a loop keeps its turn (regions.LoopTurn): the run of the `for`/`while` and the
turn of it; each node made in a call of the program's function keeps the call (regions.CallRun).
The payload lists only the runs and calls some node was made in, and those around them, each
numbered as it started; each says what it started in: the loop turn and the call around it. From
that the page nests call ▸ loop ▸ iteration ▸ inner loop ▸ iteration ▸ call, which from spans
alone it could not: an inner loop's turns were numbered as the outer loop's, and two calls with
one label (`f(x) + f(x)`, a recursion) were one box read as a loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd_explorer.trace.regions import CallRun, LoopRun, LoopTurn

NONE = -1  # no run, no call


@dataclass(frozen=True, slots=True)
class RunTables:
    """Per node its loop's line (0: none), its loop run (an index into `runs`), turn and call (an
    index into `calls`); per loop run the run around it and that run's turn then, and the call it
    started in; per call the call around it, and the loop run and turn it started in."""

    line: list[int]
    run: list[int]
    turn: list[int]
    call: list[int]
    runs: list[LoopRun]
    outer: list[int]
    outer_turn: list[int]
    run_call: list[int]
    calls: list[CallRun]
    call_outer: list[int]
    call_loop: list[int]
    call_turn: list[int]


def run_tables(turns: list[LoopTurn | None], calls: list[CallRun | None]) -> RunTables:
    """The tables of the runs and calls these nodes name, and of those around them."""
    loops_used: dict[int, LoopRun] = {}  # run number -> run
    calls_used: dict[int, CallRun] = {}  # call number -> call
    pending: list[LoopRun | CallRun | None] = [t.run for t in dict.fromkeys(turns) if t is not None]
    pending.extend(dict.fromkeys(calls))
    while pending:
        item = pending.pop()
        if isinstance(item, LoopRun):
            if item.number not in loops_used:
                loops_used[item.number] = item
                pending.append(item.outer.run if item.outer is not None else None)
                pending.append(item.call)
        elif isinstance(item, CallRun) and item.number not in calls_used:
            calls_used[item.number] = item
            pending.append(item.outer)
            pending.append(item.loop.run if item.loop is not None else None)
    passing = passing_calls(calls_used, loops_used, calls)
    for number in passing:
        del calls_used[number]

    def kept(call: CallRun | None) -> CallRun | None:
        while call is not None and call.number in passing:
            call = call.outer
        return call

    runs = [loops_used[k] for k in sorted(loops_used)]
    listed = [calls_used[k] for k in sorted(calls_used)]
    run_index = {run.number: k for k, run in enumerate(runs)}
    call_index = {call.number: k for k, call in enumerate(listed)}

    def loop_of(turn: LoopTurn | None) -> int:
        return run_index[turn.run.number] if turn is not None else NONE

    def turn_of(turn: LoopTurn | None) -> int:
        # -1 only before a first turn: nothing is made there
        return max(turn.turn, 0) if turn is not None else 0

    def call_of(call: CallRun | None) -> int:
        return call_index[call.number] if call is not None else NONE

    return RunTables(
        line=[t.run.region.line or 0 if t is not None else 0 for t in turns],
        run=list(map(loop_of, turns)),
        turn=list(map(turn_of, turns)),
        call=list(map(call_of, calls)),
        runs=runs,
        outer=[loop_of(r.outer) for r in runs],
        outer_turn=[turn_of(r.outer) for r in runs],
        run_call=[call_of(r.call) for r in runs],
        calls=listed,
        call_outer=[call_of(kept(c.outer)) for c in listed],
        call_loop=[loop_of(c.loop) for c in listed],
        call_turn=[turn_of(c.loop) for c in listed],
    )


def passing_calls(
    calls: dict[int, CallRun], loops: dict[int, LoopRun], made_in: list[CallRun | None]
) -> set[int]:
    """The calls that only pass one call through: no node made in them, no loop run in them, one
    call made in them (`def f37(h): return f36(h)`, down to the one that computes). Listed, 37
    wrappers around each turn's call made 76,000 calls of a 4,000-node graph (10 MB of readable
    JSON); the page draws a box around one thing as that thing anyway, so they are left out, each
    call inside one taking the call around it as its outer."""
    direct = {call.number for call in dict.fromkeys(made_in) if call is not None}
    with_loops = {run.call.number for run in loops.values() if run.call is not None}
    inner: dict[int, int] = {}  # call number -> calls made in it
    for call in calls.values():
        if call.outer is not None:
            inner[call.outer.number] = inner.get(call.outer.number, 0) + 1
    return {n for n in calls if n not in direct and n not in with_loops and inner.get(n) == 1}


def call_label(call: CallRun | None) -> str | None:
    """A call's label (`f(x) at line 9`), None for none."""
    return call.region.label if call is not None else None
