# CONTENT.md §8 exercise: learning rates side by side (a rate too large diverges to nan).
import torch

torch.manual_seed(0)
x = torch.rand(100) * 2
y = x + 2 * (x - 0.9) ** 2 + 0.3 * torch.cos(20 * x) + 0.1 * torch.randn(100)

def fit(lr, iterations):
    torch.manual_seed(1)
    params = [torch.randn((), requires_grad=True) for _ in range(3)]
    a, b, c = params
    for _ in range(iterations):
        loss = ((a + b * x + c * x**2 - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    return [p.item() for p in params], loss.item()

for lr in [1, 1e-1, 1e-2, 1e-3]:
    (a, b, c), loss = fit(lr, 200)
    print(f"lr {lr:>6}: a={a:9.4f} b={b:9.4f} c={c:9.4f} loss={loss:.4g}")
