# CONTENT.md §3: gradients accumulate across backward calls until cleared.
import torch

x = torch.tensor(1.0, requires_grad=True)
for _ in range(3):
    y = x * 2
    y.backward()
print("without clearing:", x.grad)
x.grad = None
for _ in range(3):
    y = x * 2
    y.backward()
    print("step", x.grad.item())
    x.grad.zero_()
print("cleared:", x.grad)
