# An uncaught NameError inside a function: Python's message, the line in the function.
import torch

def loss_of(w):
    prediction = w * 2
    return (predicton - 1) ** 2

w = torch.tensor(1.0, requires_grad=True)
print("computing")
loss = loss_of(w)
