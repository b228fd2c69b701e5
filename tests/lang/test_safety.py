"""The language's own code never calls eval/exec/compile/__import__/open/pickle; getattr/setattr
only in the two checked helpers of user_code.py (names the program set, or members of the table)."""

from __future__ import annotations

import ast
from pathlib import Path

import autograd_explorer.lang as lang

FORBIDDEN_CALLS = {"eval", "exec", "compile", "getattr", "setattr", "delattr", "__import__", "open", "vars"}
# The one reader and the one writer of attributes by name; their callers check the name first.
CHECKED = {("user_code.py", "read_checked", "getattr"), ("user_code.py", "write_checked", "setattr")}


def test_no_dynamic_lookup_or_code_execution_in_the_evaluator() -> None:
    folder = Path(lang.__file__).parent
    offenders = []
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = {
            id(call)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef)
            for call in ast.walk(fn)
            if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and (path.name, fn.name, call.func.id) in CHECKED
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in FORBIDDEN_CALLS
                and id(node) not in allowed
            ):
                offenders.append(f"{path.name}:{node.lineno} {node.func.id}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(n.split(".")[0] in {"pickle", "marshal", "subprocess", "os"} for n in names):
                    offenders.append(f"{path.name}:{node.lineno} import {names}")
    assert offenders == []
    assert len(allowed_sites(folder)) == 2  # exactly the two helpers, each with one call
    assert len(list(folder.glob("*.py"))) >= 8  # the scan did look at the package


def allowed_sites(folder: Path) -> list[str]:
    """Calls of getattr/setattr anywhere in the package (all inside the two checked helpers)."""
    sites = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"getattr", "setattr"}
            ):
                sites.append(f"{path.name}:{node.lineno}")
    return sites
