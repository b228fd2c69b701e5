"""sha256 of every trace payload the examples menu and trace_bench's programs make: a speed change
to the tracer must leave them byte-identical (stats.trace_ms aside, a timing).

    python bench/payload_hashes.py > before.txt   # on the code before
    python bench/payload_hashes.py > after.txt    # on the change
    diff before.txt after.txt                     # nothing: the same payloads

Compact and readable forms of each example and of the chain, MLP and transformer at 100 and 1,000
nodes, and the details of steps 0–50 of each (POST /api/trace/details). Not a test: the figures
are compared between two checkouts.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from autograd_explorer.errors import ProgramError
from autograd_explorer.examples import EXAMPLES
from autograd_explorer.jsonsafe import dumps
from autograd_explorer.process_setup import configure_process
from autograd_explorer.trace.jobs import run_details_job, run_trace_job
from trace_bench import SETTINGS, chain_program, mlp_program, transformer_program


def digest(payload: Any) -> str:
    payload = copy.copy(payload)
    if isinstance(payload, dict) and "stats" in payload:
        payload["stats"] = {k: v for k, v in payload["stats"].items() if k != "trace_ms"}
    return hashlib.sha256(dumps(payload)).hexdigest()


def hashed(params: dict[str, Any], details: bool) -> str:
    try:
        if details:
            return digest(run_details_job({**params, "steps": [0, 50]}, SETTINGS))
        return digest(run_trace_job(params, SETTINGS))
    except ProgramError as exc:  # an example whose point is PyTorch's error: its message
        return "error " + hashlib.sha256(str(exc).encode()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000")
    args = parser.parse_args()
    configure_process()
    programs: list[tuple[str, dict[str, Any]]] = [
        (e.id, {"source": e.source, "inputs": e.inputs, "output": e.output}) for e in EXAMPLES
    ]
    for size in (int(s) for s in args.sizes.split(",")):
        for name, make in (
            ("chain", chain_program),
            ("mlp", mlp_program),
            ("transformer", transformer_program),
        ):
            programs.append((f"{name}-{size}", {"source": make(size)[0]}))
    for name, params in programs:
        for form in ("compact", "readable"):
            print(name, form, hashed({**params, "format": form}, details=False), flush=True)
        print(name, "details", hashed(params, details=True), flush=True)


if __name__ == "__main__":
    main()
