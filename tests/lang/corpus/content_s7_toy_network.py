# CONTENT.md §7: a toy one-layer network checked by hand.
import torch

x = torch.tensor([[2.0, 3.0]])
y = torch.tensor([[3.0]])
w = torch.ones(2, 1, requires_grad=True)
b = torch.ones(1, 1, requires_grad=True)
z = x @ w + b
loss = torch.mean((z - y) ** 2)
loss.backward()
print("z =", z.item(), "loss =", loss.item())
print("grad_fn names:", z.grad_fn.name(), loss.grad_fn.name(), w.grad_fn)
residual = z.item() - 3
print("w.grad:", w.grad.T.tolist(), "by hand:", [2 * residual * 2, 2 * residual * 3])
print("b.grad:", b.grad.item(), "by hand:", 2 * residual)
print("only leaves have .grad:", z.grad is None, w.is_leaf, z.is_leaf)
