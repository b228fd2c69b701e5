# torch.optim: SGD with momentum, Adam, AdamW, RMSprop, Adagrad; StepLR and ExponentialLR.
import torch

def minimize(make_optimizer, steps=50):
    w = torch.tensor([2.0, -3.0], requires_grad=True)
    optimizer = make_optimizer([w])
    for _ in range(steps):
        optimizer.zero_grad()
        loss = (w[0] - 1) ** 2 + 10 * (w[1] + 0.5) ** 2
        loss.backward()
        optimizer.step()
    return w.detach(), loss.item()

optimizers = {
    "SGD+momentum": lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9),
    "Adam": lambda ps: torch.optim.Adam(ps, lr=0.1),
    "AdamW": lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.01),
    "RMSprop": lambda ps: torch.optim.RMSprop(ps, lr=0.05),
    "Adagrad": lambda ps: torch.optim.Adagrad(ps, lr=0.5),
}
for name, make in optimizers.items():
    w, loss = minimize(make)
    print(f"{name:13s} w = [{w[0]:.4f}, {w[1]:.4f}] loss = {loss:.6f}")

w = torch.zeros(1, requires_grad=True)
optimizer = torch.optim.SGD([w], lr=1.0)
step_lr = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
rates = []
for epoch in range(6):
    optimizer.step()
    step_lr.step()
    rates.append(step_lr.get_last_lr()[0])
print("StepLR", rates, optimizer.param_groups[0]["lr"])
optimizer = torch.optim.Adam([w], lr=0.1)
exp_lr = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
for epoch in range(3):
    optimizer.step()
    exp_lr.step()
print("ExponentialLR", [round(r, 5) for r in exp_lr.get_last_lr()])
