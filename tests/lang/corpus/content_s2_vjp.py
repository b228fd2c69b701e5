# CONTENT.md §2 and PyTorch's autograd tutorial: a non-scalar output needs a gradient argument.
import torch

a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a**3 - b**2
Q.backward(gradient=torch.ones_like(Q))
print(9 * a**2 == a.grad)
print(-2 * b == b.grad)
print(a.grad, b.grad)
