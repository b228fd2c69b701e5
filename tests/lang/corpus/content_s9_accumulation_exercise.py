# CONTENT.md §9: the gradient-accumulation pitfall, with and without clearing.
import torch

def run(clear: bool) -> list:
    a = torch.tensor(0.5, requires_grad=True)
    b = torch.tensor(0.5, requires_grad=True)
    x, y, lr = 1.5, 2.5, 0.1
    rows = []
    for step in range(1, 11):
        loss = (a * x + b - y) ** 2
        loss.backward()
        rows.append((step, loss.item(), a.item(), b.item(), a.grad.item(), b.grad.item()))
        with torch.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
        if clear:
            a.grad.zero_()
            b.grad.zero_()
    return rows

for clear in (False, True):
    print("clearing" if clear else "accumulating")
    for step, loss, a, b, ga, gb in run(clear):
        print(f"{step:2d} {loss:10.5f} {a:8.4f} {b:8.4f} {ga:9.4f} {gb:9.4f}")
