"""The lecture's architectures."""

from __future__ import annotations

import torch

from autograd_explorer.train.config import TrainConfig
from autograd_explorer.train.models import Logistic, build_model


def shapes(model: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def test_logistic_is_linear_784_to_1_without_bias_then_sigmoid() -> None:
    model = build_model(TrainConfig(model="logistic").resolved())
    assert isinstance(model, Logistic)
    assert shapes(model) == {"linear.weight": (1, 784)}
    x = torch.randn(3, 784)
    torch.testing.assert_close(model(x), torch.sigmoid(x @ model.linear.weight.T))


def test_simple_nn_is_784_32_relu_1_sigmoid() -> None:
    model = build_model(TrainConfig(model="simple_nn").resolved())
    assert shapes(model) == {
        "fc1.weight": (32, 784),
        "fc1.bias": (32,),
        "fc2.weight": (1, 32),
        "fc2.bias": (1,),
    }
    x = torch.randn(4, 784)
    w1, b1, w2, b2 = (p.detach() for p in model.parameters())
    torch.testing.assert_close(model(x), torch.sigmoid(torch.relu(x @ w1.T + b1) @ w2.T + b2))


def test_binary_classifier_uses_tanh_and_configurable_hidden_size() -> None:
    model = build_model(TrainConfig(dataset="moons", model="binary_classifier", hidden=5).resolved())
    assert shapes(model)["fc1.weight"] == (5, 2)
    x = torch.randn(4, 2)
    w1, b1, w2, b2 = (p.detach() for p in model.parameters())
    torch.testing.assert_close(model(x), torch.sigmoid(torch.tanh(x @ w1.T + b1) @ w2.T + b2))


def test_same_seed_same_initial_weights() -> None:
    config = TrainConfig(model="simple_nn", seed=7).resolved()
    a, b = build_model(config), build_model(config)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
