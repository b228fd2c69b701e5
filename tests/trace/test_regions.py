"""Graph nodes carry the module path and the function call they were made in (issue 10 §3).

The oracle for module paths is PyTorch itself: the same program run by CPython, its
`named_modules()` / `named_parameters()` names prefixed with the program's variable name.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
import torch
from torch.nn.modules import module as torch_module

from autograd_explorer.errors import ProgramError
from autograd_explorer.settings import Settings
from autograd_explorer.trace.compact import decode_compact
from autograd_explorer.trace.tracer import TraceOptions, record_program, trace_program

SIMPLE_NN = """import torch
torch.manual_seed(0)

class SimpleNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 32)
        self.fc2 = torch.nn.Linear(32, 1)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return torch.sigmoid(self.fc2(h))

criterion = torch.nn.BCELoss()
model = SimpleNN()
X_train = torch.randn(8, 784)
y_train = torch.rand(8).round()

def compute_loss(model, X, y):
    return criterion(model(X).squeeze(), y)

loss = compute_loss(model, X_train, y_train)
loss.backward()
"""

ENCODER = """import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.Linear(4, 4)

    def forward(self, x):
        return torch.tanh(self.attn(x))

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([Block() for _ in range(4)])
        self.head = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(x)

encoder = Encoder()
out = encoder(torch.randn(2, 4)).sum()
"""


def trace(source: str, **options: Any) -> dict[str, Any]:
    return trace_program(source, None, TraceOptions(**options), Settings())  # type: ignore[return-value]


def run_in_cpython(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102 (trusted test code: the oracle)
    return namespace


def node(payload: dict[str, Any], op: str, module: str) -> dict[str, Any]:
    hits = [n for n in payload["nodes"] if n["op"] == op and n["module"] == module]
    assert len(hits) == 1, (op, module, [(n["op"], n["module"]) for n in payload["nodes"]])
    return hits[0]


def test_simple_nn_nodes_carry_the_module_paths_pytorch_names() -> None:
    payload = trace(SIMPLE_NN)
    model = run_in_cpython(SIMPLE_NN)["model"]
    expected_modules = {f"model.{name}" for name, _ in model.named_modules() if name}
    op_modules = {n["module"] for n in payload["nodes"] if n["op"] == "AddmmBackward0"}
    assert op_modules == expected_modules == {"model.fc1", "model.fc2"}
    # Each parameter leaf sits in its module's box and is labelled by its named_parameters() name.
    leaves = {n["label"]: n["module"] for n in payload["nodes"] if n["op"] == "AccumulateGrad"}
    assert leaves == {
        f"model.{name}": f"model.{name.rsplit('.', 1)[0]}" for name, _ in model.named_parameters()
    }
    # What the user's forward did itself belongs to the model; the loss module is named as called.
    assert node(payload, "ReluBackward0", "model")["label"] == "torch.relu(self.fc1(x))"
    assert node(payload, "SigmoidBackward0", "model")
    assert node(payload, "BinaryCrossEntropyBackward0", "criterion")["is_output"]
    squeeze = next(n for n in payload["nodes"] if n["op"] == "SqueezeBackward0")
    assert squeeze["module"] is None


def test_nodes_carry_the_program_function_call_they_came_from() -> None:
    payload = trace(SIMPLE_NN)
    calls = {n["call"] for n in payload["nodes"] if n["kind"] == "op"}
    assert calls == {"compute_loss(model, X_train, y_train) at line 22"}
    # The lecture's first program: every op of f is in the call f(x), nothing else is.
    source = (
        "import torch\nx = torch.tensor([1.0], requires_grad=True)\n\n"
        "def f(x):\n    return x**3 - 3*x\n\ny = f(x)\nz = y * 2\n"
    )
    payload = trace(source)
    inside = {n["label"]: n["call"] for n in payload["nodes"] if n["kind"] == "op"}
    assert inside == {
        "x**3": "f(x) at line 7",
        "3*x": "f(x) at line 7",
        "x**3 - 3*x": "f(x) at line 7",
        "y * 2": None,
    }


def test_nested_modules_and_library_children_are_named_as_named_modules() -> None:
    payload = trace(ENCODER)
    encoder = run_in_cpython(ENCODER)["encoder"]
    linear_paths = {
        f"encoder.{name}" for name, m in encoder.named_modules() if isinstance(m, torch.nn.Linear)
    }
    got = {n["module"] for n in payload["nodes"] if n["op"] == "AddmmBackward0"}
    assert got == linear_paths
    assert "encoder.layers.3.attn" in got and "encoder.head.2" in got
    # nn.Sequential calls its children itself: their nodes are still tagged (the program never saw them).
    assert node(payload, "ReluBackward0", "encoder.head.1")
    assert {n["module"] for n in payload["nodes"] if n["op"] == "TanhBackward0"} == {
        f"encoder.layers.{k}" for k in range(4)
    }


def test_compact_form_carries_the_same_regions() -> None:
    readable = trace(SIMPLE_NN)
    compact = decode_compact(trace(SIMPLE_NN, format="compact"))  # type: ignore[arg-type]
    assert [(n["module"], n["call"]) for n in compact["nodes"]] == [
        (n["module"], n["call"]) for n in readable["nodes"]
    ]


LOOPS = """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.tensor([0.5, -1.0])
layer = torch.nn.Linear(2, 2)

def step(w, x):
    return (w * x).sum()

def train(w):
    out = w.sum() * 0
    for _ in range(2):  # train's loop
        out = out + w.prod()
    return out

total = w.sum() * 0  # before
for i in range(3):  # loop of calls
    total = total + step(w, x)
    for k in range(2):  # inner
        total = total * 1.5
    total = total + layer(x).sum()
else:
    total = total - 1  # for's else
total = total + train(w)
j = 0
while True:  # while
    total = total * 2
    j += 1
    if j == 2:
        break
ys = [w[k] * 2 for k in range(2)]  # comprehension
for p in layer.parameters():  # names parameters
    p.requires_grad_(True)
loss = total + ys[0] + ys[1]  # after
loss.backward()
"""


def line_of(source: str, comment: str) -> int:
    """The line carrying `# comment` (the oracle: the program's own text)."""
    return next(i for i, text in enumerate(source.splitlines(), 1) if text.endswith(f"# {comment}"))


def test_nodes_carry_the_loop_running_when_they_were_made() -> None:
    """`loop` is the line of the innermost for/while running: a call of the program's function in
    a loop is in that loop (the page names the loop by it, not by a line of `def step`), a loop inside
    a called function is that function's loop, a comprehension and a `for`'s `else` are no loop."""
    payload = trace(LOOPS)
    at = {name: line_of(LOOPS, name) for name in ("loop of calls", "inner", "train's loop", "while")}
    loops: dict[tuple[str, int], set[int | None]] = {}
    for n in payload["nodes"]:
        if n["kind"] == "op" and n["span"]:
            loops.setdefault((n["label"], n["span"]["line"]), set()).add(n.get("loop"))
    assert loops == {
        ("w.sum()", line_of(LOOPS, "before")): {None},
        ("w.sum() * 0", line_of(LOOPS, "before")): {None},
        ("w * x", 7): {at["loop of calls"]},  # in step(w, x), called in the loop
        ("(w * x).sum()", 7): {at["loop of calls"]},
        ("total + step(w, x)", 17): {at["loop of calls"]},
        ("total * 1.5", 19): {at["inner"]},
        ("t in layer(x)", 20): {at["loop of calls"]},  # made in nn.Linear's forward, unseen
        ("addmm in layer(x)", 20): {at["loop of calls"]},
        ("layer(x)", 20): {at["loop of calls"]},
        ("layer(x).sum()", 20): {at["loop of calls"]},
        ("total + layer(x).sum()", 20): {at["loop of calls"]},
        ("total - 1", line_of(LOOPS, "for's else")): {None},
        ("w.sum()", 10): {None},  # in train, before its loop
        ("w.sum() * 0", 10): {None},
        ("w.prod()", 12): {at["train's loop"]},
        ("out + w.prod()", 12): {at["train's loop"]},
        ("total + train(w)", 23): {None},
        ("total * 2", 26): {at["while"]},
        ("w[k]", line_of(LOOPS, "comprehension")): {None},
        ("w[k] * 2", line_of(LOOPS, "comprehension")): {None},
        ("total + ys[0]", line_of(LOOPS, "after")): {None},
        ("total + ys[0] + ys[1]", line_of(LOOPS, "after")): {None},
    }
    # The ops an nn.Linear made unseen (t, addmm) are in the loop too; no parameter is in one,
    # though `for p in layer.parameters()` named them.
    assert {n.get("loop") for n in payload["nodes"] if n["module"] == "layer" and n["kind"] == "op"} == {
        at["loop of calls"]
    }
    assert all("loop" not in n for n in payload["nodes"] if n["kind"] == "input")
    compact = trace(LOOPS, format="compact")
    assert compact["nodes"]["loop"] == [n.get("loop", 0) for n in payload["nodes"]]
    decoded = decode_compact(compact)  # type: ignore[arg-type]
    assert [n.get("loop") for n in decoded["nodes"]] == [n.get("loop") for n in payload["nodes"]]


def test_a_program_without_loops_sends_no_loop() -> None:
    payload = trace(SIMPLE_NN)
    assert all(key not in n for n in payload["nodes"] for key in ("loop", "loop_run", "turn"))
    assert "loops" not in payload
    compact = trace(SIMPLE_NN, format="compact")["nodes"]
    assert not {"loop", "loop_run", "turn", "loops"} & set(compact)


NESTED = """import torch
w = torch.tensor(1.0, requires_grad=True)
h = w * 1
for i in range(3):  # outer
    h = h + 100 * i
    for k in range(2):  # inner
        h = h + (10 * i + k)

class RNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = torch.nn.Linear(2, 2)

    def forward(self, xs):
        h = torch.tanh(xs[0])
        for t in range(1, 3):  # time
            h = torch.tanh(self.cell(h) + xs[t])
        return h

def run(model, xs):
    out = model(xs)
    j = 0
    while j < 2:  # while in run
        out = out * 2
        j += 1
    return out.sum()

model = RNN()
xs = torch.randn(3, 2)
loss = h + run(model, xs)  # the call
loss.backward()
"""


def test_each_node_says_which_turn_of_which_run_of_its_loop_made_it() -> None:
    """An inner loop runs once per turn of the outer one: each run is listed with the turn of the
    outer run it started in, and each node says its run and turn. The oracle is the program's own
    arithmetic: each `h + c` adds the constant its turn computed (100·i, then 10·i + k), so the
    difference between a node's value and the one before it tells the turn that made it."""
    payload = trace(NESTED)
    loops = payload["loops"]
    chain = [n for n in payload["nodes"] if n["label"] in ("w * 1", "h + 100 * i", "h + (10 * i + k)")]
    outer_line, inner_line = line_of(NESTED, "outer"), line_of(NESTED, "inner")
    inner_runs: dict[int, int] = {}  # outer turn -> the inner run it started
    for before, node in pairwise(chain):
        added = round(node["value"]["data"] - before["value"]["data"])
        run = loops[node["loop_run"]]
        if node["label"] == "h + 100 * i":
            assert (run["line"], run["outer"], node["turn"]) == (outer_line, None, added // 100)
        else:
            i, k = divmod(added, 10)
            assert (run["line"], node["turn"], run["outer_turn"]) == (inner_line, k, i)
            assert loops[run["outer"]]["line"] == outer_line
            assert inner_runs.setdefault(i, node["loop_run"]) == node["loop_run"]
    assert len(chain) == 1 + 3 * 3
    assert len(set(inner_runs.values())) == 3  # one run of the inner loop per outer turn


def test_a_loop_run_says_the_module_and_call_it_ran_in() -> None:
    """The loop in RNN.forward ran inside `model`, called by `run(...)`; the while loop inside
    `run(...)` alone. Their nodes' turns count from 0 in the order the turns ran."""
    payload = trace(NESTED)
    call = f"run(model, xs) at line {line_of(NESTED, 'the call')}"
    runs = {run["line"]: run for run in payload["loops"]}
    alone = {"outer": None, "outer_turn": None}
    time, loop = line_of(NESTED, "time"), line_of(NESTED, "while in run")
    # `for t in range(1, 3)`: its variable and range, so the page says t = 1 + k of turn k
    counted = {"variable": "t", "start": 1, "step": 1, "over": None}
    # titled by the header as written (the oracle: the program's own lines)
    header = {time: "for t in range(1, 3)", loop: "while j < 2"}
    assert all(NESTED.splitlines()[line - 1].strip().startswith(text) for line, text in header.items())
    labels = {line: f"{text} at line {line}" for line, text in header.items()}
    assert runs[time] == {
        "line": time,
        "label": labels[time],
        **alone,
        "module": "model",
        "call": call,
        "call_run": 0,
        **counted,
    }
    no_range = {"variable": None, "start": None, "step": None, "over": None}  # a while loop says none
    assert runs[loop] == {
        "line": loop,
        "label": labels[loop],
        **alone,
        "module": None,
        "call": call,
        "call_run": 0,
        **no_range,
    }
    # the one call, made at the top level outside every loop; the model's forward runs inside it
    top = {"held": None, "outer": None, "loop_run": None, "turn": None, "module": None}
    [made] = payload["calls"]
    assert {k: v for k, v in made.items() if k != "span"} == {"label": call, **top}
    assert made["span"]["line"] == line_of(NESTED, "the call")
    turns = {
        label: [n["turn"] for n in payload["nodes"] if n["label"] == label]
        for label in ("torch.tanh(self.cell(h) + xs[t])", "addmm in self.cell(h)", "out * 2")
    }
    assert turns == {
        "torch.tanh(self.cell(h) + xs[t])": [0, 1],
        "addmm in self.cell(h)": [0, 1],
        "out * 2": [0, 1],
    }
    assert all("turn" not in n for n in payload["nodes"] if n["label"] in ("torch.tanh(xs[0])", "out.sum()"))


def test_the_compact_form_carries_the_same_loop_runs() -> None:
    readable = trace(NESTED)
    compact = trace(NESTED, format="compact")
    decoded = decode_compact(compact)  # type: ignore[arg-type]
    assert decoded["loops"] == readable["loops"]
    assert decoded["calls"] == readable["calls"]
    fields = ("loop", "loop_run", "turn", "call_run")
    assert [[n.get(f) for f in fields] for n in decoded["nodes"]] == [
        [n.get(f) for f in fields] for n in readable["nodes"]
    ]
    assert compact["nodes"]["loop_run"] == [n.get("loop_run", -1) for n in readable["nodes"]]


def test_a_loop_left_by_an_error_leaves_its_region() -> None:
    """A loop a `return` or an error left is closed: what the program does after it is in no loop."""
    source = (
        "import torch\nw = torch.tensor([1.0], requires_grad=True)\n\n"
        "def first(w):\n    for _ in range(5):\n        return w * 2\n\n"
        "y = first(w)\n"
        "try:\n    for _ in range(3):\n        y = y + 1\n        raise ValueError('stop')\n"
        "except ValueError:\n    pass\n"
        "z = y * 3\nz.backward()\n"
    )
    nodes = {n["label"]: n.get("loop") for n in trace(source)["nodes"] if n["kind"] == "op"}
    assert nodes == {"w * 2": 5, "y + 1": 10, "y * 3": None}


TRANSFORMER_LAYER = """import torch
from torch import nn
torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
x = torch.randn(2, 4, 8)
loss = layer(x).pow(2).mean()
loss.backward()
"""


def test_a_parameter_of_a_module_that_never_ran_is_in_the_module_around_it() -> None:
    """nn.MultiheadAttention reads its `out_proj.weight` itself (F.multi_head_attention_forward),
    never calling out_proj: its parameters were in no box. The oracle: named_parameters() of the
    layer run by CPython, each in the innermost module whose forward ran (hooks on every module)."""
    layer = run_in_cpython(TRANSFORMER_LAYER)["layer"]
    ran: set[str] = set()
    names = {m: f"layer.{n}" if n else "layer" for n, m in layer.named_modules()}
    hooks = [m.register_forward_pre_hook(lambda m, _: ran.add(names[m])) for m in names]
    layer(torch.randn(2, 4, 8))
    for hook in hooks:
        hook.remove()
    expected = {}
    for name, _ in layer.named_parameters():
        owner = f"layer.{name}".rpartition(".")[0]
        while owner not in ran:
            owner = owner.rpartition(".")[0]
        expected[f"layer.{name}"] = owner
    assert "layer.self_attn.out_proj" not in ran  # the case: a module whose forward never ran
    got = {n["label"]: n["module"] for n in trace(TRANSFORMER_LAYER)["nodes"] if n["kind"] == "input"}
    assert got == expected
    assert got["layer.self_attn.out_proj.weight"] == "layer.self_attn"


DECODER_LAYER = """import torch
from torch import nn
torch.manual_seed(0)
layer = nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
memory = torch.randn(2, 5, 8)
tgt = torch.randn(2, 4, 8, requires_grad=True)
out = layer(tgt, memory, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4), tgt_is_causal=True)
loss = (out * torch.arange(8.0)).sum()
loss.backward()
"""


@pytest.mark.parametrize("form", ["readable", "compact"])
def test_a_decoder_layers_parameters_and_operations_are_in_its_attentions_boxes(form: str) -> None:
    """Both attentions of nn.TransformerDecoderLayer have boxes of their own (layer.self_attn,
    layer.multihead_attn), each holding its parameters, as for the encoder layer; tgt's gradient
    is CPython's."""
    payload = trace(DECODER_LAYER, format=form)
    nodes = decode_compact(payload)["nodes"] if form == "compact" else payload["nodes"]  # type: ignore[arg-type]
    layer = run_in_cpython(DECODER_LAYER)["layer"]
    inputs = {n["label"]: n["module"] for n in nodes if n["kind"] == "input"}
    for name, _ in layer.named_parameters():
        owner = f"layer.{name}".rpartition(".")[0]
        expected = owner.removesuffix(".out_proj")  # read by the attention itself, never called
        assert inputs[f"layer.{name}"] == expected, name
    modules = {n["module"] for n in nodes if n["kind"] != "input"}
    assert {"layer.self_attn", "layer.multihead_attn", "layer.linear1", "layer.norm3"} <= modules
    oracle = run_in_cpython(DECODER_LAYER)["tgt"].grad
    if form == "readable":
        assert torch.equal(torch.as_tensor(payload["grads"]["tgt"]["data"]), oracle)


def test_a_module_that_raises_leaves_no_hook_behind() -> None:
    source = "import torch\nlayer = torch.nn.Linear(3, 2)\nout = layer(torch.ones(4, 5))\n"
    with pytest.raises(ProgramError, match="cannot be multiplied"):
        trace(source)
    assert not torch_module._global_forward_pre_hooks and not torch_module._global_forward_hooks
    # And the next run starts with no region open.
    payload = trace("import torch\nw = torch.ones(2, requires_grad=True)\nout = (w * 3).sum()\n")
    assert all(n["module"] is None and n["call"] is None for n in payload["nodes"])


UNCALLED = """import torch
torch.manual_seed(0)
model = torch.nn.Linear(3, 2)
net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
x = torch.randn(3)
h = model.weight @ x + model.bias
loss = net(h).sum()
loss.backward()
"""


def test_parameters_of_a_module_never_called_are_named_as_named_parameters() -> None:
    """`model.weight @ x` never enters `model`: its parameters are still `model.weight`, in the
    pass summaries and in the graph alike, and `net`'s (called) are `net.0.weight`."""
    payload = trace(UNCALLED)
    namespace = run_in_cpython(UNCALLED)
    expected = {
        f"{variable}.{name}": float(p.grad.double().norm())
        for variable in ("model", "net")
        for name, p in namespace[variable].named_parameters()
    }
    norms = payload["pass_summaries"]["grad_norms"]
    assert (
        set(norms)
        == set(expected)
        == {"model.weight", "model.bias"} | {f"net.{k}.{kind}" for k in (0, 2) for kind in ("weight", "bias")}
    )
    for name, value in expected.items():
        assert norms[name][0] == pytest.approx(value, rel=1e-6), name
    leaves = {n["name"] for n in payload["nodes"] if n["op"] == "AccumulateGrad"}
    assert leaves == set(expected)


SEQUENTIAL = """import torch
torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(3, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 4), torch.nn.ReLU(inplace=True),
    torch.nn.Linear(4, 1),
)
X = torch.randn(5, 3)
out = model(X).sum()
"""


def test_the_layers_of_a_library_module_keep_their_values() -> None:
    """nn.Sequential calls its layers in library code: each layer's output still shows its value,
    named by the layer's path, and the program's own `model(X)` keeps its text and line. Oracle:
    CPython runs the program and each layer is applied to the previous layer's output."""
    payload = trace(SEQUENTIAL)
    model, X = (run_in_cpython(SEQUENTIAL)[k] for k in ("model", "X"))
    with torch.no_grad():
        expected = {}
        h = X
        for name, layer in model.named_children():
            h = layer(h.clone())  # a copy: the in-place ReLU must not change what Linear 2 made
            expected[f"model.{name}"] = h
    for op, module in [
        ("AddmmBackward0", "model.0"),
        ("SigmoidBackward0", "model.1"),
        ("AddmmBackward0", "model.2"),  # changed in place by the ReLU after it: what Linear made
        ("ReluBackward0", "model.3"),
    ]:
        n = node(payload, op, module)
        assert n["label"] == module and n["span"] is None and n["value_note"] is None
        got = torch.tensor(n["value"]["data"])
        assert torch.allclose(got, expected[module], rtol=1e-6, atol=1e-7), module
    assert (expected["model.2"] < 0).any()  # so the in-place ReLU did change that memory
    last = node(payload, "AddmmBackward0", "model.4")
    assert last["label"] == "model(X)" and last["span"]["line"] == 8
    assert torch.allclose(torch.tensor(last["value"]["data"]), expected["model.4"], rtol=1e-6, atol=1e-7)
    # what stays internal is what no module returns (Linear's transposed weight)
    assert all(n["value_note"] is not None for n in payload["nodes"] if n["op"] == "TBackward0")
    # and the in-place ReLU did not make the program run again: the layers' values are copies,
    # the program's own `model(X)` is still kept uncopied (a second run copies every value)
    recording = record_program(SEQUENTIAL, None, TraceOptions(format="compact"), Settings())
    assert recording.facts is not None
    assert any(r.version >= 0 for _, r in recording.facts.rec.forward.values())


def test_a_loop_of_library_layers_deeper_than_max_trace_nodes_is_refused_at_its_line() -> None:
    """The layers' outputs the recorder keeps count toward the graph's depth as the program's own do."""
    source = (
        "import torch\nlayer = torch.nn.Linear(1, 1)\ny = torch.ones(1, 1)\n"
        "for _ in range(200):\n    y = layer(y)\n"
    )
    with pytest.raises(ProgramError) as info:
        trace_program(source, None, TraceOptions(), Settings(max_trace_nodes=60))
    assert info.value.type == "limit" and "max_trace_nodes" in info.value.message
    assert info.value.line == 5


def test_a_loop_says_what_its_variable_held_at_each_turn() -> None:
    """Turn k of `for k in range(10, 0, -3)` had k = 10 − 3k, of `for t, x in enumerate(xs, 1)` t = 1 + k,
    of `for v in vs` v = vs[k]. The oracle is the program's own arithmetic: each `h + k` adds, each
    `h * v` multiplies by, what the variable held. A loop over a literal says none."""
    source = (
        "import torch\nh = torch.tensor(0.0, requires_grad=True) * 1\n"
        "for k in range(10, 0, -3):\n    h = h + k\n"
        "xs = [0.5, 0.5]\nfor t, x in enumerate(xs, 1):\n    h = h + t\n"
        "vs = [5.0, 6.0]\nfor v in vs:\n    h = h * v\n"
        "for u in [1.0, 2.0]:\n    h = h * u\n"
        "h.backward()\n"
    )
    payload = trace(source)
    ops = [n for n in payload["nodes"] if n["kind"] == "op"]  # one chain, in order
    before = {n["id"]: ops[k - 1]["value"]["data"] for k, n in enumerate(ops) if k}
    nodes = {label: [n for n in ops if n["label"] == label] for label in ("h + k", "h + t", "h * v", "h * u")}
    for label, variable in (("h + k", "k"), ("h + t", "t")):
        for node in nodes[label]:
            run = payload["loops"][node["loop_run"]]
            held = run["start"] + node["turn"] * run["step"]
            assert (run["variable"], held) == (variable, round(node["value"]["data"] - before[node["id"]]))
    assert [n["turn"] for n in nodes["h + k"]] == list(range(len(range(10, 0, -3))))
    named = {"vs": [5.0, 6.0]}
    for node in nodes["h * v"]:
        run = payload["loops"][node["loop_run"]]
        assert (run["variable"], run["over"], run["start"]) == ("v", "vs", None)
        assert named[run["over"]][node["turn"]] == node["value"]["data"] / before[node["id"]]
    literal = {payload["loops"][n["loop_run"]]["variable"] for n in nodes["h * u"]}
    assert literal == {None}  # `[1.0, 2.0]` is no name to index


RECURSION = """import torch
x = torch.tensor(0.5, requires_grad=True)

def f(x, n):
    if n == 0:
        return x * 1
    return f(x, n - 1) + 10 * n  # recurse

def g(x):
    h = x * x
    return h * 2

def step(h, i):
    for k in range(2):  # inner
        h = h + (100 * i + k)
    return h

y = f(x, 3) + g(x) + g(x)  # top
for i in range(2):  # outer
    y = step(y, i)
y.backward()
"""


def test_each_call_of_a_function_is_a_call_run_of_its_own() -> None:
    """A recursion's calls nest, each in the call that made it; `g(x) + g(x)` is two calls with one
    label; a call in a loop's turn says the turn, a loop in a call says the call. The oracle is the
    program's own arithmetic: each `f(x, n - 1) + 10 * n` adds 10·n, and n is 3 at depth 1 of the
    recursion (calls around it, counted through `outer`), 2 at depth 2, 1 at depth 3; each
    `h + (100 * i + k)` adds what i held in the turn its call started in and k in its own turn."""
    payload = trace(RECURSION)
    calls, loops = payload["calls"], payload["loops"]
    ops = [n for n in payload["nodes"] if n["kind"] == "op"]
    by_id = {n["id"]: n for n in payload["nodes"]}
    edges = {}  # op node -> the node its first input came from
    for e in payload["edges"]:
        if e["slot"] == 0:
            edges[e["target"]] = e["source"]

    def depth(call: int | None) -> int:
        return 0 if call is None else 1 + depth(calls[call]["outer"])

    def added(node: dict[str, Any]) -> float:
        return float(node["value"]["data"]) - float(by_id[edges[node["id"]]]["value"]["data"])

    lines = RECURSION.splitlines()
    for call in calls:  # each call's span is its call in the program, as its label quotes it
        span = call["span"]
        text = lines[span["line"] - 1][span["column"] : span["end_column"]]
        assert f"{text} at line {span['line']}" == call["label"]
    recursion = [n for n in ops if n["label"] == "f(x, n - 1) + 10 * n"]
    assert len(recursion) == 3
    for node in recursion:
        n = 4 - depth(node["call_run"])
        assert added(node) == pytest.approx(10 * n)
        assert calls[node["call_run"]]["held"] == f"n = {n}"  # what tells the recursion's calls apart
    assert sorted(depth(n["call_run"]) for n in recursion) == [1, 2, 3]
    innermost = next(n for n in ops if n["label"] == "x * 1")  # made at n = 0, four calls deep
    assert depth(innermost["call_run"]) == 4
    labels = {calls[n["call_run"]]["label"] for n in recursion}
    top = line_of(RECURSION, "top")
    assert labels == {f"f(x, n - 1) at line {line_of(RECURSION, 'recurse')}", f"f(x, 3) at line {top}"}

    twice = [n for n in ops if n["label"] in ("x * x", "h * 2")]
    runs = {n["call_run"] for n in twice}
    assert len(runs) == 2  # one label, two calls
    assert {calls[r]["label"] for r in runs} == {f"g(x) at line {top}"}
    assert all(calls[r]["outer"] is None and calls[r]["loop_run"] is None for r in runs)
    assert all(calls[r]["held"] is None for r in runs)  # g(x) holds no number

    steps = [n for n in ops if n["label"] == "h + (100 * i + k)"]
    assert len(steps) == 4
    for node in steps:
        call = calls[node["call_run"]]
        run = loops[node["loop_run"]]  # the loop in step(), run once per call
        assert run["call_run"] == node["call_run"] and run["line"] == line_of(RECURSION, "inner")
        outer = loops[call["loop_run"]]  # the loop the call was made in
        assert outer["line"] == line_of(RECURSION, "outer") and outer["call_run"] is None
        assert added(node) == 100 * call["turn"] + node["turn"]
        assert call["held"] == f"i = {call['turn']}"  # step(h, i): `h` a tensor, `i` the turn's
    assert [calls[n["call_run"]]["turn"] for n in steps] == [0, 0, 1, 1]


def test_a_call_says_the_numbers_its_parameters_held() -> None:
    """In the def's order, defaults included, as Python prints them (0.1 + 0.2 shortened); tensors,
    strings and lists say nothing; cut at 40 characters."""
    source = (
        "import torch\n"
        "def f(x, n, name='a', lr=0.01, *, big=0.1 + 0.2, layers=[1]):\n"
        "    return x * n\n"
        "y = f(torch.ones(1, requires_grad=True), 3)\n"
        "def g(x, a_long_name_number_one, a_long_name_number_two):\n    return x * 1\n"
        "z = g(y, 123456, 654321)\n"
        "def h(x, flag=True, k=2.0, tiny=1e-8):\n    return x * k\n"
        "w = h(z)\n"
        "w.sum().backward()\n"
    )
    calls = {c["label"].partition("(")[0]: c["held"] for c in trace(source)["calls"]}
    assert calls == {
        "f": "n = 3, lr = 0.01, big = 0.3",
        "g": "a_long_name_number_one = 123456, a_long…",  # 40 characters
        "h": "flag = True, k = 2.0, tiny = 1e-08",
    }


def test_a_call_holding_a_number_too_long_to_print_says_nothing_of_it() -> None:
    """A thousand-digit int (the language allows up to 4,096 bits) would be the whole label: left out."""
    source = (
        "import torch\ndef f(x, big, n):\n    return x * 2\n"
        "y = f(torch.ones(1, requires_grad=True), 10 ** 1000, 7)\ny.sum().backward()\n"
    )
    assert [c["held"] for c in trace(source)["calls"]] == ["n = 7"]


WRAPPERS = """import torch
w = torch.tensor(1.0, requires_grad=True)
def f0(h):
    return h * 1.5  # computes
def f1(h):
    return f0(h)
def f2(h):
    return f1(h) + 0  # adds
def f3(h):
    return f2(h)
h = w * 1
for i in range(2):  # loop
    h = f3(h)
h.backward()
"""


def test_a_call_that_only_passes_one_call_through_is_left_out() -> None:
    """f3 and f1 make no node, run no loop and make one call: left out, f2 is f3's caller's and f0
    is f2's. f2 adds a node of its own: kept. The oracle is the program's text: which function makes
    a node (`* 1.5`, `+ 0`)."""
    payload = trace(WRAPPERS)
    calls = payload["calls"]
    # f3's `return f2(h)` is two lines below f2's `# adds`, f1's `return f0(h)` two below `# computes`
    in_f3, in_f1 = line_of(WRAPPERS, "adds") + 2, line_of(WRAPPERS, "computes") + 2
    assert [c["label"] for c in calls] == 2 * [f"f2(h) at line {in_f3}", f"f0(h) at line {in_f1}"]
    for k in (0, 2):  # each turn's f2, made (through f3) in that turn of the loop
        assert calls[k]["outer"] is None and (calls[k]["loop_run"], calls[k]["turn"]) == (0, k // 2)
        assert calls[k + 1]["outer"] == k  # f0 inside that f2 (through f1)
    by_label = {n["label"]: n for n in payload["nodes"] if n["kind"] == "op" and "call_run" in n}
    assert calls[by_label["h * 1.5"]["call_run"]]["label"].startswith("f0")
    assert calls[by_label["f1(h) + 0"]["call_run"]]["label"].startswith("f2")
