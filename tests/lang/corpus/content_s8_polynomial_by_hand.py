# CONTENT.md §8: polynomial regression by hand, 4000 iterations at lr 1e-2.
import torch

torch.manual_seed(0)
x = torch.rand(100) * 2
y = x + 2 * (x - 0.9) ** 2 + 0.3 * torch.cos(20 * x) + 0.1 * torch.randn(100)

torch.manual_seed(0)
a, b, c = torch.randn(3)
lr = 1e-2
for k in range(4000):
    y_pred = a + b * x + c * x**2
    loss = torch.mean((y_pred - y) ** 2)
    residual = 2 * (y_pred - y) / len(x)
    a = a - lr * residual.sum()
    b = b - lr * (residual * x).sum()
    c = c - lr * (residual * x**2).sum()
    if k % 500 == 499:
        print(f"Iteration {k + 1:4d} | Loss: {loss:.4f}")
print(f"a = {a:.4f}, b = {b:.4f}, c = {c:.4f}")
