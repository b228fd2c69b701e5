"""The lecture's data sets, generated exactly as CONTENT.md prints them (same seeds, same calls).

Local generators give the same numbers as `torch.manual_seed(s)` followed by the same calls,
without touching the process-wide generator other requests may be using.
"""

from __future__ import annotations

from functools import lru_cache

import torch


def seeded(seed: int) -> torch.Generator:
    """A CPU generator in the state `torch.manual_seed(seed)` leaves the default one in."""
    return torch.Generator().manual_seed(seed)


@lru_cache(maxsize=8)
def least_squares_data(seed: int = 42, num: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    """§5: `torch.manual_seed(42); X = torch.randn(100, 2); y = X @ [1.0, -0.5]` (float32)."""
    X = torch.randn(num, 2, generator=seeded(seed))
    w_true = torch.tensor([1.0, -0.5])
    return X, X @ w_true


@lru_cache(maxsize=8)
def polynomial_data(seed: int = 0, num: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    """§8: `x = torch.rand(100) * 2; y = x + 2 (x - 0.9)² + 0.3 cos(20 x) + 0.1 randn(100)`."""
    generator = seeded(seed)
    x = torch.rand(num, generator=generator) * 2
    y = x + 2 * (x - 0.9) ** 2 + 0.3 * torch.cos(20 * x) + 0.1 * torch.randn(num, generator=generator)
    return x, y


def polynomial_init(method: str, count: int, seed: int | None = None) -> list[float]:
    """§8's starting coefficients: by hand `manual_seed(0); randn(3)`, by autograd `manual_seed(1)`
    then one scalar `randn(())` per coefficient."""
    if method == "manual":
        return [float(v) for v in torch.randn(count, generator=seeded(0 if seed is None else seed))]
    generator = seeded(1 if seed is None else seed)
    return [float(torch.randn((), generator=generator)) for _ in range(count)]
