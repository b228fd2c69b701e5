"""`autograd-explorer trace EXPR --input x=1`: the graph and the backward steps as text."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from autograd_explorer.errors import ProgramError, place_text
from autograd_explorer.trace.narration import latex_to_text
from autograd_explorer.trace.values import value_array


def register(sub: Any) -> None:
    """Add the `trace` sub-command."""
    p = sub.add_parser("trace", help="trace an expression or program and print graph and steps")
    p.add_argument(
        "source", help="an expression such as 'x**3 - 3*x', or a program's file: file.py (or @file.py)"
    )
    p.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a free name's value: a number or a JSON list (repeatable)",
    )
    p.add_argument("--output", default=None, help="the variable to trace")
    p.add_argument("--json", action="store_true", help="print the whole payload as JSON")
    p.add_argument(
        "--on-error",
        "--on-backward-error",  # its name before the option covered every error (6.2.0)
        dest="on_error",
        choices=["error", "graph"],
        default="error",
        help="an error the program does not catch (a backward() PyTorch's engine stops, an update "
        "outside torch.no_grad()): print the error alone, or the graph made up to it and the steps "
        "run, then the error (exit status 2 either way)",
    )
    p.set_defaults(func=run, server=True)  # the app's settings and sandbox limits


def parse_inputs(items: list[str]) -> dict[str, object]:
    """['x=1', 'w=[1, 2]'] -> {'x': 1.0, 'w': [1, 2]} (JSON values only, never evaluated)."""
    out: dict[str, object] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise SystemExit(f"--input {item!r}: expected NAME=VALUE")
        try:
            out[name.strip()] = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"--input {item!r}: the value must be a number or a JSON list") from exc
    return out


def format_trace(payload: dict[str, Any]) -> str:
    """The payload as the text a student reads in a terminal."""
    lines = ["Graph (data flow, inputs first):"]
    for node in payload["nodes"]:
        value = _value_text(node["value"])
        who = latex_to_text(node["symbol"]) if node.get("symbol") else ""
        lines.append(
            f"  [{node['id']}] {node['kind']:<5} {node['op']:<18} {who:<8} {node['label']:<24} = {value}"
        )
    printed = payload.get("printed") or []
    if printed:  # what the program's print() calls wrote, first: a script's own output
        lines[:0] = [*printed, ""]
    for w in payload["warnings"]:
        lines.append(f"warning: {w}")
    for p in payload["passes"]:
        lines.append(f"Backward pass {p['index'] + 1} ({p['kind']}):")
        for step in p["steps"]:
            lines.append(f"  {step['index'] + 1}. {step['narration']}")
    if payload["grads"]:
        lines.append("Gradients:")
        for name, g in payload["grads"].items():
            lines.append(f"  {name}.grad = {_value_text(g)}")
    stopped = payload.get("stopped")
    if stopped:  # the program stopped (--on-error graph): where, last
        node = stopped["node"]
        if node is None:
            at = ""
        elif not stopped["in_backward"]:
            at = f", changing node [{node}] in place"
        else:  # a node the engine ran (anomaly mode found NaN in what it sent on) or could not run
            ran = payload["passes"] and any(s["node"] == node for s in payload["passes"][-1]["steps"])
            at = f" {'after' if ran else 'before'} node [{node}]"
        where = place_text(stopped["line"], stopped.get("file"), stopped["calls"])
        lines.append(f"Stopped{f' at {where}' if where else ''}{at}: {stopped['message']}")
    return "\n".join(lines)


def _value_text(tv: dict[str, Any] | None) -> str:
    if tv is None:
        return "None"
    if tv["truncated"]:
        return f"<{tv['shape']} mean {tv['summary']['mean'] if tv['summary'] else None}>"
    if tv["nonfinite"]:  # null in the JSON; the terminal shows NaN, Infinity where they were
        return json.dumps(value_array(tv).tolist())
    data = tv["data"]
    return json.dumps(data.tolist() if hasattr(data, "tolist") else data)


def read_source(argument: str) -> str | None:
    """The program an argument names: `@file` or a `*.py` path is read (None: no such file), anything
    else is the source itself. `trace t.py` used to trace the expression `t.py` and answer "missing
    input 't'"; no expression ends in an attribute named py."""
    path = argument[1:] if argument.startswith("@") else argument if argument.endswith(".py") else None
    if path is None:
        return argument
    try:
        return Path(path).read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def run(args: argparse.Namespace) -> int:
    """Trace and print; a program error prints its line and column and exits with 2."""
    from autograd_explorer.jsonsafe import dumps
    from autograd_explorer.process_setup import configure_process
    from autograd_explorer.settings import get_settings
    from autograd_explorer.trace.jobs import run_trace_job

    configure_process()
    source = read_source(args.source)
    if source is None:
        print(f"no such file: {args.source.removeprefix('@')}", file=sys.stderr)
        return 2
    params = {
        "source": source,
        "inputs": parse_inputs(args.input),
        "output": args.output,
        "on_error": args.on_error,
    }
    try:
        payload = run_trace_job(params, get_settings())
    except ProgramError as exc:
        print(f"{exc.type} error{exc.where()}: {exc.message}", file=sys.stderr)
        return 2
    print(dumps(payload, indent=True).decode() if args.json else format_trace(payload))
    return 2 if payload.get("stopped") else 0
