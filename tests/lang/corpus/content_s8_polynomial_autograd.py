# CONTENT.md §8: the same fit by autograd, the lecture's 4000-iteration loop and print format.
import torch

torch.manual_seed(0)
x = torch.rand(100) * 2
y = x + 2 * (x - 0.9) ** 2 + 0.3 * torch.cos(20 * x) + 0.1 * torch.randn(100)

torch.manual_seed(1)
a = torch.randn((), requires_grad=True)
b = torch.randn((), requires_grad=True)
c = torch.randn((), requires_grad=True)
learning_rate = 1e-2
for k in range(4000):
    y_pred = a + b * x + c * x**2
    loss = (y_pred - y).pow(2).mean()
    if k % 500 == 0:
        print(f"Iteration {k:4d} | Loss: {loss:.4f}", flush=True)
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        a.grad = None
        b.grad = None
        c.grad = None
print(f"Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2")
