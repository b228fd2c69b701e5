# Lecture style: logistic regression (Linear(d, 1, bias=False) + sigmoid) against the two-layer net.
import torch

torch.manual_seed(3)
X = torch.randn(200, 5)
true_w = torch.tensor([1.5, -2.0, 0.5, 0.0, 1.0])
y = (torch.sigmoid(X @ true_w) > 0.5).float()

class Logistic(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.linear = torch.nn.Linear(d, 1, bias=False)

    def forward(self, x):
        return torch.sigmoid(self.linear(x))

def accuracy(model):
    with torch.no_grad():
        return ((model(X).squeeze() > 0.5).float() == y).float().mean().item()

model = Logistic(5)
criterion = torch.nn.BCELoss()
for step in range(200):
    loss = criterion(model(X).squeeze(), y)
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= 0.5 * param.grad
            param.grad.zero_()
    if step % 50 == 0:
        print(f"step {step:3d}: loss {loss.item():.4f}, accuracy {accuracy(model) * 100:.2f} %")
print(f"final accuracy {accuracy(model):.2%}")
