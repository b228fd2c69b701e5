# PyTorch's "A Gentle Introduction to torch.autograd": requires_grad flags and freezing parameters.
import torch
from torch import nn, optim

torch.manual_seed(0)
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

model = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 4))
for param in model.parameters():
    param.requires_grad = False
model[2] = nn.Linear(8, 2)
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
trainable = [name for name, p in model.named_parameters() if p.requires_grad]
print("trainable:", trainable)
out = model(torch.rand(3, 10)).sum()
out.backward()
optimizer.step()
print([p.grad is None for p in model.parameters()])
