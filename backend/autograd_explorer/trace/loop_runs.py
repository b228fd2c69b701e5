"""The loop runs a graph's nodes were made in, as both payload forms send them.

Each node made in a loop keeps its turn (regions.LoopTurn): the run of the `for`/`while` and the
turn of it. The payload lists only the runs some node was made in, and the runs around those,
numbered as they started; each says the turn of the run around it. From that the page nests
loop ▸ iteration ▸ inner loop ▸ iteration, which from spans alone it could not: an inner loop's
turns were numbered as the outer loop's.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd_explorer.trace.regions import LoopRun, LoopTurn


@dataclass(frozen=True, slots=True)
class LoopTable:
    """Per node its loop's line (0: none), its run (an index into `runs`, -1: none) and turn; and
    the runs, each with the index of the run around it (-1: none) and that run's turn then."""

    line: list[int]
    run: list[int]
    turn: list[int]
    runs: list[LoopRun]
    outer: list[int]
    outer_turn: list[int]

    @property
    def any(self) -> bool:
        return bool(self.runs)


def loop_table(turns: list[LoopTurn | None]) -> LoopTable:
    """The table of the runs these nodes' turns name (and of the runs around them)."""
    used: dict[int, LoopRun] = {}  # run number -> run
    for held in dict.fromkeys(t.run for t in turns if t is not None):
        run: LoopRun | None = held
        while run is not None and run.number not in used:
            used[run.number] = run
            run = run.outer.run if run.outer is not None else None
    runs = [used[k] for k in sorted(used)]
    index = {run.number: k for k, run in enumerate(runs)}
    line, run_of, turn = [], [], []
    for t in turns:
        if t is None:
            line.append(0)
            run_of.append(-1)
            turn.append(0)
        else:
            line.append(t.run.region.line or 0)
            run_of.append(index[t.run.number])
            turn.append(max(t.turn, 0))  # -1 only before a first turn: nothing is made there
    outer = [index[r.outer.run.number] if r.outer is not None else -1 for r in runs]
    outer_turn = [max(r.outer.turn, 0) if r.outer is not None else 0 for r in runs]
    return LoopTable(line, run_of, turn, runs, outer, outer_turn)
