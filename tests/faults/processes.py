"""Finding a server's worker processes from outside, by the process tree (Linux /proc)."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path


def children(pid: int) -> list[int]:
    """Direct children of `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def grandchildren(pid: int) -> list[int]:
    """Processes two levels below `pid`: the fork server's workers when `pid` is the server."""
    return [g for c in children(pid) for g in children(c)]


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until_gone(pid: int, timeout: float) -> bool:
    """Wait for `pid` to exit; whether it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def kill(pid: int, sig: int) -> None:
    """Send `sig`, ignoring a process that is already gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
