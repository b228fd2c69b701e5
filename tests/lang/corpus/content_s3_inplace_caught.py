# CONTENT.md §3 and §11: the in-place error caught with try/except RuntimeError as e.
import torch

x = torch.tensor(4.0, requires_grad=True)
try:
    y = torch.sqrt(x)
    y.add_(1)
    z = 3 * y
    z.backward()
except RuntimeError as e:
    print("RuntimeError:", str(e))

x = torch.tensor(4.0, requires_grad=True)
y = torch.sqrt(x)
y = y + 1
z = 3 * y
z.backward()
print(f"out of place: x.grad = {x.grad.item()}")
