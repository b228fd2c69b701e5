"""A hostile corpus: escapes, resource exhaustion and parser bombs, each refused with the right type.

pytest-timeout (below) only guards against a hang; refusals are designed to happen before any
large work (source length before parsing, sizes predicted before allocation).
"""

from __future__ import annotations

import pytest
import torch

from autograd_explorer.errors import ProgramError
from tests.custom_functions import FORWARD_RUNS
from tests.lang.helpers import run

BIG = {"max_source_chars": 50_000_000}  # let a few bombs reach the parser to test its guards


HOSTILE: list[tuple[str, str, dict[str, object]]] = [
    # attribute and name escapes
    ("().__class__.__mro__", "forbidden", {}),
    ("().__class__.__bases__[0].__subclasses__()", "forbidden", {}),
    ("x = torch.ones(1)\nx.__dict__", "forbidden", {}),
    ("x = torch.ones(1)\nx.__class__", "forbidden", {}),
    ("__import__('os')", "forbidden", {}),
    ("__builtins__", "forbidden", {}),
    ("open('x')", "forbidden", {}),
    ("ｏｐｅｎ('x')", "forbidden", {}),  # fullwidth letters normalize to open
    ("x = torch.ones(1)\nx.＿＿class＿＿", "syntax", {}),  # fullwidth low line is no identifier
    ("ｘ = torch.ones(1)\nｘ.__ｃｌａｓｓ__", "forbidden", {}),  # NFKC makes this x.__class__
    ("getattr(torch, 'load')", "forbidden", {}),
    ("eval('1 + 1')", "forbidden", {}),
    ("exec('x = 1')", "forbidden", {}),
    ("compile('1', 'f', 'eval')", "forbidden", {}),
    ("globals()", "forbidden", {}),
    ("vars()", "forbidden", {}),
    # type(x) gives a class to print and compare (docs/language.md): never a way to its internals or
    # to the class-making form of type
    ("type(torch.ones(1)).__subclasses__()", "forbidden", {}),
    ("t = type(type(1))\nt('A', (), {})", "runtime", {}),
    ("type('A', (object,), {'f': print})", "runtime", {}),
    ("m = type(torch.ones(1)).__dict__", "forbidden", {}),
    ("f = lambda: 1\nf.__globals__", "forbidden", {}),
    ("def f():\n    return 1\nf.__code__", "forbidden", {}),
    ("class A:\n    pass\nA.__subclasses__()", "forbidden", {}),
    ("import os", "forbidden", {}),
    ("from os import system", "forbidden", {}),
    ("torch.load('weights.pt')", "forbidden", {}),
    ("torch.save(torch.ones(1), 'x')", "forbidden", {}),
    ("torch.ops.aten.sin(torch.ones(1))", "forbidden", {}),
    ("torch.__builtins__", "forbidden", {}),
    ("torch.nn.Module.__subclasses__()", "forbidden", {}),
    # a program's torch.autograd.Function reaches PyTorch's class and its node only by the table
    ("torch.autograd.Function.apply", "forbidden", {}),
    (FORWARD_RUNS.format(body="ctx._x = x"), "forbidden", {}),
    (FORWARD_RUNS.format(body="ctx.next_functions"), "forbidden", {}),
    (FORWARD_RUNS.format(body="ctx.metadata"), "forbidden", {}),
    (FORWARD_RUNS.format(body="ctx.to_save"), "runtime", {}),  # no member of the table: AttributeError
    (FORWARD_RUNS.format(body="ctx.apply = print"), "runtime", {}),  # the engine calls ctx.apply
    (FORWARD_RUNS.format(body="ctx.saved_tensors = (x,)"), "runtime", {}),
    (FORWARD_RUNS.format(body="Fn._backward_cls"), "forbidden", {}),
    ("@staticmethod\ndef f():\n    pass", "forbidden", {}),  # a method's decorator only
    ("class A:\n    @cached_property\n    def f(self):\n        pass", "forbidden", {}),
    # a property runs the program's function when read, budgeted as any call; never as a setter
    ("class A:\n    @property\n    def p(self):\n        return self.p\nA().p", "limit", {}),
    ("class A:\n    @property\n    def p(self):\n        return 1\nA().p = 2", "runtime", {}),
    ("staticmethod = print\nclass A:\n    @staticmethod\n    def f():\n        pass", "forbidden", {}),
    ("x = torch.ones(1, requires_grad=True)\ny = x * 2\ny.grad_fn.register_hook(print)", "forbidden", {}),
    (
        "x = torch.ones(1, requires_grad=True)\ny = x * 2\ny.grad_fn.next_functions[0][0].register_hook",
        "forbidden",
        {},
    ),
    ("x = torch.ones(1, requires_grad=True)\n(x * 2).grad_fn.metadata", "forbidden", {}),
    ("x = torch.ones(1, requires_grad=True)\n(x * 2).grad_fn._saved_self", "forbidden", {}),
    ("x = torch.ones(1)\nx.numpy()", "forbidden", {}),
    ("x = torch.ones(1)\nx.storage()", "forbidden", {}),
    # a tensor's own hook is the program's (docs/language.md); PyTorch refuses one without gradient
    ("x = torch.ones(1)\nx.register_hook(print)", "runtime", {}),
    ("x = torch.ones(1, requires_grad=True)\nx.register_hook(torch.load)", "forbidden", {}),
    # a module's hooks are the program's functions (docs/language.md, "Module hooks"): no library
    # function as hook, no module reached through one, a hook that calls its module stops at the depth
    ("m = nn.Linear(1, 1)\nm.register_forward_hook(torch.load)", "forbidden", {}),
    ("m = nn.Linear(1, 1)\nm.register_full_backward_hook(torch.save)", "forbidden", {}),
    ("m = nn.Linear(1, 1)\nm.register_forward_hook(m)", "runtime", {}),
    ("m = nn.Linear(1, 1)\nm.register_backward_hook(print)", "forbidden", {}),
    ("m = nn.Linear(1, 1)\nm._forward_hooks", "forbidden", {}),
    (
        "m = nn.Linear(1, 1)\nm.register_forward_hook(lambda mod, a, out: mod(a[0]))\nm(torch.ones(1, 1))",
        "limit",
        {},
    ),
    (
        "m = nn.Linear(1, 1)\ndef h(mod, a, out):\n    mod.register_forward_hook(h)\n"
        "m.register_forward_hook(h)\nfor i in range(40):\n    m(torch.ones(1, 1))",
        "limit",
        {"max_operations": 100_000},
    ),
    # names a module registers at run time are read from its own tables by key, never getattr with the
    # program's text; `__name__` is the one dunder read, and nothing is reached through it
    ("m = nn.Linear(1, 1)\nm.register_buffer('__dict__', torch.ones(1))", "runtime", {}),
    ("m = nn.Linear(1, 1)\nm.add_module('register_forward_hook', nn.ReLU())", "runtime", {}),
    ("m = nn.Linear(1, 1)\nm.register_buffer('x', torch.ones(1))\nm._buffers['x']", "forbidden", {}),
    ("type(torch.ones(1)).__name__.__class__", "forbidden", {}),
    # a library module's registered names may be replaced, through nn.Module's own checks; no other
    ("m = nn.Linear(1, 1)\nm.forward = print", "runtime", {}),
    ("m = nn.Sequential(nn.ReLU())\nm.train = print", "runtime", {}),
    ("m = nn.Sequential(nn.ReLU())\nm.__dict__ = {}", "forbidden", {}),
    ("s = nn.Sequential(nn.ReLU())\ns.register_module('x', nn.ReLU())\ns.x = print", "runtime", {}),
    ("m = nn.Linear(1, 1)\nm.__name__", "runtime", {}),
    ("from collections import defaultdict", "forbidden", {}),
    ("import collections\ncollections.Counter('ab')", "forbidden", {}),
    (  # L-BFGS's history is sized where it is made, not when a step fills it
        "w = torch.zeros(10**6, requires_grad=True)\nopt = torch.optim.LBFGS([w])",
        "limit",
        {},
    ),
    ("t = torch\nt.load('x')", "forbidden", {}),
    ("s = torch.sin\ns.__self__", "forbidden", {}),
    ("f'{torch}'", "forbidden", {}),
    ("x = [i.__class__ for i in range(3)]", "forbidden", {}),
    ("print(*range(10**9))", "limit", {}),
    ("x = torch.ones(2)\ntorch.sin(x, **{'out': x})", "forbidden", {}),
    ("(y := 3)", "forbidden", {}),
    ("while True:\n    pass", "limit", {}),
    ("try:\n    while True:\n        pass\nexcept Exception:\n    pass", "limit", {}),
    ("global torch", "forbidden", {}),
    ("torch = 1", "forbidden", {}),
    ("x = torch.ones(2)\ntorch.sin(x, out=x)", "forbidden", {}),
    ("x = torch.ones(2, device='meta')", "forbidden", {}),
    ("x = torch.ones(2, pin_memory=True)", "forbidden", {}),
    ("'a' * 10**9", "limit", {}),
    ("x = (1).real", "forbidden", {}),
    ("with open('x') as f:\n    pass", "forbidden", {}),
    ("del torch", "forbidden", {}),
    ("{}.__class__", "forbidden", {}),
    ("raise SystemExit", "runtime", {}),  # NameError: not a name the language knows
    ("x = torch.ones(1)\ny = x.__class__.__init__.__globals__", "forbidden", {}),
    # resource exhaustion, refused before the work
    ("torch.ones(100000, 100000)", "limit", {}),
    ("torch.zeros((100000, 100000))", "limit", {}),
    ("torch.full((50000, 50000), 1.0)", "limit", {}),
    ("torch.eye(100000)", "limit", {}),
    ("torch.arange(0, 1e12)", "limit", {}),
    ("torch.linspace(0, 1, 10**10)", "limit", {}),
    ("a = torch.ones(100000)\nb = torch.outer(a, a)", "limit", {}),
    ("a = torch.ones(100000, 1)\nb = torch.ones(1, 100000)\nc = a + b", "limit", {}),
    ("a = torch.ones(100000, 1)\nb = torch.ones(1, 100000)\nc = a @ b", "limit", {}),
    ("a = torch.ones(1000, 1000)\nb = a @ a", "limit", {}),  # 10⁹ multiply-adds
    ("a = torch.ones(1000, 1000)\nb = a[torch.zeros(100000, dtype=torch.long)]", "limit", {}),
    ("a = torch.ones(1000, 1000)\nb = torch.cat([a, a, a, a, a, a, a, a, a, a, a])", "limit", {}),
    ("a = torch.ones(1000, 1000)\nfor _ in range(200):\n    a = a + 1", "limit", {}),  # total elements
    (
        "a = torch.randn(100, 1, 1)\nb = torch.where(a > 0, a.view(1, 100, 1), a.view(1, 1, 100) * a)",
        "limit",
        {"max_tensor_elements": 100_000},
    ),
    # a decoder's attention over a long memory (2 × 10 × 200,000 scores), 10⁶ copies of a small layer
    # (each a 48 KB tree of modules), the default nn.Transformer (44 M parameters), a huge causal mask
    ("nn.TransformerDecoderLayer(8, 2, 16)(torch.zeros(10, 1, 8), torch.zeros(200000, 1, 8))", "limit", {}),
    ("nn.TransformerDecoder(nn.TransformerDecoderLayer(2, 1, 1), num_layers=10**6)", "limit", {}),
    ("nn.Transformer()", "limit", {}),
    ("nn.Transformer.generate_square_subsequent_mask(10**6)", "limit", {}),
    ("2**2**2**40", "limit", {}),
    ("2**100000", "limit", {}),
    ("2**4096", "limit", {}),
    ("1 << 10**6", "limit", {}),
    ("a = 3**4000\nb = a * a", "limit", {}),
    ("a = 10\nfor _ in range(20):\n    a = a * a", "limit", {}),
    ("for _ in range(10**9):\n    pass", "limit", {}),
    ("for _ in range(10**18):\n    pass", "limit", {}),
    (
        "for i in range(100):\n    for j in range(100):\n        for k in range(100):\n            pass",
        "limit",
        {},
    ),
    ("x = 0\nfor _ in range(10000):\n    x = x + 1 + 1 + 1", "limit", {"max_operations": 20_000}),
    ("x = 1" + "0" * 5000, "limit", {}),  # a giant literal
    ("x = 1\n" * 1_000_000, "limit", {}),  # 6 MB of source
    ("#" * 10_000_000, "limit", {}),  # 10 MB of source
    ("y = " + "-" * 10_000 + "1", "limit", BIG),  # 10,000-deep nesting
    ("y = " + "(" * 10_000 + "1" + ")" * 10_000, "limit", BIG),
    ("y = " + "[" * 10_000 + "]" * 10_000, "limit", BIG),
    ("y = " + " + ".join(["1"] * 10_000), "limit", BIG),
    ("y = 1" + "**1" * 10_000, "limit", BIG),
    ("y = not " * 1 + "not " * 10_000 + "1", "limit", BIG),
    ("y = x" + ".T" * 10_000, "limit", BIG),
    ("y = x" + "[0]" * 10_000, "limit", BIG),
    ("y = " + " + ".join(["1"] * 200), "limit", {}),  # deeper than max_nesting_depth
    ("x = 1\n" * 6_000, "limit", {"max_source_chars": 1_000_000}),  # too many syntax nodes
    # one builtin call that would run long or allocate before a check (issue 9)
    ("u = 1.0\nu + torch.ones(500000000, 0).sum(1).sum()", "limit", {}),  # a zero-size dimension
    ("torch.ones(0).view(1000000, 1000000, 0).sum(2)", "limit", {}),  # a reduction realises it
    ("torch.ones(2000, 1000).tolist()", "limit", {}),
    ("a = torch.ones(500000, 1).tolist()\nb = sum([a, a, a], [])", "limit", {}),
    ("a = []\nfor _ in range(50):\n    a = [a, a]\nprint(a)", "limit", {}),
    ("a = 0\nfor _ in range(100):\n    a = [a]\nprint(a)", "limit", {}),
    (
        "t = torch.ones(1)\na = [t]\nfor _ in range(16):\n    a = [a, a]\nb = [a]\na == b[0][0]",
        "limit",
        {"max_operations": 20_000},
    ),
    (
        "x = torch.ones(1000)\nfor _ in range(10000):\n    y = x.tolist()",
        "limit",
        {"max_total_elements": 10_000_000},
    ),
    ("[0] * 10**9", "limit", {}),
    ("f'{1:100000000}'", "limit", {}),
    # operations whose results grow past their inputs, each sized before its one C call
    ("a = torch.ones(100000)\nb = torch.einsum('i,j->ij', a, a)", "limit", {}),
    ("a = torch.ones(3000, 1)\nb = torch.einsum('ij,jk,kl->il', a, a.T, a)", "limit", {}),  # on the way
    ("a = torch.ones(1000, 1000)\nb = torch.einsum('ij,jk->ik', a, a)", "limit", {}),  # 10⁹ multiply-adds
    ("a = torch.ones(2)\nb = torch.einsum(a, [0], a, [1], [0, 1])", "runtime", {}),  # no size rule reads it
    ("a = torch.ones(())\nb = torch.einsum(',' * 99999, [a] * 100000)", "forbidden", {}),  # operands capped
    ("torch.ones(3).repeat_interleave(10**18)", "limit", {}),
    ("torch.repeat_interleave(torch.tensor([2**62, 2**62]))", "limit", {}),  # an int64 sum would wrap
    ("torch.ones(2).repeat_interleave(torch.tensor([1, 1]), output_size=10**12)", "limit", {}),
    ("torch.diag(torch.ones(1), 10**9)", "limit", {}),
    ("torch.ones(1).new_zeros(10**6, 10**6)", "limit", {}),
    ("torch.ones(1).new_full((10**9,), 1.0)", "limit", {}),
    ("x = torch.ones(1000000)\ny = x.unfold(0, 999000, 1).sum()", "limit", {}),
    ("torch.ones(1000, 1000).nonzero(as_tuple=True)", "limit", {}),
    ("torch.ones(1, 10**6).index_select(0, torch.zeros(10**6, dtype=torch.long))", "limit", {}),
    ("x = torch.ones(3)\ny = x.new_empty(10**9)", "forbidden", {}),
    ("a = torch.ones(10**6, 1)\nb = torch.tensordot(a, a.T, dims=1)", "limit", {}),  # 10¹² from 10⁶
    ("a = torch.ones(10**5, 0)\nb = torch.tensordot(a, a.T, dims=1)", "limit", {}),  # 10¹⁰ zeros from none
    ("a = torch.ones(1000, 1000)\nb = torch.tensordot(a, a, dims=([1], [0]))", "limit", {}),  # 10⁹ work
    ("b = torch.block_diag(*[torch.ones(1)] * 100000)", "limit", {}),  # a 10⁵ × 10⁵ matrix of ones
    ("b = torch.nn.utils.rnn.pad_sequence([torch.ones(10**6)] + [torch.ones(1)] * 10**5)", "limit", {}),
    ("b = torch.nn.utils.rnn.pad_sequence(torch.zeros(10**6, 0))", "limit", {}),  # 10⁶ views, no element
    ("a = torch.ones(10**6, 1, dtype=torch.long)\nb = a ^ a.T", "limit", {}),
    ('s = "x" * 100000\nt = s.replace("x", s)', "limit", {}),  # 10¹⁰ characters in one C call
    ('t = "x".zfill(10**9)', "limit", {}),
    ("t = str(torch.ones((2,) * 19))", "limit", {}),  # 2¹⁹ numbers written out in full: 8 s in one call
    ('s = ["x" * 100000] * 10000\nt = str(s)', "limit", {}),  # 10⁹ characters from one text
    # an object's fields that no call measures, walked by the copy first
    (
        "import copy\nclass B:\n    pass\nb = B()\nb.r = [[0] * 1000 for _ in range(2000)]\n"
        "c = copy.deepcopy(b)",
        "limit",
        {},
    ),
    (
        "import copy\nxs = [torch.ones(1000, 1000)]\n"
        "for _ in range(200):\n    xs.append(copy.deepcopy(xs[-1]))",
        "limit",
        {},
    ),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("source", "kind", "overrides"), HOSTILE, ids=[f"h{i:02d}" for i in range(len(HOSTILE))]
)
def test_hostile_program_is_refused(source: str, kind: str, overrides: dict[str, object]) -> None:
    with pytest.raises(ProgramError) as info:
        run(source, {"x": 1.0}, **overrides)
    assert info.value.type == kind, info.value.message
    assert info.value.message


def test_corpus_is_large_enough() -> None:
    assert len(HOSTILE) >= 40


def test_limit_messages_name_the_limit_and_its_value() -> None:
    cases = {
        "torch.ones(100000, 100000)": "max_tensor_elements",
        "2**2**2**40": "max_int_bits",
        "for _ in range(10**9):\n    pass": "max_loop_iterations",
        "#" * 30_000: "max_source_chars",
    }
    for source, setting in cases.items():
        with pytest.raises(ProgramError) as info:
            run(source)
        assert setting in info.value.message
    with pytest.raises(ProgramError) as info:
        run("#" * 25_000)
    assert info.value.message == "program too long: 25000 characters, the limit is 20000 (max_source_chars)"


def test_wall_time_limit_stops_a_slow_program() -> None:
    # 0.5 s, not less: at 0.05 s a loaded machine could pass the deadline before the loop began
    # (then line 2 was named). The loop would take tens of seconds.
    source = "a = torch.ones(300, 300)\nfor _ in range(100000):\n    b = a @ a"
    with pytest.raises(ProgramError) as info:
        run(source, max_wall_seconds=0.5, max_operations=10**9, max_total_elements=10**12)
    assert info.value.type == "limit" and "max_wall_seconds" in info.value.message and info.value.line == 3


def test_the_evaluator_keeps_working_after_refusals() -> None:
    for source, _, overrides in HOSTILE[:5]:
        with pytest.raises(ProgramError):
            run(source, {"x": 1.0}, **overrides)
    result = run("x**2", {"x": 3.0})
    assert float(result.output) == 9.0  # type: ignore[arg-type]


def test_shared_lists_cannot_grow_exponentially() -> None:
    source = "a = [1]\nfor _ in range(60):\n    a = [a, a]\nprint(a)"
    with pytest.raises(ProgramError) as info:
        run(source, max_tensor_elements=10_000)
    assert info.value.type == "limit" and info.value.line == 3 and info.value.column == 8
    assert "max_tensor_elements" in info.value.message
    nested = run("a = [[1.0, 2.0], (3.0, 4.0)]\nb = torch.tensor([[1.0], [2.0]])\nc = [b.shape, b.tolist()]")
    assert nested.namespace["a"] == [[1.0, 2.0], (3.0, 4.0)]
    assert nested.namespace["c"] == [torch.Size([2, 1]), [[1.0], [2.0]]]


def test_anomaly_mode_does_not_leak_to_the_next_program_in_the_process() -> None:
    # PyTorch keeps it in one flag for the whole process: left on, the next student's backward that
    # makes a NaN would stop with an error CPython never raises for it
    switched = run("torch.autograd.set_detect_anomaly(True)\nprint(torch.is_anomaly_enabled())")
    assert switched.printed == ["True"]
    assert not torch.is_anomaly_enabled()
    for source in (
        "torch.autograd.set_detect_anomaly(True)\nx = torch.ones(10**9)",
        "torch.autograd.set_detect_anomaly(True)\nwhile True:\n    pass",
        "with torch.autograd.detect_anomaly():\n    raise ValueError('inside')",
    ):
        with pytest.raises(ProgramError):
            run(source, max_operations=10_000)
        assert not torch.is_anomaly_enabled()
    nan = run("x = torch.tensor(0.0, requires_grad=True)\n(torch.sqrt(x) * 0).backward()\nprint(x.grad)")
    assert nan.printed == ["tensor(nan)"]
