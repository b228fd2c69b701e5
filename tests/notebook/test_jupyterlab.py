"""JupyterLab in chromium: a notebook records a transformer layer, the widget draws it, a step is taken.

A real `jupyter lab` on a random loopback port (its own config, runtime and workspace folders),
the notebook opened and run from JupyterLab's own menu, the widget's frame read like the page.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("jupyterlab")

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
CELLS = [
    """import torch
from torch import nn
import autograd_explorer as ax

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
x = torch.randn(2, 4, 8)
with ax.record() as rec:
    loss = layer(x).pow(2).mean()
    loss.backward()
rec""",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def jupyter_lab(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port, token = free_port(), secrets.token_hex(16)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nbformat.write(nb, tmp_path / "demo.ipynb")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "backend"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}", "--LabApp.news_url=",
            "--LabApp.extension_manager=readonly",  # no PyPI queries for the extension manager
            *(["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
        ],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/status?token={token}", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "lab.log").read_text()
            time.sleep(0.5)
        else:
            pytest.fail("jupyter lab did not start in 60 s")
        yield f"{base}/lab/tree/demo.ipynb?token={token}", tmp_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_jupyterlab_draws_the_recording_and_steps(browser: object, jupyter_lab: tuple[str, Path]) -> None:
    url, folder = jupyter_lab
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    outside: list[str] = []

    def loopback_only(route: object) -> None:
        request_url = route.request.url  # type: ignore[attr-defined]
        if request_url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "blob:", "data:", "about:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(request_url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", loopback_only)
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(url)
    try:
        page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content")
        # The kernel connected and idle (a cell run before that is dropped by JupyterLab).
        page.wait_for_selector(".jp-StatusBar-Widget >> text=Idle")
        page.click(".jp-Notebook .jp-Cell .cm-content")
        page.keyboard.press("Shift+Enter")  # run the cell, as a user does
        page.wait_for_selector(".jp-InputPrompt >> text=[1]")
        frame_element = page.wait_for_selector("iframe.autograd-explorer")
    except Exception:
        page.screenshot(path=str(folder / "jupyterlab-failed.png"))
        raise
    frame = frame_element.content_frame()
    assert frame is not None
    frame.wait_for_selector("body[data-ready='true']")
    # drawn: the layer's 55 nodes as its module boxes (each parameter in its module's), the ops
    # between them, the output (13 items; more than 20 while the parameters sat outside the boxes)
    frame.wait_for_function("Number(document.getElementById('graph').dataset.nodes) >= 10")
    frame.click("[data-action='next']")
    assert frame.input_value("#step-slider") == "1"
    assert "1" in (frame.text_content("#step-label") or "")
    assert frame.locator("#step-panel").inner_text().strip()
    page.screenshot(path=str(folder / "jupyterlab.png"))
    assert not page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
    context.close()
    assert outside == []
