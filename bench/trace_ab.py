"""The compact trace of a git revision (default main) against this checkout's, alternated in ONE process.

On a machine other agents load, two processes run minutes apart see different loads: the same
code measured 263 ms then 339 ms for k in back-to-back runs. Here both packages live in one
process (the revision's copied from `git archive` under the name `autograd_explorer_base`), and
each round times bare PyTorch, the base and this checkout one after the other (the two swap
places every round); the least CPU time
of each over the rounds is reported, with k/a for both and their ratio. Not a test: nothing fails.

    python bench/trace_ab.py [--base main] [--rounds 12] [--sizes 1000,5000]
                             [--graphs chain,mlp,transformer,lecture]
"""

from __future__ import annotations

import argparse
import importlib
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from autograd_explorer.process_setup import configure_process  # noqa: E402
from trace_bench import PROGRAMS, SETTINGS, full_trace  # noqa: E402

BASE_NAME = "autograd_explorer_base"


def import_base(revision: str, into: Path) -> Callable[[str], int]:
    """The revision's package, renamed so it imports beside this one: its compact trace job."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", revision, "backend/autograd_explorer"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    package = into / "backend" / "autograd_explorer"
    for source in package.rglob("*.py"):  # absolute imports only in this codebase: rename them
        source.write_text(re.sub(r"\bautograd_explorer\b", BASE_NAME, source.read_text()))
    package.rename(into / BASE_NAME)
    sys.path.insert(0, str(into))
    jobs: Any = importlib.import_module(f"{BASE_NAME}.trace.jobs")
    json: Any = importlib.import_module(f"{BASE_NAME}.jsonsafe")
    settings = importlib.import_module(f"{BASE_NAME}.settings").Settings(**SETTINGS.model_dump())
    return lambda src: len(json.dumps(jobs.run_trace_job({"source": src, "format": "compact"}, settings)))


def this_checkout(src: str) -> int:
    return full_trace(src, format="compact")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="main")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--graphs", default="chain,mlp,transformer,lecture")
    args = parser.parse_args()
    configure_process()
    with tempfile.TemporaryDirectory() as tmp:
        base = import_base(args.base, Path(tmp))
        for trace in (base, this_checkout):  # warm up imports and kernels
            trace("x = torch.tensor(1.0, requires_grad=True)\nx * 2")
        for graph in args.graphs.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                source, bare = PROGRAMS[graph](size)
                runs: dict[str, Callable[[], object]] = {
                    "a": bare,
                    "base": lambda source=source: base(source),
                    "this": lambda source=source: this_checkout(source),
                }
                least = dict.fromkeys(runs, float("inf"))
                for turn in range(args.rounds):
                    # base and this swap places every round: neither always runs after the other
                    order = ["a", "base", "this"] if turn % 2 == 0 else ["a", "this", "base"]
                    for name in order:
                        run = runs[name]
                        started = time.process_time()
                        run()
                        least[name] = min(least[name], (time.process_time() - started) * 1000)
                a = least["a"]
                print(
                    f"{graph} {size}: a {a:.1f} ms | {args.base} k {least['base']:.1f} (k/a "
                    f"{least['base'] / a:.2f}) | this k {least['this']:.1f} (k/a {least['this'] / a:.2f})"
                    f" | this/base {least['this'] / least['base']:.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
