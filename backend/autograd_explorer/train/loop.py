"""Training loops: the lecture's full-batch gradient descent, and minibatch SGD / Adam via torch.optim.

Curve points are taken every `eval_every` updates and after the last one. A point's `step`
is the number of updates applied so far, so the first point (step 0) is the initial model and
the last one (step = steps) is the trained model whose figures become the job's metrics.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import torch
from torch import nn

from autograd_explorer.optimize.optimizers import OptimizerSpec, build_torch_optimizer
from autograd_explorer.optimizer import TRAINING_LR
from autograd_explorer.train.config import TrainConfig
from autograd_explorer.train.data import TrainingData

CurvePoint = dict[str, float]
LOSS = nn.BCELoss()


class TrainingListener(Protocol):
    """Told about every update and every curve point; may raise to stop the run."""

    def on_step(self, done: int, model: nn.Module) -> None: ...

    def on_point(self, point: CurvePoint) -> None: ...


class Silent:
    """A listener that ignores everything."""

    def on_step(self, done: int, model: nn.Module) -> None:
        """Nothing."""

    def on_point(self, point: CurvePoint) -> None:
        """Nothing."""


@dataclass
class TrainResult:
    """The trained model, its curve and final figures."""

    model: nn.Module
    points: list[CurvePoint] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)


def accuracy(probabilities: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of samples whose class (probability ≥ 0.5 → 1) equals the label."""
    return float(((probabilities >= 0.5).to(labels.dtype) == labels).to(torch.float32).mean())


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """BCE loss and accuracy of `model` on (x, y), without building a graph."""
    p = model(x)
    return float(LOSS(p, y)), accuracy(p, y)


def lecture_update(model: nn.Module, lr: float) -> None:
    """The lecture's update after `loss.backward()`: p -= lr * p.grad under no_grad, then zero p.grad."""
    with torch.no_grad():
        for p in model.parameters():
            assert p.grad is not None
            p -= lr * p.grad  # type: ignore[misc]  # the lecture's in-place update, kept verbatim
            p.grad.zero_()


def _batches(n: int, batch_size: int, gen: torch.Generator) -> Iterator[torch.Tensor]:
    """Index batches over shuffled epochs, forever."""
    while True:
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, batch_size):
            yield order[start : start + batch_size]


def train(
    model: nn.Module, data: TrainingData, config: TrainConfig, listener: TrainingListener | None = None
) -> TrainResult:
    """Train `model` in place as a resolved `config` says; report to `listener` along the way."""
    listener = listener or Silent()
    result = TrainResult(model=model)
    every = config.eval_every or 1
    started = time.perf_counter()

    def record(step: int, train_figures: tuple[float, float] | None = None) -> None:
        train_loss, train_acc = train_figures or evaluate(model, data.x_train, data.y_train)
        test_loss, test_acc = evaluate(model, data.x_test, data.y_test)
        point = {
            "step": step,
            "train_loss": train_loss,
            "train_accuracy": train_acc,
            "test_loss": test_loss,
            "test_accuracy": test_acc,
        }
        result.points.append(point)
        listener.on_point(point)

    opt = config.optimizer
    spec = OptimizerSpec.of(opt, TRAINING_LR)  # the same update rules as the trajectories'
    if opt.name == "gd":
        x, y = data.x_train, data.y_train
        for done in range(config.steps):
            y_pred = model(x)
            loss = LOSS(y_pred, y)
            if done % every == 0:  # this forward pass is the model after `done` updates: reuse it
                record(done, (float(loss.detach()), accuracy(y_pred.detach(), y)))
            loss.backward()
            lecture_update(model, spec.lr)
            listener.on_step(done + 1, model)
    else:
        optimizer = build_torch_optimizer(spec, list(model.parameters()))
        n = data.x_train.shape[0]
        batches = _batches(n, opt.batch_size or n, torch.Generator().manual_seed(config.seed))
        for done in range(config.steps):
            if done % every == 0:
                record(done)
            idx = next(batches)
            loss = LOSS(model(data.x_train[idx]), data.y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            listener.on_step(done + 1, model)
    record(config.steps)
    final = result.points[-1]
    result.metrics = {
        "train_loss": final["train_loss"],
        "train_accuracy": final["train_accuracy"],
        "test_loss": final["test_loss"],
        "test_accuracy": final["test_accuracy"],
        "seconds": time.perf_counter() - started,
        "parameters": float(sum(p.numel() for p in model.parameters())),
    }
    return result
