# CONTENT.md §6: a BinaryClassifier (Linear → tanh → Linear → sigmoid) trained with BCE and SGD.
import torch
import torch.nn as nn

class BinaryClassifier(nn.Module):
    def __init__(self, d: int, h: int) -> None:
        super().__init__()
        self.hidden = nn.Linear(d, h)
        self.out = nn.Linear(h, 1)

    def forward(self, x):
        return torch.sigmoid(self.out(torch.tanh(self.hidden(x))))

torch.manual_seed(1)
X = torch.randn(80, 2)
labels = (X[:, 0] * X[:, 1] > 0).float()
model = BinaryClassifier(2, 8)
criterion = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
history = []
for epoch in range(60):
    optimizer.zero_grad()
    loss = criterion(model(X).squeeze(1), labels)
    loss.backward()
    optimizer.step()
    history.append(loss.item())
accuracy = ((model(X).squeeze(1) > 0.5).float() == labels).float().mean()
print(f"first {history[0]:.4f} last {history[-1]:.4f} accuracy {accuracy:.2%}")
print(len(history), min(history) == history[-1])
