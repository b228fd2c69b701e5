"""`autograd-explorer train`: trains in-process into the same store the server reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from autograd_explorer.cli import main
from autograd_explorer.settings import get_settings
from autograd_explorer.store.records import ModelStore


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("AUTOGRAD_EXPLORER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AUTOGRAD_EXPLORER_MNIST_DIR", str(tmp_path / "no-mnist"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_train_moons_saves_a_done_record_and_weights(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "moons", "--model", "binary", "--steps", "60", "--lr", "0.5"]) == 0
    out, err = capsys.readouterr()
    (record,) = ModelStore(data_dir).records()
    assert record.status == "done" and record.config["steps"] == 60
    assert out.startswith(f"model {record.id}: binary_classifier on moons, 60 steps")
    assert "test accuracy" in out and "100% 60/60" in err
    assert (data_dir / "weights" / f"{record.id}.pt").is_file()


def test_missing_mnist_exits_1_with_the_reason(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "mnist", "--model", "nn", "--steps", "5"]) == 1
    assert "MNIST data unavailable" in capsys.readouterr().err


def test_every_update_rule_the_api_takes_is_offered(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["train", "moons", "--model", "binary", "--steps", "5", "--optimizer", "rmsprop", "--lr", "0.01"]
    assert main(argv) == 0
    (record,) = ModelStore(data_dir).records()
    assert record.config["optimizer"]["name"] == "rmsprop"
    capsys.readouterr()
