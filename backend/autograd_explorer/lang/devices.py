"""Devices on a CPU-only server: tutorial code names them (`x.to(device)`), only the cpu exists.

`torch.device("cuda")` may be made, as in PyTorch, and `torch.cuda.is_available()` is False, so
`"cuda" if torch.cuda.is_available() else "cpu"` picks the cpu. Moving a tensor or a module to
any other device raises a RuntimeError that says what to do, where PyTorch's own would speak of
how it was compiled. Nothing here looks a name up: a device is only ever parsed by torch.device.
"""

from __future__ import annotations

import torch

from autograd_explorer.errors import ProgramError

# Devices PyTorch runs on that this server lacks: moving to one is PyTorch's RuntimeError, reworded.
ACCELERATORS = frozenset({"cuda", "mps", "xpu", "hip"})
CPU = torch.device("cpu")
NO_GPU = 'this server has no GPU: use the cpu device (torch.device("cpu"), or leave .to(device) out)'


def no_gpu_error(device: object) -> RuntimeError:
    """The error of moving something to `device` (any device but the cpu)."""
    return RuntimeError(f"{NO_GPU}; {device!r} was asked for")


def make_device(type: object, index: object = None) -> torch.device:  # PyTorch's parameter name
    """`torch.device("cpu")`, `torch.device("cuda", 0)`: made from text and an index only."""
    if isinstance(type, torch.device):
        return type
    if not isinstance(type, str) or isinstance(index, bool) or not (index is None or isinstance(index, int)):
        raise TypeError("torch.device() takes a device name such as 'cpu', and an optional index")
    return torch.device(type) if index is None else torch.device(type, index)


def check_device(value: object) -> None:
    """Raise unless `value` names the cpu (a device, its name, or None: the default); the caller's
    span is given to a refusal by EvaluatorCore.library_failed."""
    if value is None:
        return
    if isinstance(value, int) and not isinstance(value, bool):
        raise no_gpu_error(f"cuda:{value}")  # an index alone is a CUDA device in PyTorch
    device = make_device(value)
    if device.type in ACCELERATORS:
        raise no_gpu_error(str(device))
    if device.type != "cpu":  # `meta` makes tensors without memory: sizes no budget would see
        raise ProgramError(
            "forbidden",
            f"the device {str(device)!r} is not part of the explorer language: use the cpu device",
        )


def is_device_like(value: object) -> bool:
    """Does `.to(value)` name a device (text, a device, an index), rather than a dtype or a tensor?"""
    return isinstance(value, str | torch.device) or (isinstance(value, int) and not isinstance(value, bool))


def no_gpu_available() -> bool:
    """`torch.cuda.is_available()` and `torch.backends.mps.is_available()` on this server."""
    return False


def to_cuda(owner: object, *args: object, **kwargs: object) -> object:
    """`x.cuda()` / `model.cuda()`: always the no-GPU error."""
    raise no_gpu_error("cuda")
