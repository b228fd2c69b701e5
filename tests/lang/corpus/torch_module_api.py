# The Module API: named_parameters, state_dict, children/modules, train/eval, Dropout, BatchNorm, nn.init.
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self, vocabulary=10, dim=4, classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, dim)
        self.body = nn.Sequential(nn.Linear(dim, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5))
        self.head = nn.Linear(8, classes)
        nn.init.zeros_(self.head.bias)
        nn.init.constant_(self.head.weight, 0.1)

    def forward(self, tokens):
        return self.head(self.body(self.embed(tokens)))

torch.manual_seed(0)
net = Net()
for name, p in net.named_parameters():
    print(f"{name:20s} {tuple(p.shape)} requires_grad={p.requires_grad}")
print(list(net.state_dict().keys())[-3:])
print([str(m).split("(")[0] for m in net.children()])
print(len(list(net.modules())), net.training)
tokens = torch.tensor([1, 2, 3, 4])
targets = torch.tensor([0, 1, 2, 1])
loss = nn.CrossEntropyLoss()(net(tokens), targets)
loss.backward()
print(f"train loss {loss:.4f}", net.head.weight.grad.shape)
net.eval()
with torch.no_grad():
    probabilities = F.softmax(net(tokens), dim=1)
print(net.training, probabilities.sum(dim=1))
print(isinstance(net.head, nn.Linear), isinstance(net, nn.Module), isinstance(loss, torch.Tensor))
