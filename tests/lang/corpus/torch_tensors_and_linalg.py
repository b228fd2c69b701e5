# Tensor API a lecture uses: dtype keywords, *_like, vstack/hstack, .T, .item(), .tolist(), .shape[i],
# .size(), and torch.linalg (norm, inv, solve, svdvals, eigvalsh).
import torch

A = torch.tensor([[4.0, 1.0], [1.0, 3.0]], dtype=torch.float64)
b = torch.tensor([1.0, 2.0], dtype=torch.float64)
print(A.dtype, A.shape[0], A.size(), A.size(1), A.T.tolist(), A.ndim, A.numel())
print(torch.linalg.norm(b).item(), torch.linalg.inv(A))
print(torch.linalg.solve(A, b), torch.linalg.svdvals(A), torch.linalg.eigvalsh(A))
print(torch.vstack([b, b]).shape, torch.hstack([b, b]), torch.zeros_like(b), torch.ones_like(A).sum())
print(torch.full_like(b, 7.0), torch.arange(5, dtype=torch.float32), torch.eye(2, dtype=torch.int64))
x = torch.linspace(0, 1, 5)
print(x, x[1:3], x[-1].item(), x.reshape(5, 1).shape, x.unsqueeze(0).shape, x.mean(), x.std())
print(torch.stack([x, x]).sum(dim=0), torch.cat([x, x]).shape, torch.where(x > 0.5, x, torch.zeros_like(x)))
t = torch.tensor([[1, 2], [3, 4]])
print(t.argmax(), t.max(dim=1), t.float().mean(dim=0), t.flatten().tolist(), t.T @ t)
print(f"{torch.tensor(3.14159):.2f}", f"{x.sum():.3f}", float(x[2]), int(t[1, 1]), len(t))
