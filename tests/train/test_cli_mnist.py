"""`autograd-explorer download-mnist` really downloads: from a local mirror (http.server), MD5-checked."""

from __future__ import annotations

import functools
import gzip
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograd_explorer.cli import main
from autograd_explorer.settings import get_settings
from autograd_explorer.train.mnist import expected_files, load_split
from tests.conftest import MNIST_DIR


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on loopback serving a copy of the MNIST gzip files."""
    folder = tmp_path / "mirror" / "mnist"
    folder.mkdir(parents=True)
    for name in expected_files():
        shutil.copy(MNIST_DIR / f"{name}.gz", folder / f"{name}.gz")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "mirror"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/mnist", folder
    server.shutdown()
    server.server_close()


def test_the_mirror_setting_downloads_the_four_files(
    mirror: tuple[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, _ = mirror
    target = tmp_path / "data" / "mnist"  # does not exist yet: created
    monkeypatch.setenv("AUTOGRAD_EXPLORER_MNIST_URL", url)
    monkeypatch.setenv("AUTOGRAD_EXPLORER_MNIST_DIR", str(target))
    get_settings.cache_clear()
    try:
        assert main(["download-mnist"]) == 0
    finally:
        get_settings.cache_clear()
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{n}.gz" for n in expected_files())
    assert f"4 files in {target} (from {url}/)" in capsys.readouterr().out
    test = load_split(target, "test")
    assert test.images.shape == (10_000, 28, 28)
    assert test.digits[:5].tolist() == [7, 2, 1, 0, 4]  # the first test digits of MNIST


def test_a_corrupt_mirror_is_refused_and_nothing_is_kept(
    mirror: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, folder = mirror
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\0\0\x08\x01" + b"\0" * 100))
    target = tmp_path / "out"
    assert main(["download-mnist", "--url", url, "--dir", str(target)]) == 1
    assert "failed its checksum" in capsys.readouterr().out
    assert not (target / "train-labels-idx1-ubyte.gz").exists()
    assert not list(target.glob("*.part"))


def test_an_unreachable_mirror_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["download-mnist", "--url", "http://127.0.0.1:9/none/", "--dir", str(tmp_path)]) == 1
    assert "MNIST download from http://127.0.0.1:9/none/ failed" in capsys.readouterr().out
