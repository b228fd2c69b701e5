"""A one-expression function of named tensors, for the optimization lab (e.g. Himmelblau's).

It reuses the program evaluator (same checks, same limits, per call); only the binding differs:
the caller's tensors are used as they are, so a whole surface grid evaluates in one call.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import LanguageLimits, PlainObserver
from autograd_explorer.lang.evaluator import Evaluator, as_program_errors
from autograd_explorer.lang.parse import free_names, parse_program
from autograd_explorer.lang.run import is_expression, make_leaf, uses_randomness
from autograd_explorer.lang.source import SourceText


class CompiledFunction:
    """A checked expression; call it with a tensor per parameter."""

    def __init__(self, source: str, tree: ast.Module, limits: LanguageLimits) -> None:
        self.source = source
        self.parameters: list[str] = free_names(tree)
        self._tree = tree
        self._text = SourceText(source)
        self._limits = limits

    def __call__(self, values: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Evaluate element-wise on the given tensors (any shape that broadcasts)."""
        with as_program_errors():
            return self._evaluate(values)

    def _evaluate(self, values: Mapping[str, torch.Tensor]) -> torch.Tensor:
        missing = [name for name in self.parameters if name not in values]
        if missing:
            raise ProgramError("runtime", f"missing value for parameter '{missing[0]}'")
        evaluator = Evaluator(self._text, self._limits, PlainObserver())
        for name in self.parameters:
            value = values[name]
            evaluator.namespace[name] = (
                value if isinstance(value, torch.Tensor) else make_leaf(name, value, evaluator.budget)
            )
        result = evaluator.run_module(self._tree)
        if isinstance(result, torch.Tensor):
            return result
        if isinstance(result, bool | int | float):
            return torch.as_tensor(float(result))
        raise ProgramError(
            "runtime", f"the function must give a number or a tensor, not {type(result).__name__}"
        )


def compile_function(source: str, limits: LanguageLimits) -> CompiledFunction:
    """Check `source` as a function of its free names, e.g. `(u**2 + v - 11)**2 + (u + v**2 - 7)**2`."""
    with as_program_errors():
        tree = parse_program(source, limits)
    if not is_expression(tree):
        raise ProgramError(
            "forbidden", "a function must be a single expression, e.g. (u**2 + v - 11)**2", 1, 0
        )
    if uses_randomness(tree):
        # Random draws would race with seeded programs for the one process-wide generator, and a
        # random function has no well-defined trajectory or surface.
        raise ProgramError(
            "forbidden",
            "a function to minimize must be deterministic: rand, randn and manual_seed are not allowed in it",
            1,
            0,
        )
    function = CompiledFunction(source, tree, limits)
    if not function.parameters:
        raise ProgramError("runtime", "the function has no parameters: use names such as u and v", 1, 0)
    return function
