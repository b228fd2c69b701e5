# Reading an attribute the model never set: PyTorch's AttributeError message.
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 2)

net = Net()
print(net.fc1.out_features)
print(net.fc2)
