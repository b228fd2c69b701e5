"""Issue 14: `pip install autograd-explorer` is the library alone; the app's stack is the `server` extra.

The wheel's metadata asks for the library's packages as ranges (a notebook keeps its own pydantic,
numpy, torch) and for the server's only under `extra == "server"`; constraints.txt pins everything
the app runs; the library never imports a server module; a server command without them says what
to install. The wheel installed into a fresh virtualenv with torch only: test_wheel.py.
"""

from __future__ import annotations

import email
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograd_explorer.extras import INSTALL_SERVER, SERVER_MODULES
from tests.conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
CONSTRAINTS = REPO / "constraints.txt"
BACKEND = str(REPO / "backend")


def requirements(group: str) -> list[Requirement]:
    """pyproject's base requirements ("") or an extra's."""
    raw = PYPROJECT["dependencies"] if group == "" else PYPROJECT["optional-dependencies"][group]
    return [Requirement(line) for line in raw]


def pins() -> dict[str, str]:
    """constraints.txt as {canonical name: version}; every line must be one exact pin."""
    out: dict[str, str] = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==" and "*" not in spec.version and not req.extras and not req.marker, line
        name = canonicalize_name(req.name)
        assert name not in out, f"{name} pinned twice"
        out[name] = spec.version
    return out


def test_constraints_pin_every_requirement_within_its_range() -> None:
    pinned = pins()
    for group in ("", "server", "dev"):
        for req in requirements(group):
            name = canonicalize_name(req.name)
            assert name in pinned, f"{req} ({group or 'base'}) is not pinned in constraints.txt"
            assert req.specifier.contains(pinned[name], prereleases=True), (
                f"constraints.txt's {name}=={pinned[name]} is outside pyproject's {req}"
            )
    # what an extra of a requirement brings is pinned too (psycopg[binary], dramatiq[redis])
    assert {"psycopg-binary", "redis"} <= pinned.keys()
    # ... and the pins the Makefile and the Dockerfile install torch with are these
    assert pinned["torch"] == "2.13.0" and pinned["numpy"] == "2.4.6"


def test_base_requirements_are_ranges_without_the_server_stack() -> None:
    base = requirements("")
    assert not [str(r) for r in base if any(s.operator in ("==", "===") for s in r.specifier)]
    assert all(r.specifier for r in base), "each has at least a lower bound"
    names = {canonicalize_name(r.name) for r in base}
    server = {canonicalize_name(r.name) for r in requirements("server")}
    assert not names & server
    assert {"torch", "numpy", "pydantic", "orjson", "anywidget"} <= names


def test_server_modules_are_the_server_extras_packages() -> None:
    # extras.py names the modules a server command checks for: those of the extra, one for one
    declared = {canonicalize_name(r.name).replace("-", "_") for r in requirements("server")}
    assert declared == set(SERVER_MODULES)


def test_wheel_metadata_has_the_server_stack_only_under_its_extra(tmp_path: Path) -> None:
    # The metadata setuptools puts in the wheel, without building one (test_wheel.py builds it).
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, setuptools.build_meta as b; print(b.prepare_metadata_for_build_wheel(sys.argv[1]))",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    info = tmp_path / done.stdout.strip().splitlines()[-1]
    metadata = email.message_from_string((info / "METADATA").read_text())
    requires = [Requirement(line) for line in metadata.get_all("Requires-Dist") or []]
    base = [r for r in requires if r.marker is None]
    by_extra: dict[str, set[str]] = {}
    for r in requires:
        if r.marker is not None:
            (extra,) = (e for e in ("server", "dev") if r.marker.evaluate({"extra": e}))
            by_extra.setdefault(extra, set()).add(canonicalize_name(r.name))
    assert {canonicalize_name(r.name) for r in base} == {canonicalize_name(r.name) for r in requirements("")}
    assert not [str(r) for r in base if any(s.operator == "==" for s in r.specifier)]
    for package in (
        "fastapi",
        "starlette",
        "uvicorn",
        "sqlalchemy",
        "alembic",
        "psycopg",
        "redis",
        "dramatiq",
    ):
        assert package in by_extra["server"]
        assert package not in {canonicalize_name(r.name) for r in base}
    assert set(metadata.get_all("Provides-Extra") or []) == {"server", "dev"}


# Refuses every server module (as if the extra were not installed) and notes each attempt.
HIDE_SERVER = """
import sys
from importlib.abc import MetaPathFinder

HIDDEN = set(sys.argv[1].split(","))
tried = []


class Refuse(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            tried.append(name)
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by the test)", name=name)
        return None


sys.meta_path.insert(0, Refuse())
"""

LIBRARY = """
import json
from pathlib import Path

import torch
from torch import nn

import autograd_explorer as ax
from autograd_explorer.cli import main

out = Path(sys.argv[2])
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
x = torch.randn(2, 3)
with ax.record() as rec:
    loss = model(x).pow(2).mean()
    loss.backward()
payload = rec.to_dict()
rec.save_html(out / "page.html")
rec.widget()
rec._repr_mimebundle_()
ax.explore(loss).to_dict()
(out / "trace.json").write_text(json.dumps(payload))
script = out / "script.py"
script.write_text(
    "import torch\\nw = torch.ones(2, requires_grad=True)\\nloss = (w * w).sum()\\nloss.backward()\\n"
)
assert main(["open", str(script), "--save", str(out / "script.html"), "--no-browser"]) == 0
assert main(["open", str(out / "trace.json"), "--save", str(out / "again.html"), "--no-browser"]) == 0
print(json.dumps({
    "tried": tried,
    "loaded": sorted(m for m in sys.modules if m.partition(".")[0] in HIDDEN),
    "bias_grad": payload["grads"]["model.0.bias"],
}))
"""


def run_hidden(
    code: str, *args: str, hidden: tuple[str, ...] = SERVER_MODULES, prelude: str = HIDE_SERVER
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", prelude + code, ",".join(hidden), *args],
        capture_output=True,
        text=True,
        timeout=240,
        env={"PYTHONPATH": BACKEND, "PATH": "/usr/bin:/bin"},
    )


def test_the_library_and_open_run_without_any_server_module(tmp_path: Path) -> None:
    done = run_hidden(LIBRARY, str(tmp_path))
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["tried"] == [] and result["loaded"] == []
    for page in ("page.html", "script.html", "again.html"):
        assert '"loss"' in (tmp_path / page).read_text(), page
    # the recording is a real one: the first layer's bias gradient, against torch's own
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    x = torch.randn(2, 3).double()
    (expected,) = torch.autograd.grad(model(x).pow(2).mean(), [model[0].bias])
    recorded = result["bias_grad"]
    assert recorded["shape"] == [4]
    torch.testing.assert_close(
        torch.tensor(recorded["data"], dtype=torch.float64), expected, atol=1e-6, rtol=1e-5
    )


# As if not installed: importing a module whose sys.modules entry is None raises
# ModuleNotFoundError, and importlib.util.find_spec answers None, as for a missing package.
UNINSTALL = """
import sys

for name in sys.argv[1].split(","):
    sys.modules[name] = None
"""
SERVER_COMMAND = """
from autograd_explorer.cli import main

sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize(
    ("command", "hidden"),
    [
        (["serve"], ("fastapi",)),
        (["worker"], ("dramatiq",)),
        (["trace", "x**2", "--input", "x=3"], ("pydantic_settings",)),
        (["train", "xor", "--steps", "5"], ("sqlalchemy",)),
        (["download-mnist", "--dir", "/nonexistent"], SERVER_MODULES),
    ],
)
def test_a_server_command_without_the_server_extra_says_what_to_install(
    command: list[str], hidden: tuple[str, ...]
) -> None:
    done = run_hidden(SERVER_COMMAND, *command, hidden=hidden, prelude=UNINSTALL)
    assert done.returncode == 2, done.stderr[-3000:]
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert "Traceback" not in done.stderr
    assert line.startswith(f"autograd-explorer {command[0]} needs")
    assert line.endswith(INSTALL_SERVER) and INSTALL_SERVER == "pip install 'autograd-explorer[server]'"
    for name in hidden:
        assert name in line  # the missing packages are named


def test_a_server_command_with_the_extra_runs() -> None:
    # the same check lets `trace` through when nothing is hidden (the server extra is installed here)
    done = run_hidden(
        SERVER_COMMAND, "trace", "x**2", "--input", "x=3", hidden=("nothing_hidden",), prelude=UNINSTALL
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Gradients:" in done.stdout and "x.grad = 6.0" in done.stdout
