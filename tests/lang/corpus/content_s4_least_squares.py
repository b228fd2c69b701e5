# CONTENT.md §4: f(w) = ½‖Xw − y‖², the gradient by hand (Xᵀ(Xw − y)) and by autograd.
import torch

torch.manual_seed(0)
X = torch.randn(5, 2, dtype=torch.float64)
y = torch.randn(5, dtype=torch.float64)
w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
f = 0.5 * torch.sum((X @ w - y) ** 2)
f.backward()
by_hand = X.T @ (X @ w - y)
print("autograd:", w.grad)
print("by hand: ", by_hand.detach())
print("shapes:", X.shape, w.shape, (X @ w - y).shape, X.T.shape)
print("agree:", torch.allclose(w.grad, by_hand))
