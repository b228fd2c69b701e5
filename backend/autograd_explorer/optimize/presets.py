"""The lab's built-in functions, each with a hand-written gradient for `gradient: manual`."""

from __future__ import annotations

from typing import Literal, get_args

import torch

from autograd_explorer.errors import InvalidRequest
from autograd_explorer.optimize.lecture_data import least_squares_data, polynomial_data
from autograd_explorer.optimize.objective import Objective, Values

PresetName = Literal["himmelblau", "rosenbrock", "quadratic", "least_squares", "beale", "accumulation"]
PRESET_NAMES: tuple[str, ...] = get_args(PresetName)

HIMMELBLAU_MINIMA = (
    {"u": 3.0, "v": 2.0},
    {"u": -2.805118, "v": 3.131312},
    {"u": -3.779310, "v": -3.283186},
    {"u": 3.584428, "v": -1.848126},
)


def himmelblau() -> Objective:
    """§10: (u² + v − 11)² + (u + v² − 7)², four minima."""

    def f(p: Values) -> torch.Tensor:
        u, v = p["u"], p["v"]
        return (u**2 + v - 11) ** 2 + (u + v**2 - 7) ** 2

    def grad(p: Values) -> dict[str, torch.Tensor]:
        u, v = p["u"], p["v"]
        a, b = u**2 + v - 11, u + v**2 - 7
        return {"u": 4 * u * a + 2 * b, "v": 2 * a + 4 * v * b}

    return Objective(
        "himmelblau",
        ("u", "v"),
        f,
        "(u**2 + v - 11)**2 + (u + v**2 - 7)**2",
        grad,
        box=(-5.0, 5.0, -5.0, 5.0),
        start={"u": 1.0, "v": 1.0},
        minima=HIMMELBLAU_MINIMA,
    )


def rosenbrock() -> Objective:
    """The banana valley (1 − u)² + 100 (v − u²)², minimum at (1, 1)."""

    def f(p: Values) -> torch.Tensor:
        u, v = p["u"], p["v"]
        return (1 - u) ** 2 + 100 * (v - u**2) ** 2

    def grad(p: Values) -> dict[str, torch.Tensor]:
        u, v = p["u"], p["v"]
        return {"u": -2 * (1 - u) - 400 * u * (v - u**2), "v": 200 * (v - u**2)}

    return Objective(
        "rosenbrock",
        ("u", "v"),
        f,
        "(1 - u)**2 + 100 * (v - u**2)**2",
        grad,
        box=(-2.0, 2.0, -1.0, 3.0),
        start={"u": -1.5, "v": 2.0},
        minima=({"u": 1.0, "v": 1.0},),
    )


def quadratic(condition_number: float = 10.0) -> Objective:
    """A bowl ½ (u² + κ v²) whose Hessian has condition number κ; minimum at the origin."""
    kappa = float(condition_number)

    def f(p: Values) -> torch.Tensor:
        u, v = p["u"], p["v"]
        return 0.5 * (u**2 + kappa * v**2)

    def grad(p: Values) -> dict[str, torch.Tensor]:
        return {"u": p["u"] * 1.0, "v": kappa * p["v"]}

    return Objective(
        "quadratic",
        ("u", "v"),
        f,
        f"0.5 * (u**2 + {kappa:g} * v**2)",
        grad,
        box=(-5.0, 5.0, -5.0, 5.0),
        start={"u": -4.0, "v": 3.0},
        minima=({"u": 0.0, "v": 0.0},),
    )


def least_squares() -> Objective:
    """§5's 2-D problem: ½ mean((X w − y)²) with the lecture's X (seed 42) and w_true = (1, −0.5)."""
    X, y = least_squares_data()
    n = X.shape[0]

    def residual(p: Values) -> torch.Tensor:
        w = torch.stack([p["w1"], p["w2"]], dim=-1)
        Xd, yd = X.to(w.dtype), y.to(w.dtype)
        if w.dim() == 1:
            return Xd @ w - yd  # the lecture's own expression for a single point
        return w @ Xd.T - yd  # a grid of points: one residual vector per point

    def f(p: Values) -> torch.Tensor:
        return 0.5 * (residual(p) ** 2).mean(dim=-1)

    def grad(p: Values) -> dict[str, torch.Tensor]:
        # Xᵀ(Xw − y)/n, the transpose of the total derivative z₁ᵀX (§4). Dividing before the
        # product is autograd's own order (mean's backward scales first): float32 runs then agree
        # to 3e-7 instead of 1e-6.
        r = residual(p)
        Xd = X.to(r.dtype)
        g = Xd.T @ (r / n) if r.dim() == 1 else (r / n) @ Xd
        return {"w1": g[..., 0], "w2": g[..., 1]}

    return Objective(
        "least_squares",
        ("w1", "w2"),
        f,
        "0.5 * mean((X @ w - y)**2), X = randn(100, 2) (seed 42), y = X @ [1, -0.5]",
        grad,
        box=(-1.0, 3.0, -2.5, 1.5),
        start={"w1": 0.0, "w2": 0.0},
        minima=({"w1": 1.0, "w2": -0.5},),
    )


def beale() -> Objective:
    """Beale's function, flat plateaus and a minimum at (3, 0.5)."""

    def f(p: Values) -> torch.Tensor:
        u, v = p["u"], p["v"]
        return (1.5 - u + u * v) ** 2 + (2.25 - u + u * v**2) ** 2 + (2.625 - u + u * v**3) ** 2

    def grad(p: Values) -> dict[str, torch.Tensor]:
        u, v = p["u"], p["v"]
        a = 1.5 - u + u * v
        b = 2.25 - u + u * v**2
        c = 2.625 - u + u * v**3
        du = 2 * a * (v - 1) + 2 * b * (v**2 - 1) + 2 * c * (v**3 - 1)
        dv = 2 * a * u + 2 * b * 2 * u * v + 2 * c * 3 * u * v**2
        return {"u": du, "v": dv}

    return Objective(
        "beale",
        ("u", "v"),
        f,
        "(1.5 - u + u*v)**2 + (2.25 - u + u*v**2)**2 + (2.625 - u + u*v**3)**2",
        grad,
        box=(-4.5, 4.5, -4.5, 4.5),
        start={"u": 1.0, "v": 1.0},
        minima=({"u": 3.0, "v": 0.5},),
    )


def accumulation() -> Objective:
    """§9's exercise: (a·x + b − y)² with x = 1.5, y = 2.5 (start a = b = 0.5)."""
    x, y = 1.5, 2.5

    def f(p: Values) -> torch.Tensor:
        return (p["a"] * x + p["b"] - y) ** 2

    def grad(p: Values) -> dict[str, torch.Tensor]:
        r = p["a"] * x + p["b"] - y
        return {"a": 2 * r * x, "b": 2 * r}

    return Objective(
        "accumulation",
        ("a", "b"),
        f,
        "(a * 1.5 + b - 2.5)**2",
        grad,
        box=(-1.0, 2.5, -1.0, 2.5),
        start={"a": 0.5, "b": 0.5},
        minima=(),
    )


def polynomial_regression(degree: int = 2, seed: int = 0, num: int = 100) -> Objective:
    """§8's MSE of y_pred = a + b·x + c·x² (+ …) on the lecture's data, with its written-out gradient."""
    data = polynomial_data(seed, num)
    names = tuple("abcdefghk"[: degree + 1])

    def xy(p: Values) -> tuple[torch.Tensor, torch.Tensor]:
        # Scalar parameters do not promote the float32 data: cast it, or float64 runs stay float32.
        dtype = p[names[0]].dtype
        return data[0].to(dtype), data[1].to(dtype)

    def predict(p: Values, x: torch.Tensor) -> torch.Tensor:
        pred = p[names[0]]
        for i, name in enumerate(names[1:], start=1):
            pred = pred + p[name] * (x if i == 1 else x**i)  # a + b*x + c*x**2, as the lecture writes it
        return pred

    def f(p: Values) -> torch.Tensor:
        x, y = xy(p)
        return ((predict(p, x) - y) ** 2).mean()

    def grad(p: Values) -> dict[str, torch.Tensor]:
        x, y = xy(p)
        err = predict(p, x) - y
        return {
            name: 2 * (err * (x if i == 1 else x**i) if i else err).mean() for i, name in enumerate(names)
        }

    terms = " + ".join([names[0], *(f"{n}*x" if i == 1 else f"{n}*x**{i}" for i, n in enumerate(names) if i)])
    return Objective("polynomial", names, f, f"mean(({terms} - y)**2)", grad, minima=())


def make_preset(name: str, condition_number: float = 10.0) -> Objective:
    """The preset called `name` (InvalidRequest naming the choices otherwise)."""
    if name == "quadratic":
        return quadratic(condition_number)
    builders = {
        "himmelblau": himmelblau,
        "rosenbrock": rosenbrock,
        "least_squares": least_squares,
        "beale": beale,
        "accumulation": accumulation,
    }
    if name not in builders:
        raise InvalidRequest(f"unknown preset {name!r}; choose one of {', '.join(PRESET_NAMES)}", "preset")
    return builders[name]()
