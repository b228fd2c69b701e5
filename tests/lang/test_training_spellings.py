"""What optimization and deep-learning courses write around a model that the language had refused:
L-BFGS with its closure, learning-rate schedules, module containers and buffers, names registered
at run time, `type(layer).__name__`, and PyTorch's own warnings. The oracle is CPython with real
torch running the same program."""

from __future__ import annotations

import pytest
import torch

from .helpers import cpython, fails, run

ROSENBROCK_LBFGS = """import torch
x = torch.tensor([-1.5, 2.0], requires_grad=True)
opt = torch.optim.LBFGS([x], lr=1, max_iter=10, history_size=5, line_search_fn="strong_wolfe")
calls = []
def closure():
    opt.zero_grad()
    loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    loss.backward()
    calls.append(loss.item())
    return loss
for step in range(4):
    loss = opt.step(closure)
    print(step, x.tolist(), loss.item())
print(len(calls))
"""


def test_lbfgs_calls_the_programs_closure_as_cpython_does() -> None:
    got = run(ROSENBROCK_LBFGS)
    expected, printed = cpython(ROSENBROCK_LBFGS)
    assert got.printed == printed
    assert got.namespace["calls"] == expected["calls"] and len(got.namespace["calls"]) > 8  # type: ignore[arg-type]
    assert torch.equal(got.namespace["x"], expected["x"])  # type: ignore[arg-type]
    assert got.backward_calls == len(expected["calls"])  # type: ignore[arg-type]


SCHEDULES = """import torch
w = torch.zeros(2, requires_grad=True)
def opt():
    return torch.optim.SGD([w], lr=1.0, momentum=0.9)
def warm(epoch):
    return min(1.0, (epoch + 1) / 3)
schedules = {
    'step': torch.optim.lr_scheduler.StepLR(opt(), 2, gamma=0.5),
    'multistep': torch.optim.lr_scheduler.MultiStepLR(opt(), milestones=[2, 4], gamma=0.1),
    'cosine': torch.optim.lr_scheduler.CosineAnnealingLR(opt(), T_max=5, eta_min=0.01),
    'restarts': torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt(), T_0=2, T_mult=2),
    'lambda': torch.optim.lr_scheduler.LambdaLR(opt(), warm),
    'multiplicative': torch.optim.lr_scheduler.MultiplicativeLR(opt(), lambda e: 0.9),
    'linear': torch.optim.lr_scheduler.LinearLR(opt(), start_factor=0.25, total_iters=3),
    'constant': torch.optim.lr_scheduler.ConstantLR(opt(), factor=0.5, total_iters=2),
    'poly': torch.optim.lr_scheduler.PolynomialLR(opt(), total_iters=4, power=2.0),
    'onecycle': torch.optim.lr_scheduler.OneCycleLR(opt(), max_lr=0.5, total_steps=8),
    'cyclic': torch.optim.lr_scheduler.CyclicLR(opt(), base_lr=0.1, max_lr=1.0, step_size_up=2),
}
first = opt()
schedules['sequential'] = torch.optim.lr_scheduler.SequentialLR(
    first,
    [torch.optim.lr_scheduler.LinearLR(first, 0.5, total_iters=2),
     torch.optim.lr_scheduler.ExponentialLR(first, gamma=0.8)],
    milestones=[2],
)
plateau_opt = opt()
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(plateau_opt, factor=0.5, patience=1)
lrs = {name: [] for name in schedules}
for epoch in range(7):
    for name, sched in schedules.items():
        sched.optimizer.step()
        sched.step()
        lrs[name].append(round(sched.get_last_lr()[0], 6))
    plateau.step(torch.tensor(1.0))
    lrs.setdefault('plateau', []).append(plateau_opt.param_groups[0]['lr'])
print(lrs['lambda'], schedules['cosine'].last_epoch)
"""


def test_every_schedule_gives_cpythons_learning_rates() -> None:
    got = run(SCHEDULES)
    expected, printed = cpython(SCHEDULES)
    assert got.printed == printed
    assert got.namespace["lrs"] == expected["lrs"]
    assert len(got.namespace["lrs"]) == 13  # type: ignore[arg-type]
    assert got.namespace["lrs"]["plateau"][-1] < 1.0  # type: ignore[index]  # it did lower lr


def test_an_optimizers_state_counts_before_it_is_filled() -> None:
    # L-BFGS keeps 2 × history_size flat copies of the parameters: 10,000 of 1,000 parameters is
    # 205,000 elements, far over a limit the parameters alone fit (refused where it is made, not at
    # the step that would fill it)
    source = (
        "import torch\nw = torch.zeros(1000, requires_grad=True)\n"
        "opt = torch.optim.LBFGS([w], history_size=100)\n"
    )
    error = fails(source, "limit", max_total_elements=150_000)
    assert (error.line, error.column) == (3, 6)
    assert "LBFGS's state would hold 203000 elements, 1001 are already created" in error.message
    run(source.replace("100)", "50)"), max_total_elements=150_000)
    # Adam's two moments; plain SGD keeps none
    adam = "import torch\nw = torch.zeros(1000, requires_grad=True)\nopt = torch.optim.Adam([w])\n"
    assert "Adam's state would hold 2000" in fails(adam, "limit", max_total_elements=2500).message
    run(adam.replace("Adam([w])", "SGD([w], lr=0.1)"), max_total_elements=2500)
    # parameters added later count as the first ones did
    added = adam.replace("Adam([w])", "SGD([w], lr=0.1, momentum=0.9)") + (
        "v = torch.zeros(1000, requires_grad=True)\nopt.add_param_group({'params': [v]})\n"
    )
    error = fails(added, "limit", max_total_elements=3500)
    assert error.line == 5 and "SGD's state would hold 1000" in error.message


CONTAINERS = """import torch
import torch.nn as nn
from collections import OrderedDict
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleDict({'hidden': nn.Linear(3, 4), 'out': nn.Linear(4, 2)})
        self.acts = nn.ModuleDict([['relu', nn.ReLU()], ['tanh', nn.Tanh()]])
        self.head = nn.Sequential(OrderedDict([('fc', nn.Linear(2, 2)), ('act', nn.Sigmoid())]))
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(2) * (i + 1)) for i in range(2)])
        self.extra = nn.ParameterDict({'shift': nn.Parameter(torch.tensor(0.5))})
        for i in range(2):
            self.add_module(f"skip{i}", nn.Linear(2, 2, bias=False))
        self.register_parameter('gain', nn.Parameter(torch.tensor(2.0)))
        self.register_buffer('offset', torch.full((2,), 0.25))
        self.register_buffer('scratch', torch.zeros(1), persistent=False)
    def forward(self, x, act='relu'):
        h = self.blocks['out'](self.acts[act](self.blocks['hidden'](x)))
        for s in self.scales:
            h = h * s
        h = self.skip1(self.skip0(h)) * self.gain + self.offset + self.extra['shift']
        return self.head(h)
net = Net()
x = torch.randn(5, 3)
loss = net(x).sum() + net(x, 'tanh').sum()
loss.backward()
names = [name for name, _ in net.named_parameters()]
buffers = [name for name, _ in net.named_buffers()]
state = list(net.state_dict().keys())
print(list(net.blocks.keys()), 'out' in net.blocks, len(net.acts), net.head.fc)
print([type(m).__name__ for m in net.head], type(net).__name__, net.forward.__name__)
net.blocks['extra'] = nn.Identity()
net.blocks.update({'more': nn.Identity()})
net.scales.append(nn.Parameter(torch.zeros(2)))
print(len(net.blocks), len(net.scales), sorted(k for k, v in net.blocks.items()))
"""


def test_module_containers_and_registered_names_run_as_in_cpython() -> None:
    got = run(CONTAINERS)
    expected, printed = cpython(CONTAINERS)
    assert got.printed == printed
    for key in ("names", "buffers", "state"):
        assert got.namespace[key] == expected[key], key
    assert "offset" in got.namespace["state"] and "scratch" not in got.namespace["state"]  # type: ignore[operator]
    assert torch.equal(got.namespace["loss"], expected["loss"])  # type: ignore[arg-type]
    ours = dict(got.namespace["net"].named_parameters())  # type: ignore[attr-defined]
    theirs = dict(expected["net"].named_parameters())  # type: ignore[attr-defined]
    assert len(ours) == len(theirs) == 13  # the one appended after backward() has no gradient
    for name, parameter in theirs.items():
        if name == "scales.2":
            assert parameter.grad is None and ours[name].grad is None
        else:
            assert parameter.grad is not None and torch.equal(ours[name].grad, parameter.grad), name


def test_a_module_reads_only_what_it_registered() -> None:
    # a name it never registered is Python's AttributeError, at the read
    source = "import torch\nm = torch.nn.Linear(1, 1)\nm.register_buffer('c', torch.ones(1))\nprint(m.c, m.d)"
    error = fails(source, "runtime")
    assert error.line == 4 and "'Linear' object has no attribute 'd'" in error.message
    # PyTorch refuses a name the module already has (a method, the tables themselves)
    for name in ("forward", "_buffers", "__class__"):
        error = fails(
            f"import torch\nm = torch.nn.Linear(1, 1)\nm.register_buffer('{name}', torch.ones(1))", "runtime"
        )
        assert "already exists" in error.message, name
    # the tables stay out of reach
    fails("import torch\nm = torch.nn.Linear(1, 1)\nprint(m._buffers)", "forbidden")


def test_the_name_of_a_class_or_function_is_the_one_dunder_read() -> None:
    source = """import torch
import torch.nn as nn
def f(x):
    return x
class Net(nn.Module):
    pass
print(type(nn.Linear(1, 1)).__name__, f.__name__, (lambda: 0).__name__, Net.__name__)
print(type(torch.ones(1)).__name__, type(3).__name__, type(f).__name__)
"""
    assert run(source).printed == cpython(source)[1]
    error = fails("import torch\nprint(torch.ones(1).__name__)", "runtime")
    assert "'Tensor' object has no attribute '__name__'" in error.message
    fails("def f():\n    return 1\nf.__name__ = 'g'", "forbidden")
    fails("import torch\nprint(torch.ones(1).__class__)", "forbidden")


def test_equal_trace_index_add_and_random_split() -> None:
    source = """import torch
from torch.utils.data import TensorDataset, random_split
torch.manual_seed(3)
A = torch.randn(3, 3, requires_grad=True)
t = torch.trace(A) + A.trace()
y = torch.zeros(4).index_add(0, torch.tensor([0, 0, 3]), A[0], alpha=2.0)
(t + y.sum()).backward()
same = torch.equal(A.detach(), A.detach().clone()), torch.equal(A, A + 1)
train, test = random_split(TensorDataset(torch.arange(10.0)), [0.7, 0.3])
print(same, len(train), len(test), sorted(int(v[0]) for v in test))
"""
    got = run(source)
    expected, printed = cpython(source)
    assert got.printed == printed
    assert torch.equal(got.namespace["A"].grad, expected["A"].grad)  # type: ignore[union-attr]
    assert torch.equal(got.namespace["y"], expected["y"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "said"),
    [
        (  # the schedule skips its first value: PyTorch's warning, at the program's line
            "import torch\nw = torch.zeros(1, requires_grad=True)\nopt = torch.optim.SGD([w], lr=1.0)\n"
            "sched = torch.optim.lr_scheduler.StepLR(opt, 1)\nfor i in range(3):\n    sched.step()\n"
            "    opt.step()\n",
            ["line 6: UserWarning: Detected call of `lr_scheduler.step()` before `optimizer.step()`."],
        ),
        (  # a module loss's target of another shape: said as the functional one's is, once each
            "import torch\np = torch.ones(4, 1)\ny = torch.zeros(4)\nl = torch.nn.MSELoss()(p, y)\n"
            "l = torch.nn.functional.mse_loss(p, y)\nl = torch.nn.L1Loss()(p, y)\n",
            [
                "line 4: nn.MSELoss got input of shape [4, 1] and target of shape [4]; they broadcast",
                "line 5: F.mse_loss got input of shape [4, 1] and target of shape [4]; they broadcast",
                "line 6: nn.L1Loss got input of shape [4, 1] and target of shape [4]; they broadcast",
            ],
        ),
        (  # gradcheck's float32 warning: the explorer's words alone
            "import torch\nx = torch.randn(3, requires_grad=True)\n"
            "ok = torch.autograd.gradcheck(torch.sin, (x,), raise_exception=False)\n",
            ["line 3: gradcheck's input #0 is float32, not float64"],
        ),
    ],
)
def test_pytorchs_warnings_are_said_at_the_programs_line(source: str, said: list[str]) -> None:
    warnings = run(source).warnings
    assert len(warnings) == len(said), warnings
    for text, start in zip(warnings, said, strict=True):
        assert text.startswith(start), (text, start)


def test_a_warning_is_said_once_per_place_and_again_in_the_next_run() -> None:
    source = (
        "import torch\nw = torch.zeros(1, requires_grad=True)\nopt = torch.optim.SGD([w], lr=1.0)\n"
        "sched = torch.optim.lr_scheduler.StepLR(opt, 1)\nsched.step()\nsched.step()\n"
    )
    first, second = run(source).warnings, run(source).warnings
    assert first == second and len(first) == 1 and first[0].startswith("line 5: UserWarning")


def test_scaled_dot_product_attention_runs_as_in_cpython_and_is_sized_by_its_scores() -> None:
    source = """import torch
import torch.nn.functional as F
torch.manual_seed(0)
q = torch.randn(2, 2, 5, 4, requires_grad=True)
k = torch.randn(2, 2, 6, 4, requires_grad=True)
v = torch.randn(2, 2, 6, 3)
mask = torch.rand(5, 6) > 0.3
out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask) + F.scaled_dot_product_attention(
    q, k[:, :, :5], v[:, :, :5], is_causal=True)
out.pow(2).sum().backward()
"""
    got = run(source)
    expected, _ = cpython(source)
    assert torch.allclose(got.namespace["out"], expected["out"])  # type: ignore[arg-type]
    for name in ("q", "k"):
        assert torch.allclose(got.namespace[name].grad, expected[name].grad), name  # type: ignore[union-attr]
    # 4,000 tokens of width 2 make a 4000 × 4000 score matrix inside the one call, positional or by
    # keyword: refused before it runs, naming the scores
    for call in (
        "F.scaled_dot_product_attention(q, q, q)",
        "F.scaled_dot_product_attention(query=q, key=q, value=q)",
    ):
        error = fails(f"import torch.nn.functional as F\nq = torch.ones(1, 4000, 2)\ny = {call}", "limit")
        assert error.line == 3 and "16008000 elements made by the attention's L × S scores" in error.message


TIED = """import torch
import torch.nn as nn
from collections import OrderedDict
class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(5, 3)
        self.head = nn.Linear(3, 5, bias=False)
        self.head.weight = self.emb.weight   # weight tying, as GPT-2 does
    def forward(self, idx):
        return self.head(torch.tanh(self.emb(idx)))
    @property
    def size(self):
        return sum(p.numel() for p in self.parameters())
torch.manual_seed(0)
model = TinyLM()
loss = nn.functional.cross_entropy(model(torch.tensor([1, 2])), torch.tensor([2, 3]))
loss.backward()
net = nn.Sequential(OrderedDict([('body', nn.Linear(4, 3)), ('fc', nn.Linear(3, 10))]))
net.fc = nn.Linear(3, 2)   # a new head for two classes
print(model.size, len(list(model.parameters())), net(torch.ones(1, 4)).shape, divmod(7, 2), divmod(-7.5, 2))
"""


def test_a_library_modules_parameters_and_layers_may_be_replaced_and_a_class_may_have_properties() -> None:
    got = run(TIED)
    expected, printed = cpython(TIED)
    assert got.printed == printed == ["15 1 torch.Size([1, 2]) (3, 1) (-4.0, 0.5)"]
    tied, oracle = got.namespace["model"], expected["model"]
    assert tied.head.weight is tied.emb.weight  # type: ignore[attr-defined]  # one parameter, used twice
    assert torch.equal(tied.emb.weight.grad, oracle.emb.weight.grad)  # type: ignore[attr-defined]
    # nn.Module's own TypeError for a plain tensor as a parameter; a name it never registered stays out
    error = fails("import torch\nlin = torch.nn.Linear(2, 2)\nlin.weight = torch.ones(2, 2)", "runtime")
    assert error.line == 3 and "cannot assign 'torch.FloatTensor' as parameter 'weight'" in error.message
    error = fails("import torch\nlin = torch.nn.Linear(2, 2)\nlin.scale = 2", "runtime")
    assert "'Linear' object attribute 'scale' cannot be assigned here" in error.message
    # a property is read-only, as CPython's without a setter
    source = "class P:\n    @property\n    def x(self):\n        return 2\np = P()\nprint(p.x)\np.x = 3"
    error = fails(source, "runtime")
    assert error.line == 7 and error.message == "property 'x' of 'P' object has no setter"
    fails("@property\ndef f():\n    return 1", "forbidden")  # a method's decorator, in a class body


def test_lstsq_is_the_closed_form_and_is_sized_before_it_runs() -> None:
    # the normal equations' solution (XᵀX)⁻¹ Xᵀy, in float64, is the oracle
    source = """import torch
torch.manual_seed(42)
x = torch.linspace(-1, 1, 50, dtype=torch.float64)
y = 3 * x ** 2 - x + 0.5 + 0.1 * torch.randn(50, dtype=torch.float64)
X = torch.stack([x ** 0, x, x ** 2], dim=1)
fit = torch.linalg.lstsq(X, y.unsqueeze(1))
w = fit.solution.squeeze()
"""
    got = run(source).namespace
    X, y = got["X"], got["y"]
    assert isinstance(X, torch.Tensor) and isinstance(y, torch.Tensor)
    normal = torch.linalg.solve(X.T @ X, X.T @ y)
    assert torch.allclose(got["w"], normal, atol=1e-12)  # type: ignore[arg-type]
    # LAPACK's threaded driver may round the last bit either way from run to run: close, not equal
    assert torch.allclose(got["w"], cpython(source)[0]["w"], rtol=0, atol=1e-13)  # type: ignore[arg-type]
    for call in ("torch.linalg.lstsq(A, B)", "torch.linalg.lstsq(input=A, b=B)"):
        source = f"A = torch.ones(1000, 1000)\nB = torch.ones(1000, 1000)\nX = {call}"
        error = fails(source, "limit")
        assert (
            error.line == 3
            and "made by the solution and the copy of A that lstsq factorizes" in error.message
        )


DATA_CLASS = """from dataclasses import dataclass
import dataclasses
import torch.nn.functional as F
@dataclass
class Config:
    n_layer: int
    lr: float = 0.1
    name: str = "gpt"
@dataclasses.dataclass
class Bigger(Config):
    n_head: int = 4
    lr: float = 0.5
c = Config(2)
print(c, c == Config(2), c == Config(3), Bigger(1, n_head=8), Config(n_layer=4, name="y").name)
try:
    Config()
except TypeError:
    print("no n_layer")
print(hasattr(F, "scaled_dot_product_attention"), hasattr(F, "no_such_thing"), hasattr(c, "lr"))
print("params: %.2fM, %d layers, %s|%5s|%-4s|%%" % (1234567 / 1e6, c.n_layer, c.name, "ab", "c"))
print("%(n)s=%(v).1e" % {"n": "lr", "v": c.lr})
"""


def test_dataclass_hasattr_and_printf_formatting_run_as_in_cpython() -> None:
    # nanoGPT's GPTConfig, its feature check and its parameter count (tests/lang/corpus has the model)
    assert run(DATA_CLASS).printed == cpython(DATA_CLASS)[1]
    # Python's own errors for a shared default and a field order that cannot be called
    error = fails("from dataclasses import dataclass\n@dataclass\nclass A:\n    xs: list = []", "runtime")
    assert error.message == "mutable default <class 'list'> for field xs is not allowed: use default_factory"
    error = fails(
        "from dataclasses import dataclass\n@dataclass\nclass A:\n    x: int = 1\n    y: int", "runtime"
    )
    assert error.message == "non-default argument 'y' follows default argument"
    # a data class compares by its fields, so (as dataclass makes it) it has no hash
    source = "from dataclasses import dataclass\n@dataclass\nclass A:\n    x: int = 1\nprint({A(): 1})"
    assert "unhashable type: 'A'" in fails(source, "runtime").message
    # @dataclass alone, and only on a class; hasattr reads no `_` name; printf's widths are bounded
    fails("from dataclasses import dataclass\nclass A:\n    pass\ndataclass(A)", "forbidden")
    fails("from dataclasses import dataclass, field", "forbidden")
    fails("class A:\n    pass\nprint(hasattr(A(), '__class__'))", "forbidden")
    assert "format width too large: 100000" in fails("print('%100000d' % 1)", "limit").message
    fails("print('%*d' % (5, 1))", "forbidden")


SHAPES = """import torch
import torch.nn.functional as F
torch.manual_seed(0)
a = torch.randn(3, 4, requires_grad=True); b = torch.randn(5, 4)
d = torch.cdist(a, b)
x = torch.randn(4, 6, requires_grad=True)
c = torch.cov(x) + torch.corrcoef(x)
p = F.pad(a, (1, 2, 0, 1)) + 0
cropped = F.pad(a, (-1, 0), mode="constant", value=2.0)
t = a.tile((2,)) + torch.tile(a, (1, 2)).sum()
k = torch.bucketize(torch.tensor([0.1, 0.5, 0.9]), torch.tensor([0.3, 0.6]))
q = torch.searchsorted(torch.tensor([0.3, 0.6]), torch.tensor([0.1, 0.5, 0.9]))
h = torch.nn.Hardswish()(a) + torch.nn.Hardsigmoid()(a) + torch.nn.PReLU(4, init=0.1)(a)
(d.sum() + c.sum() + p.sum() + cropped.sum() + t.sum() + h.sum()).backward()
print(k.tolist(), q.tolist(), a.is_floating_point(), torch.is_floating_point(k))
"""


@pytest.mark.parametrize(
    "call",
    [
        "F.pad(torch.ones(2, 2), (0, 10**6, 0, 10))",  # (2 + 10) × (2 + 10⁶)
        "torch.cdist(torch.ones(5000, 2), torch.ones(5000, 2))",  # 5000 × 5000 distances
        "torch.cov(torch.ones(5000, 2))",  # 5000 variables: 5000²
        "torch.ones(1000).tile(dims=(2000,))",  # by keyword too
        "torch.nn.PReLU(10**8)",  # a slope per channel, made at once
    ],
)
def test_distances_padding_covariance_and_tiling_are_sized_before_they_run(call: str) -> None:
    got = run(SHAPES)
    expected, printed = cpython(SHAPES)
    assert got.printed == printed
    for name in ("d", "c", "p", "cropped", "t", "h"):
        assert torch.allclose(got.namespace[name], expected[name]), name  # type: ignore[arg-type]
    for name in ("a", "x"):
        assert torch.allclose(got.namespace[name].grad, expected[name].grad), name  # type: ignore[union-attr]
    error = fails(f"import torch.nn.functional as F\ny = {call}", "limit")
    assert error.line == 2 and " too large" in error.message


def test_a_librarys_deprecation_notes_are_not_the_students_warnings() -> None:
    # PyTorch warns (DeprecationWarning) that an autograd Function should not be instantiated; CPython's
    # default filters hide a library's DeprecationWarnings, and so does the run
    source = """import torch
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.exp()
    @staticmethod
    def backward(ctx, g):
        return g
e = Exp()
y = Exp.apply(torch.ones(1, requires_grad=True))
"""
    assert run(source).warnings == []


TRUNCATED_BPTT = """import torch
torch.manual_seed(0)
W = torch.randn(3, 3, requires_grad=True)
h = torch.zeros(3)
for t in range(6):
    h = torch.tanh(W @ h + 1.0)
    if t % 2 == 1:
        loss = h.sum()
        loss.backward()
        print(t, loss.item(), h.requires_grad)
        h.detach_()
        print(h.requires_grad, h.is_leaf, h.grad_fn)
print(W.grad)
"""


def test_truncated_backpropagation_through_time_detaches_the_state_in_place_as_cpython_does() -> None:
    # without detach_() the second backward() would reach into the first chunk's freed graph
    got = run(TRUNCATED_BPTT)
    expected, printed = cpython(TRUNCATED_BPTT)
    assert got.printed == printed
    assert torch.equal(got.namespace["W"].grad, expected["W"].grad)  # type: ignore[union-attr]
    assert torch.equal(got.namespace["h"], expected["h"])  # type: ignore[arg-type]
    assert got.backward_calls == 3


def test_detach_in_place_returns_the_tensor_itself_and_a_leaf_stops_requiring_grad() -> None:
    source = (
        "import torch\n"
        "x = torch.ones(2, requires_grad=True)\n"
        "y = x * 2\n"
        "print(y.detach_() is y, y.requires_grad)\n"
        "x.detach_()\n"
        "print(x.requires_grad, x.is_leaf)\n"
    )
    assert run(source).printed == cpython(source)[1] == ["True False", "False True"]


def test_detach_in_place_of_a_view_is_pytorchs_error_at_the_call() -> None:
    source = "import torch\nx = torch.ones(4, requires_grad=True)\nv = (x * 2)[1:]\nv.detach_()\n"
    with pytest.raises(RuntimeError) as raised:
        cpython(source)
    error = fails(source, "runtime")
    assert error.message == str(raised.value) and error.message.startswith("Can't detach views in-place")
    assert (error.line, error.column, error.end_line, error.end_column) == (4, 0, 4, 11)


OPTIMIZER_STATE = """import torch
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
opt = torch.optim.Adam([w], lr=0.1)
for _ in range(2):
    opt.zero_grad()
    (w ** 2).sum().backward()
    opt.step()
s = opt.state[w]
print(sorted(s), s["step"], opt.defaults["betas"], len(opt.state))
m, v = s["exp_avg"], s["exp_avg_sq"]
"""


def test_an_optimizers_state_is_read_as_courses_inspect_adams_moments() -> None:
    got = run(OPTIMIZER_STATE)
    _, printed = cpython(OPTIMIZER_STATE)
    assert got.printed == printed
    # the moments against Adam's update written out: m = β₁m + (1 − β₁)g, v = β₂v + (1 − β₂)g²
    torch.manual_seed(0)
    w = torch.randn(3)
    m = v = torch.zeros(3)
    for step in (1, 2):
        g = 2 * w
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        w = w - 0.1 * (m / (1 - 0.9**step)) / ((v / (1 - 0.999**step)).sqrt() + 1e-8)
    assert torch.allclose(got.namespace["m"], m, rtol=1e-6)  # type: ignore[arg-type]
    assert torch.allclose(got.namespace["v"], v, rtol=1e-6)  # type: ignore[arg-type]
