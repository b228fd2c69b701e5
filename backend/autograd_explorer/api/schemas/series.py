"""Subsampling a recorded series: what `every=k` keeps of a trajectory or a training curve.

One rule for both, so a script that asks for `every=100` gets the same rows from each: every k-th
point from the first, and the last point always (where a run ends is what a plot must show).
"""

from __future__ import annotations

# The bound of every `every=` (body field or query parameter): large enough to keep only the ends.
MAX_EVERY = 1_000_000
EVERY_DESCRIPTION = "answer every k-th point (and the last): less to send"


def kept_indices(count: int, every: int) -> list[int]:
    """The indices of every `every`-th of `count` items, and of the last."""
    kept = list(range(0, count, every))
    if count and kept[-1] != count - 1:
        kept.append(count - 1)
    return kept
