# CONTENT.md §2: backward() versus torch.autograd.grad, retain_grad, higher derivatives.
import torch

x = torch.tensor(2.0, requires_grad=True)
z1 = x**3
z1.retain_grad()
f = z1 - 3 * x
(g,) = torch.autograd.grad(f, x, retain_graph=True)
print("autograd.grad:", g, "x.grad still", x.grad)
f.backward()
print("backward:", x.grad, "z1.grad", z1.grad)
print(x.is_leaf, z1.is_leaf, f.grad_fn is not None, x.requires_grad)

x = torch.tensor(1.5, requires_grad=True)
y = x**3 - 3 * x
(dy,) = torch.autograd.grad(y, x, create_graph=True)
(d2y,) = torch.autograd.grad(dy, x)
print(f"f'(1.5) = {dy.item():.4f}, f''(1.5) = {d2y.item():.4f} (6x = {6 * 1.5})")
