# Issue 10's "Done when": the lecture's SimpleNN trained 20 steps on random data (seeded).
import torch


class SimpleNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 32)
        self.fc2 = torch.nn.Linear(32, 1)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return torch.sigmoid(self.fc2(h))


torch.manual_seed(0)
X_train = torch.randn(64, 784)
y_train = (torch.rand(64) > 0.5).float()
model = SimpleNN()
criterion = torch.nn.BCELoss()


def train_model(model, X_train, y_train, alpha=0.01, n_steps=1000):
    for step in range(n_steps):
        loss = criterion(model(X_train).squeeze(), y_train)
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= alpha * param.grad
                param.grad.zero_()
        print(f"step {step + 1:2d} | loss {loss.item():.4f}")
    return loss


loss = train_model(model, X_train, y_train, alpha=0.1, n_steps=20)
