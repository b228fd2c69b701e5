"""Plain loops written the way the lecture writes them: the oracles of the optimization tests."""

from __future__ import annotations

from collections.abc import Callable

import torch


def himmelblau_loop(
    u0: float, v0: float, lr: float = 5e-4, steps: int = 300, tol: float | None = None
) -> tuple[list[tuple[float, ...]], tuple[float, float]]:
    """CONTENT.md §10 by hand: rows (u, v, loss, grad_u, grad_v) before each update, and the end point."""
    u = torch.tensor(u0, requires_grad=True)
    v = torch.tensor(v0, requires_grad=True)
    rows: list[tuple[float, ...]] = []
    previous = None
    for _ in range(steps):
        loss = (u**2 + v - 11) ** 2 + (u + v**2 - 7) ** 2
        loss.backward()
        assert u.grad is not None and v.grad is not None
        rows.append((u.item(), v.item(), loss.item(), u.grad.item(), v.grad.item()))
        if tol is not None and previous is not None and abs(loss.item() - previous) < tol:
            break
        previous = loss.item()
        with torch.no_grad():
            u -= lr * u.grad
            v -= lr * v.grad
        u.grad.zero_()
        v.grad.zero_()
    return rows, (u.item(), v.item())


def accumulation_loop(clear: bool, dtype: torch.dtype = torch.float32) -> list[tuple[float, ...]]:
    """CONTENT.md §9: rows (loss, a, b, grad_a, grad_b) for 10 steps of lr 0.1, with or without clearing."""
    x, y = 1.5, 2.5
    a = torch.tensor(0.5, dtype=dtype, requires_grad=True)
    b = torch.tensor(0.5, dtype=dtype, requires_grad=True)
    rows: list[tuple[float, ...]] = []
    for _ in range(10):
        loss = (a * x + b - y) ** 2
        loss.backward()
        assert a.grad is not None and b.grad is not None
        rows.append((loss.item(), a.item(), b.item(), a.grad.item(), b.grad.item()))
        with torch.no_grad():
            a -= 0.1 * a.grad
            b -= 0.1 * b.grad
        if clear:
            a.grad = None
            b.grad = None
    return rows


def polynomial_data() -> tuple[torch.Tensor, torch.Tensor]:
    """§8's data, with the global seed as the lecture sets it."""
    torch.manual_seed(0)
    x = torch.rand(100) * 2
    y = x + 2 * (x - 0.9) ** 2 + 0.3 * torch.cos(20 * x) + 0.1 * torch.randn(100)
    return x, y


def polynomial_by_hand(lr: float = 1e-2, iterations: int = 4000) -> list[float]:
    """§8 by hand: gradients written out, manual_seed(0) initialization."""
    x, y = polynomial_data()
    torch.manual_seed(0)
    a, b, c = torch.randn(3)
    for _ in range(iterations):
        err = a + b * x + c * x**2 - y
        grad_a, grad_b, grad_c = 2 * err.mean(), 2 * (err * x).mean(), 2 * (err * x**2).mean()
        a, b, c = a - lr * grad_a, b - lr * grad_b, c - lr * grad_c
    return [a.item(), b.item(), c.item()]


def polynomial_by_autograd(lr: float = 1e-2, iterations: int = 4000) -> list[float]:
    """§8 by autograd: manual_seed(1), three scalar randn(()), update under no_grad, grads set to None."""
    x, y = polynomial_data()
    torch.manual_seed(1)
    a = torch.randn((), requires_grad=True)
    b = torch.randn((), requires_grad=True)
    c = torch.randn((), requires_grad=True)
    for _ in range(iterations):
        loss = ((a + b * x + c * x**2 - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c):
                p -= lr * p.grad
                p.grad = None
    return [a.item(), b.item(), c.item()]


def rosenbrock_newton_loop(u0: float, v0: float, steps: int, lr: float = 1.0) -> list[tuple[float, float]]:
    """Newton's method on (1 − u)² + 100 (v − u²)² with the Hessian derived by hand, in float64: the
    points before each update."""
    u, v = u0, v0
    points = []
    for _ in range(steps):
        points.append((u, v))
        g = torch.tensor([-2 * (1 - u) - 400 * u * (v - u**2), 200 * (v - u**2)], dtype=torch.float64)
        h = torch.tensor([[2 - 400 * v + 1200 * u**2, -400 * u], [-400 * u, 200.0]], dtype=torch.float64)
        du, dv = torch.linalg.solve(h, g).tolist()
        u, v = u - lr * du, v - lr * dv
    return points


def lbfgs_loop(
    f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], u0: float, v0: float, steps: int
) -> tuple[list[tuple[float, ...]], int]:
    """torch.optim.LBFGS as a program writes it, one iteration per step: rows (u, v, loss, grad_u, grad_v)
    before each step, and how many times the closure ran."""
    u = torch.tensor(u0, requires_grad=True)
    v = torch.tensor(v0, requires_grad=True)
    opt = torch.optim.LBFGS([u, v], lr=1, max_iter=1, max_eval=26, line_search_fn="strong_wolfe")
    rows: list[tuple[float, ...]] = []
    calls = 0

    def closure() -> torch.Tensor:
        nonlocal calls
        calls += 1
        opt.zero_grad()
        loss = f(u, v)
        loss.backward()
        return loss

    for _ in range(steps):
        opt.zero_grad()
        loss = f(u, v)
        loss.backward()
        assert u.grad is not None and v.grad is not None
        rows.append((u.item(), v.item(), loss.item(), u.grad.item(), v.grad.item()))
        opt.step(closure)
    return rows, calls
