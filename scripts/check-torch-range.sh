#!/usr/bin/env bash
# Run the library's tests against another torch (and numpy) than the app's pins, as a notebook user
# would have them: scripts/check-torch-range.sh TORCH_VERSION [NUMPY_VERSION]
#
# NOT part of `make test` nor of CI: too slow for them. Each run builds a virtualenv and downloads a
# torch (PyPI's Linux wheels of old torch are CUDA builds: 2-3 GB with their nvidia-* packages);
# about 5 minutes in all on 2 cores with a fast link.
#
# pyproject.toml declares ranges for torch and numpy (`pip install autograd-explorer` keeps the
# user's own); `make test` only ever runs constraints.txt's pins. This makes a throwaway virtualenv,
# installs that torch and numpy (default: the app's pin) first, alone, then this checkout as a user
# installs it (a wheel with its library dependencies, no `server` extra; constraints.txt's pins for
# everything but torch and numpy) and the test tools, and runs the tests of the library's path:
# - tests/notebook, the real Jupyter kernel's test included; left out: the browser tests (no
#   Playwright or JupyterLab here), test_wheel.py (it builds its own virtualenv at the app's pin) and
#   the one test of a server command with the server extra installed;
# - tests/trace, the recorder and shapers record() uses; pydantic-settings comes with the test tools
#   (those tests read the app's limits from its Settings; the library never imports it, which
#   test_packaging.py checks); a module needing the rest of the server extra (the app) is left out.
# Not tests/lang: the web explorer's interpreter, which record() never runs; its tests compare it
# with the semantics of the installed torch, which the app pins (add them: PYTEST_ARGS=tests/lang).
# Results: docs/notebook.md, "Supported versions".
#
# Environment: PYTHON (the virtualenv's interpreter; default python3.11), VENV (its directory;
# default under ${TMPDIR:-/tmp}; an existing one is reused, and kept), KEEP=1 keeps the one made here
# (default: deleted), PYTEST_ARGS (more pytest arguments: "-x", "-k record", more test paths).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 TORCH_VERSION [NUMPY_VERSION]" >&2
    exit 2
fi
TORCH="$1"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# numpy: the app's pin unless given (torch itself requires none)
NUMPY="${2:-$(sed -n 's/^numpy==\([^ ]*\).*/\1/p' "$ROOT/constraints.txt")}"
PYTHON="${PYTHON:-python3.11}"
VENV="${VENV:-${TMPDIR:-/tmp}/autograd-explorer-torch-$TORCH-numpy-$NUMPY}"
unset PYTHONPATH  # the installed copy is tested, never backend/ of the checkout

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
    # deleted when done unless KEEP=1; a virtualenv this script did not make is never deleted
    [ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$VENV"' EXIT
fi
PY="$VENV/bin/python"
pip() { "$PY" -m pip "$@"; }
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off

# 1. torch and numpy first, alone: installing the project first would let pip pick a torch in range
pip install "torch==$TORCH" "numpy==$NUMPY"

# 2. Everything else at constraints.txt's pins, torch and numpy as they were just installed (a
#    package that asks for another torch or numpy fails here instead of replacing them)
CONSTRAINTS="$VENV/constraints.txt"
grep -v -E '^(torch|numpy)==' "$ROOT/constraints.txt" >"$CONSTRAINTS"
"$PY" -c 'from importlib.metadata import version as v; print("torch==" + v("torch")); print("numpy==" + v("numpy"))' \
    >>"$CONSTRAINTS"  # the distributions' versions: torch.__version__ may say +cu130

# 3. The project as a user installs it (a wheel built from this checkout, its own dependencies),
#    then the test tools: pytest, hypothesis, a real kernel (nbclient, ipykernel), httpx
#    (tests/live.py), packaging and a setuptools that builds wheels (tests/notebook/test_packaging.py:
#    the venv module's own, 65 on Python 3.11, has no bdist_wheel), pydantic-settings (the tests'
#    Settings)
pip install -c "$CONSTRAINTS" "$ROOT" pytest pytest-timeout hypothesis nbclient nbformat ipykernel \
    httpx packaging "setuptools>=70.1" pydantic-settings
pip install --force-reinstall --no-deps "$ROOT"  # this checkout's code, in a reused virtualenv too

cd "$ROOT"
# The tests/trace modules that import (even through another test module) nothing of the server extra
# but pydantic-settings: each imported here, those failing for a server module left out; any other
# import error keeps its module in, for pytest to report.
mapfile -t TRACE < <("$PY" - <<'PYTHON'
import importlib
import sys
from pathlib import Path

from autograd_explorer.extras import SERVER_MODULES

sys.path.insert(0, ".")
for path in sorted(Path("tests/trace").glob("test_*.py")):
    try:
        importlib.import_module(".".join(path.with_suffix("").parts))
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] in SERVER_MODULES:
            print(f"left out (needs the server extra's {exc.name}): {path}", file=sys.stderr)
            continue
    except BaseException:  # pytest reports it (importorskip: a skip)
        pass
    print(path)
PYTHON
)

"$PY" -c 'import sys, numpy, torch, autograd_explorer as ax
print(f"python {sys.version.split()[0]}, torch {torch.__version__}, numpy {numpy.__version__}, {ax.__file__}")'
# shellcheck disable=SC2086  # PYTEST_ARGS: words on purpose
"$PY" -m pytest -p no:cacheprovider -q -m "not browser" \
    --deselect tests/notebook/test_wheel.py \
    --deselect tests/notebook/test_packaging.py::test_a_server_command_with_the_extra_runs \
    tests/notebook "${TRACE[@]}" ${PYTEST_ARGS:-}
