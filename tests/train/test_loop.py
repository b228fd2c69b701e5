"""The training loops against plain reference loops written here."""

from __future__ import annotations

import torch
from torch import nn

from autograd_explorer.train.config import TrainConfig
from autograd_explorer.train.data import load_data
from autograd_explorer.train.loop import train
from autograd_explorer.train.models import build_model
from tests.conftest import MNIST_DIR


def test_lecture_loop_matches_a_plain_reference_loop_on_mnist() -> None:
    config = TrainConfig(
        model="simple_nn", train_size=500, test_size=200, steps=12, eval_every=5, seed=1
    ).resolved()
    data = load_data(config, MNIST_DIR)
    result = train(build_model(config), data, config)

    # The lecture's loop, written out: same seed → same initial weights → same trajectory.
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
    loss_fn = nn.BCELoss()
    losses = []
    for _ in range(12):
        y_pred = model(data.x_train)
        loss = loss_fn(y_pred, data.y_train)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.01 * p.grad
                p.grad.zero_()
    ours = list(result.model.parameters())
    assert all(torch.equal(p, q) for p, q in zip(ours, model.parameters(), strict=True))
    assert [pt["step"] for pt in result.points] == [0, 5, 10, 12]
    assert [pt["train_loss"] for pt in result.points[:3]] == [losses[0], losses[5], losses[10]]
    final_loss = loss_fn(model(data.x_train), data.y_train).item()
    assert result.metrics["train_loss"] == final_loss


def test_adam_minibatches_are_reproducible_and_match_torch_optim() -> None:
    config = TrainConfig(
        dataset="moons",
        model="binary_classifier",
        steps=30,
        optimizer={"name": "adam", "lr": 0.05, "batch_size": 16},
    ).resolved()
    data = load_data(config, None)
    a = train(build_model(config), data, config)
    b = train(build_model(config), data, config)
    assert a.points == b.points

    model = build_model(config)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    gen = torch.Generator().manual_seed(config.seed)
    for k in range(30):
        if k % 25 == 0:  # 400 points / 16 = 25 batches per epoch, then a fresh shuffle
            order = torch.randperm(400, generator=gen)
        idx = order[(k % 25) * 16 : (k % 25) * 16 + 16]
        loss = nn.BCELoss()(model(data.x_train[idx]), data.y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), model.parameters(), strict=True))


def test_training_takes_every_optimizer_of_the_trajectories_with_the_trainings_default_lr() -> None:
    # one optimizer schema for both labs: momentum (new to training) against torch.optim, full batch
    config = TrainConfig.model_validate(
        {"dataset": "moons", "model": "binary_classifier", "steps": 15, "optimizer": {"name": "momentum"}}
    ).resolved()
    assert config.optimizer.lr == 0.01  # the lecture's training default, not the trajectories' 0.001
    data = load_data(config, None)
    ours = train(build_model(config), data, config)

    model = build_model(config)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    gen = torch.Generator().manual_seed(config.seed)
    for _ in range(15):
        idx = torch.randperm(400, generator=gen)  # one batch of all 400 points, shuffled per epoch
        loss = nn.BCELoss()(model(data.x_train[idx]), data.y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert all(torch.equal(p, q) for p, q in zip(ours.model.parameters(), model.parameters(), strict=True))


def test_gradient_descent_learns_blobs() -> None:
    config = TrainConfig(dataset="blobs", model="logistic", steps=200, optimizer={"lr": 0.5}).resolved()
    result = train(build_model(config), load_data(config, None), config)
    assert result.points[0]["train_loss"] > result.points[-1]["train_loss"]
    assert result.metrics["test_accuracy"] > 0.9
