# CONTENT.md §5: gradient descent for linear regression, by hand and by autograd (the lecture's loop).
import torch

torch.manual_seed(42)
X = torch.randn(100, 2)
w_true = torch.tensor([1.0, -0.5])
y = X @ w_true
n = X.shape[0]
alpha = 1.8 * n / torch.linalg.svdvals(X)[0].item() ** 2

w_manual = torch.zeros(2)
w = torch.zeros(2, requires_grad=True)
for k in range(1, 101):
    grad = X.T @ (X @ w_manual - y) / n
    w_manual = w_manual - alpha * grad
    loss = 0.5 * torch.mean((X @ w - y) ** 2)
    loss.backward()
    with torch.no_grad():
        w -= alpha * w.grad
    w.grad.zero_()
    if k % 20 == 0:
        print(f"Iteration {k:4d} | Loss: {loss:.4f}")
print("manual:  ", [round(v, 4) for v in w_manual.tolist()])
print("autograd:", [round(v, 4) for v in w.detach().tolist()])
