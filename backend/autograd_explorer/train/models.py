"""The lecture's models: Logistic, SimpleNN and BinaryClassifier (CONTENT.md §6)."""

from __future__ import annotations

import torch
from torch import nn

from autograd_explorer.train.config import ActivationName, TrainConfig

ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


class Logistic(nn.Module):
    """Logistic regression: sigmoid(Linear(d, 1, bias=False)(x))."""

    def __init__(self, d: int = 784) -> None:
        super().__init__()
        self.linear = nn.Linear(d, 1, bias=False)

    def logit(self, x: torch.Tensor) -> torch.Tensor:
        """The score before the sigmoid."""
        z: torch.Tensor = self.linear(x)
        return z

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logit(x))


class OneHiddenLayer(nn.Module):
    """Linear(d, h) → activation → Linear(h, 1) → sigmoid: SimpleNN and BinaryClassifier alike."""

    def __init__(self, d: int, hidden: int, activation: ActivationName) -> None:
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)
        self.act = ACTIVATIONS[activation]()
        self.fc2 = nn.Linear(hidden, 1)

    def logit(self, x: torch.Tensor) -> torch.Tensor:
        """The score before the sigmoid."""
        z: torch.Tensor = self.fc2(self.act(self.fc1(x)))
        return z

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logit(x))


def simple_nn(d: int = 784, hidden: int = 32, activation: ActivationName = "relu") -> OneHiddenLayer:
    """The lecture's SimpleNN: 784 → 32 ReLU → 1, sigmoid."""
    return OneHiddenLayer(d, hidden, activation)


def binary_classifier(d: int = 2, hidden: int = 8, activation: ActivationName = "tanh") -> OneHiddenLayer:
    """The lecture's BinaryClassifier: d → h tanh → 1, sigmoid."""
    return OneHiddenLayer(d, hidden, activation)


Classifier = Logistic | OneHiddenLayer


def input_dim(config: TrainConfig) -> int:
    """784 for MNIST, 2 for the 2-D sets."""
    return 784 if config.is_mnist else 2


def build_model(config: TrainConfig) -> Classifier:
    """The model a (resolved) config names, initialized from torch.manual_seed(config.seed)."""
    torch.manual_seed(config.seed)
    d = input_dim(config)
    if config.model == "logistic":
        return Logistic(d)
    assert config.hidden is not None and config.activation is not None, "call config.resolved() first"
    return OneHiddenLayer(d, config.hidden, config.activation)
