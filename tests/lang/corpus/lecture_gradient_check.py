# Lecture style: a helper with a docstring and annotations, checking autograd against finite differences.
import torch

def numerical_gradient(f, x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Central differences, one coordinate at a time."""
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        e = torch.zeros_like(x)
        e[i] = eps
        grad[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return grad

def f(x):
    return (x[0] ** 2 * x[1] + torch.sin(x[1])).sum()

x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
f(x).backward()
numeric = numerical_gradient(f, x.detach())
print("autograd:", x.grad)
print("numeric: ", numeric)
print("max difference below 1e-6:", (x.grad - numeric).abs().max().item() < 1e-6)
