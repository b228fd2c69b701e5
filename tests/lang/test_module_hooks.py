"""A module's hooks (`model.fc1.register_forward_hook(h)` and the three others of calls.MODULE_HOOKS):
PyTorch calls the program's hook around each call of the module. Checked against CPython running
the same program with real torch (every printed line and every parameter's gradient), and the
observer is told of each backward hook's call with the module's gradients."""

from __future__ import annotations

import pytest
import torch

from autograd_explorer.lang.contract import LanguageLimits, ModuleGradients
from autograd_explorer.lang.run import run_program
from tests.lang.helpers import RecordingObserver, cpython, fails, run

NET = (
    "import torch\n"
    "import torch.nn as nn\n"
    "torch.manual_seed(0)\n"
    "class Net(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.fc1 = nn.Linear(2, 3)\n"
    "        self.fc2 = nn.Linear(3, 1)\n"
    "    def forward(self, x):\n"
    "        return self.fc2(torch.relu(self.fc1(x)))\n"
    "model = Net().double()\n"
    "x = torch.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=torch.float64, requires_grad=True)\n"
)

PROGRAMS = {
    # forward hooks keep each layer's activation, as feature-visualisation tutorials do
    "activations": NET + "acts = {}\n"
    "def keep(name):\n"
    "    def hook(module, inputs, output):\n"
    "        acts[name] = output.detach()\n"
    "    return hook\n"
    "for name, layer in model.named_children():\n"
    "    layer.register_forward_hook(keep(name))\n"
    "model(x).sum().backward()\n"
    "print(sorted(acts), acts['fc1'], acts['fc2'])\n",
    # a forward hook's result replaces the output; a pre-hook's tuple replaces the arguments
    "forward results": NET + "model.fc1.register_forward_hook(lambda m, a, out: out * 2)\n"
    "model.fc2.register_forward_pre_hook(lambda m, a: (a[0] + 1,))\n"
    "y = model(x).sum()\n"
    "y.backward()\n"
    "print(y)\n",
    # a full backward hook prints what arrives and leaves at the module (a vanishing-gradient check)
    "backward prints": NET + "def show(module, grad_input, grad_output):\n"
    "    print(module.out_features, grad_input[0].norm().item(), grad_output[0].norm().item())\n"
    "model.fc1.register_full_backward_hook(show)\n"
    "model.fc2.register_full_backward_hook(show)\n"
    "(model(x) ** 2).sum().backward()\n",
    # a full backward hook's tuple replaces grad_input; a pre-hook's replaces grad_output; remove() ends one
    "backward results": NET + "h = model.fc2.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0.5,))\n"
    "model.fc1.register_full_backward_pre_hook(lambda m, go: (go[0].clamp(-0.1, 0.1),))\n"
    "model(x).sum().backward()\n"
    "print(x.grad)\n"
    "h.remove()\n"
    "x.grad = None\n"
    "model.zero_grad()\n"
    "model(x).sum().backward()\n"
    "print(x.grad)\n",
    # a method of the program's class as hook, its state kept; keyword flags pass through
    "method and flags": NET + "class Meter:\n"
    "    def __init__(self):\n"
    "        self.seen = []\n"
    "    def forward_in(self, module, args, kwargs):\n"
    "        self.seen.append(('in', list(args[0].shape)))\n"
    "    def backward_out(self, module, grad_output):\n"
    "        self.seen.append(('grad', round(grad_output[0].sum().item(), 6)))\n"
    "meter = Meter()\n"
    "model.fc2.register_forward_pre_hook(meter.forward_in, with_kwargs=True)\n"
    "model.fc2.register_full_backward_pre_hook(meter.backward_out, prepend=True)\n"
    "for i in range(2):\n"
    "    model(x * (i + 1)).sum().backward()\n"
    "print(meter.seen)\n",
    # hooks on an nn.Sequential's layers; the first layer's input needs no gradient (PyTorch warns)
    "sequential": (
        "import torch\n"
        "import torch.nn as nn\n"
        "torch.manual_seed(1)\n"
        "model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).double()\n"
        "X = torch.tensor([[1.0, 2.0]], dtype=torch.float64)\n"
        "norms = []\n"
        "for layer in model:\n"
        "    layer.register_full_backward_hook(\n"
        "        lambda m, gi, go: norms.append(round(go[0].norm().item(), 9)))\n"
        "model(X).sum().backward()\n"
        "print(norms)\n"
    ),
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_module_hooks_give_the_prints_and_gradients_cpython_gives(name: str) -> None:
    source = PROGRAMS[name]
    names, printed = cpython(source)
    result = run(source)
    assert result.printed == printed
    ours, theirs = result.namespace["model"], names["model"]
    assert isinstance(ours, torch.nn.Module) and isinstance(theirs, torch.nn.Module)
    for (label, mine), (_, real) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert mine.grad is not None and real.grad is not None, label
        assert torch.equal(mine.grad, real.grad), (label, mine.grad, real.grad)
    if "x" in names:
        mine_x, real_x = result.namespace["x"], names["x"]
        assert isinstance(mine_x, torch.Tensor) and isinstance(real_x, torch.Tensor)
        assert torch.equal(mine_x.grad, real_x.grad)  # type: ignore[arg-type]


def test_the_observer_hears_each_backward_hook_with_the_modules_gradients() -> None:
    observer = RecordingObserver()
    run_program(PROGRAMS["backward results"], None, LanguageLimits(), observer)  # type: ignore[arg-type]
    # first pass: fc2's full hook (it returned a tuple), then fc1's pre-hook; second pass: the pre-hook alone
    assert [(span.line, type(grad).__name__, result is None) for span, _, grad, result in observer.hooks] == [
        (13, "ModuleGradients", False),
        (14, "ModuleGradients", False),
        (14, "ModuleGradients", False),
    ]
    _, text, grad, result = observer.hooks[0]
    assert text == "model.fc2.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0.5,))"
    assert isinstance(grad, ModuleGradients) and grad.grad_input is not None
    # fc2's output feeds .sum(): grad_output is ones; its grad_input is ones @ W2, halved by the hook
    model = run(PROGRAMS["backward results"]).namespace["model"]
    assert isinstance(model, torch.nn.Module)
    assert grad.grad_output[0] is not None and grad.grad_output[0].tolist() == [[1.0], [1.0]]
    given = grad.grad_input[0]
    assert given is not None and isinstance(result, tuple)
    assert torch.equal(result[0], given * 0.5)
    pre = observer.hooks[1][2]
    assert isinstance(pre, ModuleGradients) and pre.grad_input is None


def test_forward_hooks_are_observed_as_the_forward_is() -> None:
    """What a forward hook computes is a value of the forward graph: the observer sees it made."""
    observer = RecordingObserver()
    run_program(PROGRAMS["forward results"], None, LanguageLimits(), observer)  # type: ignore[arg-type]
    assert any(text == "out * 2" for _, _, text in observer.tensors)


def test_a_hook_must_be_a_function() -> None:
    error = fails("m = nn.Linear(2, 1)\nm.register_forward_hook(3)\n", "runtime")
    assert "register_forward_hook(): hook must be a function of the program, not int" in error.message
    assert (error.line, error.column) == (2, 0)


def test_flags_must_be_true_or_false() -> None:
    error = fails("m = nn.Linear(2, 1)\nm.register_forward_hook(print, prepend=1)\n", "runtime")
    assert "prepend must be True or False" in error.message
    error = fails("m = nn.Linear(2, 1)\nm.register_full_backward_hook(print, always_call=True)\n", "runtime")
    assert "unexpected keyword argument 'always_call'" in error.message


def test_a_backward_hook_returning_the_wrong_count_gets_pytorchs_refusal() -> None:
    error = fails(
        "m = nn.Linear(2, 1)\nx = torch.ones(1, 2, requires_grad=True)\n"
        "m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))\n"
        "m(x).sum().backward()\n",
        "autograd",
    )
    assert "Backward hook returned an invalid number of grad_input, got 2, but expected 1" in error.message


def test_an_error_inside_a_forward_hook_is_marked_where_it_is() -> None:
    error = fails(
        "m = nn.Linear(2, 1)\nm.register_forward_hook(lambda mod, a, out: out / k)\nm(torch.ones(1, 2))\n",
        "runtime",
    )
    assert "name 'k' is not defined" in error.message
    assert (error.line, error.column) == (2, 50)


def test_the_deprecated_backward_hook_stays_refused() -> None:
    """register_backward_hook gives the gradients of the module's last operation alone, which a
    student would read as the module's: PyTorch deprecates it for register_full_backward_hook."""
    error = fails("m = nn.Linear(2, 1)\nm.register_backward_hook(print)\n", "forbidden")
    assert "register_full_backward_hook" in error.message
