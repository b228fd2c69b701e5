# CONTENT.md §1: f(x) = x³ − 3x, autograd against the analytic derivative 3x² − 3.
import torch

def f(x):
    """The lecture's first function."""
    return x**3 - 3 * x

def f_prime(x: float) -> float:
    return 3 * x**2 - 3

for value in [-2.0, -1.0, 0.0, 1.0, 2.0]:
    x = torch.tensor(value, requires_grad=True)
    y = f(x)
    y.backward()
    print(f"x = {value:+.1f}  f(x) = {y.item():+.3f}  autograd {x.grad.item():+.3f}  by hand {f_prime(value):+.3f}")
