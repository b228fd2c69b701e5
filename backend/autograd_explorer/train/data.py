"""The tensors a training config asks for: MNIST odd/even or a 2-D set, train and test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from autograd_explorer.train.config import TrainConfig
from autograd_explorer.train.datasets2d import make_2d
from autograd_explorer.train.mnist import check_available, parity_tensors


@dataclass(frozen=True)
class TrainingData:
    """Inputs (N, d) float32 and labels (N, 1) float32 in {0, 1}."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def load_data(config: TrainConfig, mnist_dir: Path | None) -> TrainingData:
    """The data of a resolved config (MNIST from `mnist_dir`, 2-D sets generated from the seed)."""
    if config.is_mnist:
        mnist_dir = check_available(mnist_dir)
        x_train, y_train = parity_tensors(mnist_dir, "train", config.train_size)
        x_test, y_test = parity_tensors(mnist_dir, "test", config.test_size)
        return TrainingData(x_train, y_train, x_test, y_test)
    assert config.train_size is not None and config.test_size is not None, "call config.resolved() first"
    x_train, y_train, x_test, y_test = make_2d(
        config.dataset,
        train_size=config.train_size,
        test_size=config.test_size,
        noise=config.noise,
        seed=config.seed,
    )
    return TrainingData(x_train, y_train, x_test, y_test)
