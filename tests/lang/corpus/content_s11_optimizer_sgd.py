# CONTENT.md §11: optimizer = torch.optim.SGD([x], lr=0.1) with zero_grad/step.
import torch

x = torch.tensor([5.0], requires_grad=True)
optimizer = torch.optim.SGD([x], lr=0.1)
losses = []
for k in range(25):
    optimizer.zero_grad()
    loss = ((x - 3) ** 2).sum()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if k % 5 == 0:
        print(f"Iteration {k:4d} | Loss: {loss:.4f} | x = {x.item():.4f}")
print(f"final x = {x.item():.6f}, {len(losses)} losses, last {losses[-1]:.2e}")
