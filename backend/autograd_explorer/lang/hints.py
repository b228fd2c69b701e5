"""What to do instead: one table of hints for the refusals students meet most.

Tutorials import plotting and progress-bar libraries and convert tensors to NumPy; the explorer
refuses them ("forbidden", as before) and the hint, appended to the refusal, says what to write
instead. Keys are the first part of a module's name (`matplotlib` for `matplotlib.pyplot`), a
full path of the table's modules (`torch.from_numpy`), or an attribute (`.numpy`).
"""

from __future__ import annotations

_NO_PLOTS = (
    "the explorer draws no plots: remove the plotting lines; print values, or use the "
    "Optimization/Regression labs"
)
_NO_NUMPY = (
    "the explorer has no NumPy arrays: make tensors with torch.tensor([...]) and read numbers with "
    ".tolist() or .item()"
)
_NO_FILES = "programs here read and write no files: make the data in the program (torch.tensor, torch.randn)"

# Modules a program may not import, by their first name.
MODULE_HINTS: dict[str, str] = {
    "matplotlib": _NO_PLOTS,
    "seaborn": _NO_PLOTS,
    "plotly": _NO_PLOTS,
    "tqdm": "the explorer shows no progress bars: loop over the range itself (`for epoch in range(100):`)",
    "numpy": _NO_NUMPY,
    "pandas": "the explorer has no data frames: keep the data in tensors (torch.tensor, TensorDataset)",
    "sklearn": "the explorer has no scikit-learn: make the data with torch (torch.randn, torch.linspace)",
    "scipy": "use torch's own functions (torch.linalg, torch.optim) instead of SciPy",
    # `import math` is allowed (its float functions); what it leaves out gets this hint
    "math": "the explorer's math has its float functions (math.sqrt, math.exp, math.pi, ...) only",
    # `import random` is allowed (its draws of one number, lang/py_random.py); what it leaves out gets this
    "random": (
        "the explorer's random has seed, random, uniform, randint, randrange, choice, shuffle and gauss; "
        "for tensors use torch's generator: torch.rand, torch.randint, torch.randperm"
    ),
    "time": "the explorer measures no time: count steps or print values instead",
    "os": _NO_FILES,
    "sys": "programs here reach no system: print values instead",
    "pathlib": _NO_FILES,
    "torchvision": "datasets cannot be downloaded here: make a small one with torch.randn and TensorDataset",
}

# Paths under torch the language leaves out, by their full name.
PATH_HINTS: dict[str, str] = {
    # its memory is whatever was there before (another program's values, even): never shown here
    "torch.empty": "start from torch.zeros(...) (then .uniform_(a, b) or .normal_() as tutorials do)",
    "torch.from_numpy": _NO_NUMPY,
    "torch.save": _NO_FILES,
    "torch.load": _NO_FILES,
    # older tutorials: a Variable has been a tensor since PyTorch 0.4
    "torch.autograd.Variable": "a Variable is a tensor since PyTorch 0.4: write torch.tensor(data, "
    "requires_grad=True)",
}

# Python builtins the language leaves out, by name.
BUILTIN_HINTS: dict[str, str] = {
    "open": _NO_FILES,
    "input": "programs read no keyboard: set the value in the program, or as an input beside it",
    # the table's attribute reads are checked by name where they are written
    "getattr": "read the attribute by its name, obj.name",
    "setattr": "set the attribute by its name, obj.name = value",
}

# Attributes the language leaves out, by name.
ATTRIBUTE_HINTS: dict[str, str] = {
    "numpy": _NO_NUMPY,
    # torch.empty's memory, as the tensor's method
    "new_empty": "start from x.new_zeros(...) (then .uniform_(a, b) or .normal_() as tutorials do)",
    # PyTorch deprecates it: it hands the hook the gradients of the module's last operation alone
    "register_backward_hook": "write register_full_backward_hook(hook), which PyTorch recommends: "
    "hook(module, grad_input, grad_output) gets the gradients of the module's own inputs and outputs",
}


def with_hint(message: str, hint: str | None) -> str:
    """A refusal followed by what to do instead (when the table has a hint)."""
    return message if hint is None else f"{message}: {hint}"


def module_hint(module: str) -> str | None:
    """The hint for importing `module` (`matplotlib.pyplot` finds `matplotlib`'s)."""
    return MODULE_HINTS.get(module.split(".")[0])


def path_hint(path: str) -> str | None:
    """The hint for a dotted path: its own (`torch.empty`), else its module's (`plt.plot` as
    `matplotlib.pyplot.plot`, `math.factorial`)."""
    return PATH_HINTS.get(path) or module_hint(path)
