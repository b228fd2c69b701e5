# CONTENT.md §3: detach() cuts the path; x.grad stays None.
import torch

x = torch.tensor(3.0, requires_grad=True)
y = x * 2
z = y.detach()
w = z * x
w.backward()
print("x.grad:", x.grad)
u = torch.tensor(3.0, requires_grad=True)
v = (u * 2).detach() * 5
print(v.requires_grad, v.grad_fn, u.grad is None)
