"""`autograd-explorer open script.py | trace.json`: the explorer on your own script, or a saved payload.

A script runs in this process, unsandboxed, under `record()` (it is your code on your machine);
the page is the standalone one (docs/notebook.md), written to a file and opened in the browser.
"""

from __future__ import annotations

import argparse
import json
import runpy
import sys
import tempfile
import traceback
import webbrowser
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add the `open` sub-command."""
    p = sub.add_parser("open", help="record a local script (or read a saved trace.json) and open the page")
    p.add_argument("path", type=Path, help="a Python script to run under record(), or a trace .json")
    p.add_argument("--save", type=Path, default=None, help="write the page here (default: a temporary file)")
    p.add_argument("--no-browser", action="store_true", help="write the page, do not open it")
    p.set_defaults(func=run)


def record_script(path: Path) -> tuple[str, int]:
    """Run the script as __main__ under record(): the page's payload JSON, and 1 if it raised."""
    from autograd_explorer.notebook import record

    scope: dict[str, Any] = {}
    status = 0
    recorder = record(scope=scope)
    sys.argv = [str(path)]
    sys.path.insert(0, str(path.resolve().parent))
    try:
        with recorder as rec:
            scope.update(runpy.run_path(str(path), run_name="__main__"))
    except Exception:  # the script's own error: show it, and the graph up to it
        traceback.print_exc()
        status = 1
    return rec.page_json(), status


def read_payload(path: Path) -> str:
    """A saved trace (`rec.to_dict()`, `--json`, the page's JSON export) checked to be one."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SystemExit(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("nodes"), list | dict):
        raise SystemExit(f"{path}: not a trace (no 'nodes'): save one with rec.to_dict() or the JSON export")
    return json.dumps(payload)


def run(args: argparse.Namespace) -> int:
    from autograd_explorer.notebook.page import standalone_page

    path: Path = args.path
    if not path.is_file():
        raise SystemExit(f"{path}: no such file")
    if path.suffix == ".json":
        payload, status = read_payload(path), 0
    else:
        payload, status = record_script(path)
    target = args.save or Path(tempfile.mkdtemp(prefix="autograd-explorer-")) / f"{path.stem}.html"
    target.write_text(standalone_page(payload, f"{path.name} · Autograd Explorer"), encoding="utf-8")
    print(target)
    if not args.no_browser:
        webbrowser.open(target.resolve().as_uri())
    return status
