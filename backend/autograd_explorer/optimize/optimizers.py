"""Update rules: the lecture's manual gradient step, or one of torch.optim's optimizers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch.optim.adam import adam

from autograd_explorer.optimizer import OPTIMIZER_NAMES as OPTIMIZER_NAMES
from autograd_explorer.optimizer import TRAJECTORY_ONLY, Optimizer, OptimizerName

Step = Callable[[], None]
# The loss at the parameters' current values, made afresh (a graph PyTorch can differentiate twice):
# what Newton's Hessian and L-BFGS's line search read. The trajectory counts each call.
LossAt = Callable[[], torch.Tensor]


# At most this many evaluations in one L-BFGS line search (torch's _strong_wolfe default, max_ls).
LINE_SEARCH_EVALUATIONS = 25


class StepUndefined(Exception):
    """The update has no value at this point (Newton's Hessian is singular there): the run stops."""


@dataclass(frozen=True)
class OptimizerSpec:
    """Which update rule and its hyperparameters (torch's defaults where not given)."""

    name: OptimizerName = "gd"
    lr: float = 1e-3
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    alpha: float = 0.99
    eps: float | None = None

    @classmethod
    def of(cls, optimizer: Optimizer, default_lr: float) -> OptimizerSpec:
        """The spec of a request's optimizer, `default_lr` when it gave none."""
        o = optimizer.with_lr(default_lr)
        assert o.lr is not None  # with_lr filled it
        return cls(o.name, o.lr, o.momentum, o.beta1, o.beta2, o.alpha, o.eps)

    def label(self) -> str:
        """A short legend entry such as `adam lr=0.01`."""
        return f"{self.name} lr={self.lr:g}"


# Adam updates at most this many parameters as one stacked tensor (see adam_step).
STACKED_ADAM_MAX = 4


def make_step(
    spec: OptimizerSpec,
    params: Sequence[torch.Tensor],
    flat: torch.Tensor | None = None,
    loss_at: LossAt | None = None,
    recorded: Callable[[], torch.Tensor] | None = None,
) -> Step:
    """A function applying one update to `params` from their current `.grad`.

    `flat`, when given, is a 1-d tensor whose elements the 0-d `params` are views of (their storage).
    Newton and L-BFGS also read the function: `loss_at` evaluates it at the current point, and
    `recorded` gives the loss the step already evaluated there (whose gradient is in `.grad`).
    """
    if spec.name in TRAJECTORY_ONLY:
        if loss_at is None or recorded is None:
            raise ValueError(f"{spec.name} reads the function: give loss_at and recorded")
        if spec.name == "newton":
            return newton_step(spec, params, loss_at)
        return lbfgs_step(spec, params, loss_at, recorded)
    if spec.name == "gd":
        lr = spec.lr

        def gd_step() -> None:
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad  # type: ignore[operator]  # the lecture's update, verbatim

        return gd_step
    if spec.name == "adam":
        return adam_step(spec, params, flat)
    optimizer = build_torch_optimizer(spec, params)

    def torch_step() -> None:
        optimizer.step()

    return torch_step


def adam_step(spec: OptimizerSpec, params: Sequence[torch.Tensor], flat: torch.Tensor | None = None) -> Step:
    """torch.optim.Adam's update through its functional form, torch.optim.adam.adam, with our own state.

    The same kernel Adam.step runs on CPU tensors (foreach=False, no fused path, no amsgrad), so the
    trajectory is bit for bit torch.optim.Adam's (tests/optimize compares them), without the
    Optimizer's per-step profiler scope, hooks, grad-mode switch and state look-up: measured on a
    2-parameter problem, 280 -> 148 us a step at load ~13 (Adam.step was most of a run's time).

    With `flat` (the parameters' shared storage) and at most STACKED_ADAM_MAX parameters, the update
    runs once on the stacked tensor instead of once per 0-d parameter: half the kernel calls for two
    parameters (a 2,000-step Rosenbrock run 537 -> 265 ms against torch.optim.Adam, interleaved). Each
    element gets the same scalar arithmetic: torch's CPU kernels take their vectorized path only from
    2 x the SIMD width (8 float64 elements with AVX2), so a tensor this short runs the scalar loop a
    0-d one does, and tests/optimize checks the runs bit for bit against torch.optim.Adam.
    """
    stacked = flat is not None and len(params) <= STACKED_ADAM_MAX
    p = [flat] if stacked and flat is not None else list(params)
    leaves = list(params)
    exp_avgs = [torch.zeros_like(t, memory_format=torch.preserve_format) for t in p]
    exp_avg_sqs = [torch.zeros_like(t, memory_format=torch.preserve_format) for t in p]
    # Adam keeps its step count in a float32 tensor (float64 under a float64 default dtype).
    dtype = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
    state_steps = [torch.tensor(0.0, dtype=dtype) for _ in p]
    eps = 1e-8 if spec.eps is None else spec.eps

    def step() -> None:
        grads = [t.grad for t in leaves]
        assert all(g is not None for g in grads)  # the trajectory sets every gradient before updating
        if stacked:
            grads = [torch.stack(grads)]  # type: ignore[arg-type]  # checked just above
        with torch.no_grad():
            adam(
                p,
                grads,  # type: ignore[arg-type]  # checked just above
                exp_avgs,
                exp_avg_sqs,
                [],  # max_exp_avg_sqs: amsgrad only
                state_steps,
                foreach=False,
                capturable=False,
                differentiable=False,
                fused=None,
                grad_scale=None,
                found_inf=None,
                has_complex=False,
                amsgrad=False,
                beta1=spec.beta1,
                beta2=spec.beta2,
                lr=spec.lr,
                weight_decay=0.0,
                eps=eps,
                maximize=False,
            )

    return step


def hessian(loss: torch.Tensor, params: Sequence[torch.Tensor]) -> torch.Tensor:
    """∂²loss/∂pᵢ∂pⱼ of 0-d parameters by autograd: the gradient made with its own graph, then each of
    its components differentiated (one backward pass per parameter). A component that does not depend
    on the parameters (a linear term's derivative) is a row of zeros."""
    grads = torch.autograd.grad(loss, params, create_graph=True, allow_unused=True)
    rows = []
    for g in grads:
        if g is None or not g.requires_grad:
            rows.append(torch.zeros(len(params), dtype=loss.dtype))
            continue
        second = torch.autograd.grad(g, params, retain_graph=True, allow_unused=True)
        rows.append(torch.stack([torch.zeros((), dtype=loss.dtype) if d is None else d for d in second]))
    return torch.stack(rows)


def newton_step(spec: OptimizerSpec, params: Sequence[torch.Tensor], loss_at: LossAt) -> Step:
    """Newton's method, damped by lr: x ← x − lr · H⁻¹ g, with g the gradient the step recorded (the
    accumulated one when gradients are not cleared) and H the Hessian at x. A singular H has no Newton
    step: StepUndefined. An H that is not positive definite is still used, as the method does: its
    step heads for the stationary point of the local quadratic, a saddle or a maximum (the lesson)."""
    lr = spec.lr

    def step() -> None:
        h = hessian(loss_at(), params).detach()
        g = torch.stack([p.grad for p in params]).to(h.dtype)  # type: ignore[misc]  # set before updating
        try:
            direction = torch.linalg.solve(h, g)
        except torch.linalg.LinAlgError as error:  # type: ignore[attr-defined]  # exported at run time
            raise StepUndefined("the Hessian is singular here: Newton's step is undefined") from error
        with torch.no_grad():
            for p, d in zip(params, direction, strict=True):
                p -= lr * d.to(p.dtype)

    return step


def lbfgs_step(
    spec: OptimizerSpec,
    params: Sequence[torch.Tensor],
    loss_at: LossAt,
    recorded: Callable[[], torch.Tensor],
) -> Step:
    """One iteration of torch.optim.LBFGS per step (max_iter=1, strong Wolfe line search), its history
    kept from step to step. Its closure's first call is the step's own evaluation (already made and
    recorded, its gradient in .grad); the line search's calls evaluate loss and gradient afresh at the
    points it tries, as a program's `zero_grad(); loss = f(); loss.backward(); return loss` does."""
    # max_eval bounds the line search too (max_ls = max_eval − 1 here): its default, 1.25 × max_iter,
    # would leave it none at max_iter=1, and the step would not move
    optimizer = torch.optim.LBFGS(
        list(params),
        lr=spec.lr,
        max_iter=1,
        max_eval=1 + LINE_SEARCH_EVALUATIONS,
        line_search_fn="strong_wolfe",
    )

    def step() -> None:
        first = True

        def closure() -> torch.Tensor:
            nonlocal first
            if first:
                first = False
                return recorded()
            for p in params:
                p.grad = None
            loss = loss_at()
            if loss.requires_grad:
                loss.backward()  # type: ignore[no-untyped-call]
            for p in params:
                if p.grad is None:
                    p.grad = torch.zeros_like(p)
            return loss.detach()

        optimizer.step(closure)  # type: ignore[no-untyped-call]

    return step


def build_torch_optimizer(spec: OptimizerSpec, params: Sequence[torch.Tensor]) -> torch.optim.Optimizer:
    """The torch.optim optimizer `spec` names."""
    p = list(params)

    def eps(default: float) -> float:
        return default if spec.eps is None else spec.eps

    if spec.name == "sgd":
        return torch.optim.SGD(p, lr=spec.lr)
    if spec.name == "momentum":
        return torch.optim.SGD(p, lr=spec.lr, momentum=spec.momentum)
    if spec.name == "nesterov":
        return torch.optim.SGD(p, lr=spec.lr, momentum=spec.momentum, nesterov=True)
    if spec.name == "adagrad":
        return torch.optim.Adagrad(p, lr=spec.lr, eps=eps(1e-10))
    if spec.name == "rmsprop":
        return torch.optim.RMSprop(p, lr=spec.lr, alpha=spec.alpha, eps=eps(1e-8))
    if spec.name == "adam":
        return torch.optim.Adam(p, lr=spec.lr, betas=(spec.beta1, spec.beta2), eps=eps(1e-8))
    raise ValueError(f"unknown optimizer {spec.name!r}")  # unreachable: the schema restricts names
