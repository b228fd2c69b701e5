# CONTENT.md §12: vanishing gradients in a deep chain of sigmoids, then with ReLU.
import torch
import torch.nn as nn

def deep(activation, depth=8, width=16):
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), activation()]
    return nn.Sequential(*layers, nn.Linear(width, 1))

for activation in (nn.Sigmoid, nn.ReLU):
    torch.manual_seed(0)
    model = deep(activation)
    x = torch.randn(32, 16)
    loss = model(x).pow(2).mean()
    loss.backward()
    norms = [p.grad.norm().item() for name, p in model.named_parameters() if name.endswith("weight")]
    print(str(activation).split(".")[-1].strip("'>"))
    print("  first layer {:.2e}, last layer {:.2e}".format(norms[0], norms[-1]))
    print("  ratio", f"{norms[0] / norms[-1]:.1e}")
