"""The wheel carries the frontend: a recording saved from the unpacked wheel alone is a whole page."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, torch, autograd_explorer as ax
assert ax.__file__.startswith(sys.argv[1]), ax.__file__
w = torch.tensor([1.0, 2.0], requires_grad=True)
with ax.record() as rec:
    loss = (w * w).sum()
    loss.backward()
rec.save_html(sys.argv[2])
"""


def test_wheel_ships_frontend_and_pages_work_from_it(tmp_path: Path) -> None:
    pytest.importorskip("build")
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
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
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)  # a pure-Python wheel unpacked is an install
    page = tmp_path / "page.html"
    # Only the unpacked wheel and the interpreter's own packages (torch) are importable here.
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", SCRIPT, str(site), str(page)], check=True, env=env, cwd=tmp_path)
    text = page.read_text()
    assert "cytoscape" in text and "KaTeX_Main" in text and '"loss"' in text
