# CONTENT.md §10: gradient descent on Himmelblau's function, stopping early on a tolerance.
import torch

def himmelblau(u, v):
    return (u**2 + v - 11) ** 2 + (u + v**2 - 7) ** 2

for start in [(1.0, 1.0), (-1.0, -1.0), (-1.0, 1.0)]:
    p = torch.tensor(start, requires_grad=True)
    previous = None
    step = 0
    while step < 300:
        step += 1
        loss = himmelblau(p[0], p[1])
        if previous is not None and abs(previous - loss.item()) < 1e-4:
            break
        previous = loss.item()
        loss.backward()
        with torch.no_grad():
            p -= 5e-4 * p.grad
        p.grad.zero_()
    u, v = p.tolist()
    print(f"start {start} -> ({u:.3f}, {v:.3f}) after {step} steps, f = {himmelblau(u, v):.4f}")
