"""As a new user would: a fresh virtualenv with only torch, the wheel installed alone, a transformer recorded.

The wheel is built from this checkout; the virtualenv gets torch as `make install` gets it (pinned,
from pip's configured index and find-links, so no CUDA build is pulled), then the wheel with its
own dependencies and nothing else: no editable install, no repository on the path, no constraints
(a user's pip picks the library's ranges as it likes) and none of the `server` extra (issue 14).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
REPO = Path(__file__).resolve().parents[2]
# torch at the app's pin (constraints.txt), as `make install` gets it
(TORCH,) = (
    line for line in (REPO / "constraints.txt").read_text().splitlines() if line.startswith("torch==")
)
# The server extra's, which `pip install autograd-explorer` must not bring into a notebook
SERVER_ONLY = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg", "redis", "dramatiq")
TIMES: list[str] = []  # each step's duration, printed with the page's size

SCRIPT = """
import sys
from pathlib import Path

import torch
from torch import nn
from pydantic import TypeAdapter

import autograd_explorer as ax
from autograd_explorer.notebook.assets import frontend_dir
from autograd_explorer.trace.payload import TraceResponse

site = Path(sys.argv[1])
assert Path(ax.__file__).is_relative_to(site), ax.__file__
assert frontend_dir().is_relative_to(site), frontend_dir()  # the page's files came with the wheel

torch.manual_seed(0)
model = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
x = torch.randn(2, 4, 8)
with ax.record() as rec:
    loss = model(x).pow(2).mean()
    loss.backward()
payload = TypeAdapter(TraceResponse).validate_python(rec.to_dict())
assert payload["output"]["name"] == "loss" and len(payload["passes"][0]["steps"]) > 40
assert any(n.get("module") == "model.self_attn" for n in payload["nodes"])
page = rec.save_html(sys.argv[2])
# the library alone: none of the server extra's packages is installed, none was imported
from importlib.metadata import PackageNotFoundError, distribution

server = sys.argv[3].split(",")
installed = []
for name in server:
    try:
        installed.append(f"{name} {distribution(name).version}")
    except PackageNotFoundError:
        pass
assert not installed, installed
assert not [m for m in sys.modules if m.partition(".")[0] in server]
print(len(payload["nodes"]), page.stat().st_size)
"""


def _run(command: list[str], **kwargs: object) -> str:
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    TIMES.append(f"{' '.join(command[1:6])[:60]}: {time.monotonic() - started:.0f}s")
    return str(done.stdout)


def test_fresh_virtualenv_with_torch_and_the_wheel_records_a_transformer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("build")
    out = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)])
    (wheel,) = out.glob("autograd_explorer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "autograd_explorer/frontend/viewer.html",
        "autograd_explorer/frontend/js/explorer/viewer.js",
        "autograd_explorer/frontend/js/explorer/graph-view.js",
        "autograd_explorer/frontend/vendor/cytoscape/cytoscape.esm.min.mjs",
        "autograd_explorer/frontend/vendor/katex/fonts/KaTeX_Main-Regular.woff2",
        "autograd_explorer/notebook/record.py",
        "autograd_explorer/cli_open.py",
    ):
        assert needed in names, needed
    assert not [n for n in names if "/frontend/tests/" in n or n.endswith("package.json")]

    venv = tmp_path / "venv"
    # The interpreter the project's own virtualenv was made from, not that virtualenv itself; no
    # pip of its own (ensurepip is most of a minute): this pip installs into it (`--python`).
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    # pip's own configuration (index, find-links, cache) as `make install` uses it; nothing of ours.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}:/usr/bin:/bin"
    # --no-compile: byte-compiling torch's thousands of files would be most of this test's time
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-compile"]
    _run([*pip, TORCH], env=env)
    _run([*pip, str(wheel)], env=env)
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env=env
        ).strip()
    )
    # the wheel's files, not this checkout through an editable install's path file
    assert not list(site.glob("__editable__*"))
    assert not [pth for pth in site.glob("*.pth") if str(REPO) in pth.read_text()]

    page = tmp_path / "trace.html"
    nodes, size = map(
        int,
        _run(
            [str(python), "-c", SCRIPT, str(site), str(page), ",".join(SERVER_ONLY)], env=env, cwd=tmp_path
        ).split(),
    )
    text = page.read_text()
    assert "cytoscape" in text and "KaTeX_Main" in text and '"loss"' in text
    assert 500_000 < size < 5_000_000  # the inlined frontend (~1.7 MB) and the payload
    with capsys.disabled():
        print(f"\nfresh venv: {wheel.name}, transformer layer {nodes} nodes, standalone page {size:,} bytes")
        print("steps: " + "; ".join(TIMES))
