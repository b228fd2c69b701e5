# PyTorch's RuntimeError raised inside forward (a layer of the wrong size), uncaught.
import torch
import torch.nn as nn

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)

torch.manual_seed(0)
model = Model()
print(model(torch.randn(3, 4)).shape)
model(torch.randn(3, 5))
