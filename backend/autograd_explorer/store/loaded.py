"""Trained models rebuilt from their records and weight files (cached by file version)."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from threading import Lock

from autograd_explorer.errors import Conflict
from autograd_explorer.store.records import ModelRecord
from autograd_explorer.store.weights import load_weights, weights_path
from autograd_explorer.train.config import TrainConfig
from autograd_explorer.train.models import Classifier, build_model

_CACHE_SIZE = 32
_cache: OrderedDict[tuple[str, int], Classifier] = OrderedDict()
_lock = Lock()


def trained_model(data_dir: Path, record: ModelRecord) -> tuple[TrainConfig, Classifier]:
    """The record's config and its model with the latest saved weights; Conflict if it has none yet.

    A running 2-D job saves snapshots, so its model can be used (e.g. its boundary drawn) mid-run.
    """
    config = record.training()
    if config is None:
        raise Conflict(f"model {record.id} was stored with a config this version cannot read")
    path = weights_path(data_dir, record.id)
    try:
        version = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise Conflict(f"model {record.id} is {record.status}: it has no trained weights") from None
    key = (record.id, version)
    with _lock:
        model = _cache.get(key)
        if model is not None:
            _cache.move_to_end(key)
            return config, model
    model = build_model(config)
    model.load_state_dict(load_weights(data_dir, record.id))
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)  # shared between requests: saliency needs only the input's gradient
    with _lock:
        _cache[key] = model
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return config, model
