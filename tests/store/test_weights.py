"""Weight files: atomic writes, safe reads, ids that cannot escape the folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from autograd_explorer.errors import NotFound
from autograd_explorer.store.weights import load_weights, save_weights, weights_path


def test_round_trip_and_no_temporary_files_left(tmp_path: Path) -> None:
    state = {"w": torch.arange(6.0).reshape(2, 3), "b": torch.tensor([1.5])}
    path = save_weights(tmp_path, "abc123", state)
    save_weights(tmp_path, "abc123", {k: v + 1 for k, v in state.items()})  # replaced, not appended
    loaded = load_weights(tmp_path, "abc123")
    assert torch.equal(loaded["w"], state["w"] + 1) and torch.equal(loaded["b"], state["b"] + 1)
    assert [p.name for p in path.parent.iterdir()] == ["abc123.pt"]


def test_pickled_code_is_refused(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (print, ("pwned",))

    target = weights_path(tmp_path, "bad")
    target.parent.mkdir(parents=True)
    torch.save({"w": Evil()}, target)
    with pytest.raises(Exception, match="Weights only load failed"):
        load_weights(tmp_path, "bad")


def test_ids_are_hex_only(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"no model with id '\.\./x'"):
        weights_path(tmp_path, "../x")
    with pytest.raises(NotFound, match="model ab has no saved weights"):
        load_weights(tmp_path, "ab")
