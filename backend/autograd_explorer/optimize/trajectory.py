"""One gradient-descent run, recorded step by step under CONTENT.md's step semantics.

At step k (from 1): evaluate loss and gradient at the current point and record point, loss and
gradient (without clearing, the accumulated one the update will use); if a tolerance is set and
k > 1 and |loss_k − loss_(k−1)| < tol, stop without updating; otherwise update. The final point
is the point after the last update, or where the run stopped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch.autograd import Variable

from autograd_explorer.errors import InvalidRequest, ProgramError
from autograd_explorer.optimize.functions import refuse_complex
from autograd_explorer.optimize.objective import Objective
from autograd_explorer.optimize.optimizers import OptimizerSpec, StepUndefined, make_step
from autograd_explorer.optimizer import TRAJECTORY_ONLY

Reason = Literal["max_steps", "tolerance", "diverged", "singular"]
GradientMode = Literal["autograd", "manual"]
DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "float64": torch.float64}


@dataclass(frozen=True)
class TimeLimit:
    """One wall-clock budget for everything a request runs: all its runs, steps and figures."""

    seconds: float
    setting: str  # named in the refusal
    deadline: float  # a time.monotonic() value

    @classmethod
    def starting_now(cls, seconds: float, setting: str) -> TimeLimit:
        """A budget of `seconds` from now."""
        return cls(seconds, setting, time.monotonic() + seconds)

    def check(self, steps_done: int, steps_field: str) -> None:
        """Refuse to go on past the deadline, naming the request's word for steps."""
        # Checked every step: one step may be a slow user function, and time.monotonic() costs
        # tens of nanoseconds against a step's tens of microseconds.
        if time.monotonic() > self.deadline:
            plural = "" if steps_done == 1 else "s"
            raise ProgramError(
                "limit",
                f"the request ran longer than {self.seconds:g} s, the limit ({self.setting}), after "
                f"{steps_done} step{plural}; ask for fewer {steps_field}",
            )


@dataclass
class Trajectory:
    """The recorded run: column per parameter, one entry per step."""

    parameters: tuple[str, ...]
    params: dict[str, list[float]]
    losses: list[float]
    grads: dict[str, list[float]]
    stopped_at: int
    reason: Reason
    final_params: dict[str, float]
    final_loss: float
    label: str = ""
    # Loss-and-gradient evaluations: one per recorded step, and L-BFGS's line search's own.
    evaluations: int = 0
    hessians: int = 0  # Newton's, one per update
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """How many steps were recorded."""
        return len(self.losses)


def check_start(objective: Objective, start: Mapping[str, float] | None) -> dict[str, float]:
    """The start point: every parameter given (or the preset's default), nothing unknown."""
    if start is None:
        start = objective.start
    missing = [n for n in objective.parameters if n not in start]
    if missing:
        raise InvalidRequest(
            f"start is missing {', '.join(missing)}; the function's parameters are "
            f"{', '.join(objective.parameters)}",
            "start",
        )
    unknown = [n for n in start if n not in objective.parameters]
    if unknown:
        raise InvalidRequest(
            f"start names {', '.join(unknown)}, which the function does not use; its parameters are "
            f"{', '.join(objective.parameters)}",
            "start",
        )
    return {n: float(start[n]) for n in objective.parameters}


def _scalar_loss(loss: object, step: int) -> torch.Tensor:
    """The loss of one step as a 0-d float tensor; checked every step, as a function may change."""
    if not isinstance(loss, torch.Tensor):
        raise InvalidRequest(f"the function must return a tensor, not {type(loss).__name__}", "source")
    if loss.numel() != 1:
        raise InvalidRequest(
            f"the function must give one number (a scalar); at step {step} it gave shape {list(loss.shape)}",
            "source",
        )
    refuse_complex(loss)
    if not loss.is_floating_point():
        raise InvalidRequest(f"the function must return a floating-point value, not {loss.dtype}", "source")
    # Only a (1,)-shaped loss needs it: on a 0-d loss reshape adds a view node to every step's graph.
    return loss if loss.dim() == 0 else loss.reshape(())


class ScalarBackward:
    """loss.backward() for a 0-d loss, the autograd engine called as torch.autograd.backward calls it.

    The same engine call with the same seed gradient (ones), so the same gradients bit for bit
    (tests/optimize compares whole runs with the lecture's `loss.backward()` loops); without
    torch.autograd.backward's per-call argument handling (tuple wrapping, _make_grads' checks and a
    fresh ones_like), which took 20-35 us of a Rosenbrock step's ~120 us (measured interleaved in
    one process). The seed is kept per dtype: a user's function may return float64 from float32
    parameters.
    """

    def __init__(self) -> None:
        self._seeds: dict[torch.dtype, torch.Tensor] = {}
        self._run = Variable._execution_engine.run_backward

    def __call__(self, loss: torch.Tensor) -> None:
        seed = self._seeds.get(loss.dtype)
        if seed is None:
            seed = self._seeds[loss.dtype] = torch.ones((), dtype=loss.dtype)
        # tensors, grad_tensors, keep_graph, create_graph, inputs, allow_unreachable, accumulate_grad
        self._run((loss,), (seed,), False, False, (), True, True)


def run_trajectory(
    objective: Objective,
    *,
    start: Mapping[str, float] | None,
    optimizer: OptimizerSpec,
    steps: int,
    loss_tol: float | None = None,
    clear_grad: bool = True,
    gradient: GradientMode = "autograd",
    dtype: torch.dtype = torch.float32,
    stop_on_divergence: bool = True,
    time_limit: TimeLimit | None = None,
    steps_field: str = "steps",
) -> Trajectory:
    """Minimize `objective` from `start` for at most `steps` steps and record every step.

    Past `time_limit` (which a request's several runs share) the run is refused, naming
    `steps_field` (the request's word for steps).
    """
    point = check_start(objective, start)
    manual = objective.manual_gradient if gradient == "manual" else None
    if gradient == "manual" and manual is None:
        raise InvalidRequest(
            f"there is no hand-written gradient for {objective.name} (only the presets have one); "
            "use gradient 'autograd'",
            "gradient",
        )
    if optimizer.name in TRAJECTORY_ONLY and gradient == "manual":
        raise InvalidRequest(
            f"{optimizer.name} takes its derivatives from autograd (a Hessian, a line search's "
            "gradients); use gradient 'autograd'",
            "gradient",
        )
    if optimizer.name == "lbfgs" and not clear_grad:
        raise InvalidRequest(
            "lbfgs clears the gradients before each evaluation itself (its closure's zero_grad()); "
            "clear_grad false is for the other methods",
            "clear_grad",
        )
    names = objective.parameters
    # The parameters are 0-d leaves, as in the lecture's loops, viewing one 1-d tensor's storage, so
    # an optimizer may update them all in one call (optimizers.adam_step).
    flat = torch.tensor([point[n] for n in names], dtype=dtype)
    leaves = [flat[i].detach().requires_grad_(manual is None) for i in range(len(names))]
    values = dict(zip(names, leaves, strict=True))
    counts = {"evaluations": 0, "hessians": 0}
    extra = "hessians" if optimizer.name == "newton" else "evaluations"
    k = 1

    def loss_at() -> torch.Tensor:  # Newton's Hessian and L-BFGS's line search evaluate the function
        counts[extra] += 1
        if time_limit is not None:  # up to 26 evaluations in one L-BFGS step: each one checked
            time_limit.check(k, steps_field)
        return _scalar_loss(objective(values), k)

    update = make_step(optimizer, leaves, flat, loss_at, lambda: loss.detach())
    rec_params: dict[str, list[float]] = {n: [] for n in names}
    rec_grads: dict[str, list[float]] = {n: [] for n in names}
    losses: list[float] = []
    reason: Reason = "max_steps"
    stopped = False
    backward = ScalarBackward()
    for k in range(1, steps + 1):
        if manual is None:
            if clear_grad:
                for p in leaves:
                    p.grad = None
            loss = _scalar_loss(objective(values), k)
            counts["evaluations"] += 1
            if loss.requires_grad:
                backward(loss)
            for p in leaves:  # a parameter the loss does not depend on gets a zero gradient
                if p.grad is None:
                    p.grad = torch.zeros_like(p)
        else:
            with torch.no_grad():
                loss = _scalar_loss(objective(values), k)
                counts["evaluations"] += 1
                hand = manual(values)
                for p, n in zip(leaves, names, strict=True):
                    g = hand[n].to(dtype)
                    p.grad = g if clear_grad or p.grad is None else p.grad + g
        loss_k = loss.item()
        losses.append(loss_k)
        for p, n in zip(leaves, names, strict=True):
            rec_params[n].append(p.item())
            rec_grads[n].append(p.grad.item())  # type: ignore[union-attr]
        if stop_on_divergence and not math.isfinite(loss_k):
            reason, stopped = "diverged", True
            break
        if loss_tol is not None and k > 1 and abs(loss_k - losses[-2]) < loss_tol:
            reason, stopped = "tolerance", True
            break
        try:
            update()
        except StepUndefined:
            reason, stopped = "singular", True
            break
        if time_limit is not None:
            time_limit.check(k, steps_field)
    stopped_at = len(losses)
    if stopped:
        final_params = {n: rec_params[n][-1] for n in names}
        final_loss = losses[-1]
    else:
        final_params = {n: p.item() for n, p in zip(names, leaves, strict=True)}
        with torch.no_grad():
            final_loss = objective(values).item()
        if stop_on_divergence and not math.isfinite(final_loss):
            reason = "diverged"
    return Trajectory(
        parameters=names,
        params=rec_params,
        losses=losses,
        grads=rec_grads,
        stopped_at=stopped_at,
        reason=reason,
        final_params=final_params,
        final_loss=final_loss,
        label=optimizer.label(),
        evaluations=counts["evaluations"],
        hessians=counts["hessians"],
    )


def nearest_minimum(objective: Objective, run: Trajectory) -> tuple[int, float] | None:
    """Which of the objective's known minima the run ended closest to, and how far away."""
    final = run.final_params
    if not objective.minima or run.reason == "diverged" or not math.isfinite(run.final_loss):
        return None
    distances = [
        math.dist([final[n] for n in objective.parameters], [m[n] for n in objective.parameters])
        for m in objective.minima
    ]
    best = min(range(len(distances)), key=distances.__getitem__)
    return best, distances[best]
