"""Model weights as files: torch.save of a state_dict, written atomically, read with weights_only."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import torch

from autograd_explorer.errors import NotFound

_ID = re.compile(r"^[0-9a-f]{1,64}$")


def weights_path(data_dir: Path, model_id: str) -> Path:
    """Where the weights of `model_id` live (ids are hex: never a path outside the folder)."""
    if not _ID.match(model_id):
        raise NotFound(f"no model with id {model_id!r}")
    return data_dir / "weights" / f"{model_id}.pt"


def save_weights(data_dir: Path, model_id: str, state: dict[str, torch.Tensor]) -> Path:
    """Write a state_dict to a temporary file and os.replace it: readers see old or new, never half."""
    target = weights_path(data_dir, model_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{model_id}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({k: v.detach().clone() for k, v in state.items()}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load_weights(data_dir: Path, model_id: str) -> dict[str, torch.Tensor]:
    """A saved state_dict; weights_only=True so a file can never run code when read."""
    path = weights_path(data_dir, model_id)
    if not path.is_file():
        raise NotFound(f"model {model_id} has no saved weights")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise NotFound(f"model {model_id}: weights file is not a state_dict")
    return state


def delete_weights(data_dir: Path, model_id: str) -> None:
    """Remove the weights of `model_id` (nothing to do if it never saved any)."""
    weights_path(data_dir, model_id).unlink(missing_ok=True)
