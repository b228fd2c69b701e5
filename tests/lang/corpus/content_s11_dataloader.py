# CONTENT.md §11: a DataLoader over a TensorDataset (shuffled under a seed), Adam, list.append.
import torch
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X = torch.randn(60, 3)
y = X @ torch.tensor([1.0, -2.0, 0.5]) + 0.3
dataset = TensorDataset(X, y)
loader = DataLoader(dataset, batch_size=16, shuffle=True)
model = nn.Linear(3, 1)
optimizer = optim.Adam(model.parameters(), lr=0.1)
loss_fn = nn.MSELoss()
epoch_losses = []
for epoch in range(5):
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb).squeeze(-1), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    epoch_losses.append(total / len(dataset))
    print(f"epoch {epoch}: {epoch_losses[-1]:.4f}, batches {len(loader)}")
first_batch = next(iter(loader))
print(len(dataset), dataset[0][0].shape, first_batch[0].shape)
