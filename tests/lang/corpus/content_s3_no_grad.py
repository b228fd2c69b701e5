# CONTENT.md §3: torch.no_grad() builds no graph; the program draws nothing and prints.
import torch

w = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():
    y = (w * 3).sum()
print(y.requires_grad, y.grad_fn)
print(f"y = {y:.2f}")
