"""Autograd Explorer: PyTorch's autograd made visible."""

__version__ = "0.1.0"
