"""What an optimizer minimizes: a scalar function of named parameters, maybe with a hand gradient."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch

Values = Mapping[str, torch.Tensor]
Function = Callable[[Values], torch.Tensor]
Gradient = Callable[[Values], dict[str, torch.Tensor]]

Box = tuple[float, float, float, float]  # x_min, x_max, y_min, y_max


@dataclass(frozen=True)
class Objective:
    """A loss of named parameters; evaluation broadcasts, so a grid of values gives a grid of losses."""

    name: str
    parameters: tuple[str, ...]
    function: Function
    formula: str
    manual_gradient: Gradient | None = None
    box: Box = (-5.0, 5.0, -5.0, 5.0)
    start: Mapping[str, float] = field(default_factory=dict)
    minima: Sequence[Mapping[str, float]] = ()

    def __call__(self, values: Values) -> torch.Tensor:
        return self.function(values)
