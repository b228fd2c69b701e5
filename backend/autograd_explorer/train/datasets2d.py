"""Synthetic 2-D binary classification sets, generated with torch from a seed.

Every generator returns (X, y): X (n, 2) float32 points, y (n, 1) float32 labels in {0, 1},
with the two classes as balanced as n allows. `noise` is the standard deviation of the
Gaussian jitter added to the points.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import torch

Dataset2D = Literal["moons", "circles", "xor", "blobs"]
Generator2D = Callable[[int, float, torch.Generator], tuple[torch.Tensor, torch.Tensor]]


def _labels(n0: int, n1: int) -> torch.Tensor:
    return torch.cat([torch.zeros(n0), torch.ones(n1)]).reshape(-1, 1)


def moons(n: int, noise: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaving half circles (class 0 on top, class 1 below and shifted)."""
    n0 = n // 2
    n1 = n - n0
    t0 = torch.rand(n0, generator=gen) * math.pi
    t1 = torch.rand(n1, generator=gen) * math.pi
    upper = torch.stack([torch.cos(t0), torch.sin(t0)], dim=1)
    lower = torch.stack([1 - torch.cos(t1), 0.5 - torch.sin(t1)], dim=1)
    x = torch.cat([upper, lower]) + noise * torch.randn(n, 2, generator=gen)
    return x, _labels(n0, n1)


def circles(n: int, noise: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A ring of radius 1 (class 0) around a ring of radius 0.5 (class 1)."""
    n0 = n // 2
    n1 = n - n0
    t = torch.rand(n, generator=gen) * 2 * math.pi
    radius = torch.cat([torch.ones(n0), torch.full((n1,), 0.5)])
    x = torch.stack([radius * torch.cos(t), radius * torch.sin(t)], dim=1)
    return x + noise * torch.randn(n, 2, generator=gen), _labels(n0, n1)


def xor(n: int, noise: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniform points in [−1, 1]²; class 1 where the signs of the two coordinates differ."""
    x = torch.rand(n, 2, generator=gen) * 2 - 1
    y = ((x[:, 0] * x[:, 1]) < 0).to(torch.float32).reshape(-1, 1)
    return x + noise * torch.randn(n, 2, generator=gen), y


def blobs(n: int, noise: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two Gaussian blobs centred at (−1, −1) (class 0) and (1, 1) (class 1); spread 0.5 + noise."""
    n0 = n // 2
    n1 = n - n0
    centres = torch.cat([torch.full((n0, 2), -1.0), torch.full((n1, 2), 1.0)])
    return centres + (0.5 + noise) * torch.randn(n, 2, generator=gen), _labels(n0, n1)


GENERATORS: dict[str, Generator2D] = {"moons": moons, "circles": circles, "xor": xor, "blobs": blobs}


def make_2d(
    name: str, *, train_size: int, test_size: int, noise: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Train and test sets of one 2-D generator, shuffled, from one seeded torch.Generator."""
    gen = torch.Generator().manual_seed(seed)
    x, y = GENERATORS[name](train_size + test_size, noise, gen)
    order = torch.randperm(x.shape[0], generator=gen)
    x, y = x[order], y[order]
    return x[:train_size], y[:train_size], x[train_size:], y[train_size:]
