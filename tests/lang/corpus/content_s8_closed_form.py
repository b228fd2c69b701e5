# CONTENT.md §8: the closed form by the normal equations on the design matrix [1, x, x²].
import torch

torch.manual_seed(0)
x = torch.rand(100, dtype=torch.float64) * 2
y = x + 2 * (x - 0.9) ** 2 + 0.3 * torch.cos(20 * x) + 0.1 * torch.randn(100, dtype=torch.float64)
A = torch.vstack([torch.ones_like(x), x, x**2]).T
coefficients = torch.linalg.solve(A.T @ A, A.T @ y)
a, b, c = coefficients.tolist()
residual = A @ coefficients - y
print(f"closed form: a = {a:.4f}, b = {b:.4f}, c = {c:.4f}")
print(f"loss = {residual.pow(2).mean():.5f}, shape {tuple(A.shape)}, A.shape[1] = {A.shape[1]}")
