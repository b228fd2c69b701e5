"""Check (not a benchmark): a sha256 of every payload the explorer builds, to hold speed work honest.

A speed change to the recorder, the evaluator or shaping must leave every payload byte-identical.
This prints one digest per payload, `stats.trace_ms` (a timing) set to 0 first:
  example:<id>:compact / :readable / :details   every entry of the examples menu through the trace
                                                job as the page asks (an example that stops answers
                                                its graph), and the details of its steps 0–50
  bench:<graph>-<n>:compact / :readable / :details   trace_bench's chain, MLP and transformer
                                                (--sizes, default 100,1000)
  notebook:<model>:page / :readable  record() around each of tests/notebook/models.py's models
Run it on the code before and after and diff the outputs (or pass --against FILE to compare).

    python bench/payload_digest.py > before.txt   (on the old code)
    python bench/payload_digest.py --against before.txt
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests.notebook.models import MODELS, build, loss_of  # noqa: E402

import autograd_explorer as ax  # noqa: E402
from autograd_explorer.errors import ProgramError  # noqa: E402
from autograd_explorer.examples import EXAMPLES  # noqa: E402
from autograd_explorer.jsonsafe import dumps  # noqa: E402
from autograd_explorer.process_setup import configure_process  # noqa: E402
from autograd_explorer.settings import Settings  # noqa: E402
from autograd_explorer.trace.jobs import run_details_job, run_trace_job  # noqa: E402
from trace_bench import PROGRAMS  # noqa: E402


def digest(payload: Any) -> str:
    """sha256 of the payload's JSON with its timing zeroed."""
    if isinstance(payload, dict) and isinstance(payload.get("stats"), dict):
        payload = {**payload, "stats": {**payload["stats"], "trace_ms": 0}}
    return hashlib.sha256(dumps(payload)).hexdigest()


def traced(params: dict[str, Any], settings: Settings, details: bool) -> str:
    """The digest of one trace (or of its steps 0–50's details), or of the error it teaches."""
    try:
        if details:
            return digest(run_details_job({**params, "steps": [0, 50]}, settings))
        return digest(run_trace_job(params, settings))
    except ProgramError as exc:  # an example whose point is the error: its message
        return "error " + digest(str(exc))


def digests(sizes: list[int]) -> dict[str, str]:
    settings = Settings(
        max_wall_seconds=600, max_operations=1_000_000, max_loop_iterations=1_000_000, max_trace_nodes=100_000
    )
    programs: list[tuple[str, dict[str, Any]]] = []
    for example in EXAMPLES:
        # as the page asks (preset_answers.py): an example that stops is answered with its graph
        params: dict[str, Any] = {"source": example.source, "inputs": example.inputs, "on_error": "graph"}
        if example.output is not None:
            params["output"] = example.output
        programs.append((f"example:{example.id}", params))
    for size in sizes:
        for graph, make in PROGRAMS.items():
            programs.append((f"bench:{graph}-{size}", {"source": make(size)[0]}))
    out: dict[str, str] = {}
    for key, params in programs:
        for form in ("compact", "readable"):
            out[f"{key}:{form}"] = traced({**params, "format": form}, settings, details=False)
        out[f"{key}:details"] = traced(params, settings, details=True)
    for name in MODELS:
        model, x = build(name)
        with ax.record() as rec:
            loss_of(model, x).backward()
        out[f"notebook:{name}:page"] = digest(json.loads(rec.page_json()))
        out[f"notebook:{name}:readable"] = digest(rec.to_dict())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="a previous output: report every difference")
    parser.add_argument("--sizes", default="100,1000", help="trace_bench graph sizes to include")
    args = parser.parse_args()
    configure_process()
    found = digests([int(size) for size in args.sizes.split(",") if size])
    if args.against is None:
        for key, value in found.items():
            print(key, value)
        return
    before = dict(line.split(" ", 1) for line in args.against.read_text().splitlines() if line)
    differ = [k for k in sorted(set(before) | set(found)) if before.get(k) != found.get(k)]
    for key in differ:
        print(f"DIFFERS {key}: {before.get(key)} -> {found.get(key)}")
    print(f"{len(found) - len(differ)} of {len(found)} payloads identical")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
