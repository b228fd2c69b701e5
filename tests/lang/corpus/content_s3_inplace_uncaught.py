# CONTENT.md §3: the same in-place error, uncaught: PyTorch's message on the offending line.
import torch

x = torch.tensor(4.0, requires_grad=True)
y = torch.sqrt(x)
y += 1
z = 3 * y
print("about to differentiate")
z.backward()
print("never printed")
