"""The adversarial corpus: hostile inputs for every endpoint, each with the refusal it must get.

A case names what it sends and what must come back: the status, the detail's type (program and
domain errors) and a fragment the detail must contain, so a refusal for the wrong reason fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.custom_functions import FORWARD_RUNS

TRACE = "/api/trace"
TORCHVIZ = "/api/torchviz"


@dataclass(frozen=True)
class Case:
    """One hostile request and the answer it must get."""

    id: str
    path: str
    body: bytes | None = None
    method: str = "POST"
    status: tuple[int, ...] = (400,)
    kind: str | None = None  # detail["type"] when the detail is an object
    says: str | None = None  # a fragment of the JSON detail (case-insensitive)
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    chunked: bool = False  # send the body in pieces without Content-Length


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode()


def program(case_id: str, source: str, kind: str, says: str, path: str = TRACE) -> Case:
    return Case(case_id, path, as_json({"source": source, "inputs": {"x": 1.0}}), kind=kind, says=says)


# --- escapes -------------------------------------------------------------------------------

DUNDER_OBJECTS = ["()", "[]", "x", "torch", "(1)", "torch.ones(1)"]
DUNDERS = [
    "__class__",
    "__mro__",
    "__subclasses__",
    "__globals__",
    "__builtins__",
    "__dict__",
    "__code__",
    "__reduce_ex__",
    "__getattribute__",
    "__init__",
    "__bases__",
]
dunder_cases = [
    program(f"dunder-{obj}-{name}", f"{obj}.{name}", "forbidden", name)
    for obj in DUNDER_OBJECTS
    for name in DUNDERS
]
dunder_cases += [
    program("dunder-chain", "().__class__.__mro__[1].__subclasses__()", "forbidden", "__"),
    program("dunder-name", "__builtins__", "forbidden", "__builtins__"),
    program("dunder-assign", "x.__class__ = 1", "forbidden", "__class__"),
    program("dunder-torch-nn", "torch.nn.functional.__dict__", "forbidden", "__dict__"),
    program("dunder-in-call", "torch.sin(x.__class__)", "forbidden", "__class__"),
    program("dunder-keyword", "torch.sum(x, __class__=1)", "forbidden", "__class__"),
]

BUILTINS = [
    "open",
    "eval",
    "exec",
    "compile",
    "getattr",
    "setattr",
    "delattr",
    "globals",
    "locals",
    "vars",
    "dir",
    "input",
    "breakpoint",
    "help",
    "object",
    "memoryview",
    "bytearray",
    "exit",
    "quit",
    "id",
]
builtin_cases = [
    *(program(f"builtin-{name}", f'{name}("x")', "forbidden", name) for name in BUILTINS),
    # type(x) gives a class to print (docs/language.md); the form that makes classes is refused
    program("builtin-type-makes-a-class", 'type("A", (), {"f": print})', "runtime", "takes one argument"),
    program("builtin-type-of-type-called", 't = type(type(1))\nt("A", ())', "runtime", "cannot be called"),
]

import_cases = [
    program("import-os", "import os", "forbidden", "import"),
    program("import-sys-as", "import sys as s", "forbidden", "import"),
    program("from-os-import", "from os import system", "forbidden", "import"),
    program("import-torch-hub", "import torch.hub", "forbidden", "import"),
    program("import-torch-as-os", "import torch as os\nimport os", "forbidden", "only torch can be imported"),
    program("from-torch-nn-star", "from torch.nn import *", "forbidden", "import"),
    program("from-torch-serialization", "from torch.serialization import load", "forbidden", "import"),
    program("from-torch-load", "from torch import load", "forbidden", "import"),
    program("dunder-import", '__import__("os").system("id")', "forbidden", "__import__"),
    program("importlib", 'importlib.import_module("os")', "runtime", "importlib"),  # NameError
    program("import-in-loop", "for _ in range(2):\n    import os", "forbidden", "import"),
]

format_cases = [
    program("str-format", '"{0.__class__}".format(x)', "forbidden", "format"),
    program("f-string", 'f"{x.__class__}"', "forbidden", "__class__"),
    program("f-string-width", 'f"{x:>999999999}"', "limit", "format width"),
    program("f-string-nested-width", 'w = 10**9\nf"{x:>{w}}"', "limit", "format width"),
    program("str-format-width", '"{:>999999999}".format(1)', "limit", "format width"),
    program("str-format-index", '"{0[0]}".format([x])', "forbidden", "format"),
    program("percent-format-star", '"%*s" % (10**9, x)', "forbidden", "(*)"),
    program("percent-format-width", '"%999999999s" % x', "limit", "format width too large"),
    program(
        "percent-format-nested",
        'a = [1]\nfor _ in range(30):\n    a = [a, a]\n"%s" % (a,)',
        "limit",
        "list too large",
    ),
    program("str-join", '"a".join(["b"] * 10**7)', "limit", "max_tensor_elements"),
    program("str-doubling", 's = "ab"\nfor _ in range(64):\n    s = s + s', "limit", "max_tensor_elements"),
    program("format-map", '"{x}".format_map({"x": 1})', "forbidden", "format_map"),
    program("bytes-literal", 'b"\\x00"', "forbidden", "not part of the explorer language"),
    program("string-method-on-tensor", "x.__format__('')", "forbidden", "__format__"),
]

# NFKC folds these to ASCII before the checks run, so they are refused like their ASCII twins;
# the Cyrillic "е" in the last ones is not folded and is simply an unknown function.
lookalike_cases = [
    program("fullwidth-dunder-attr", "().__\uff43lass__", "forbidden", "__class__"),
    program("fullwidth-builtin", '\uff45val("1")', "forbidden", "eval"),
    program("fullwidth-open", '\uff4fpen("/etc/passwd")', "forbidden", "open"),
    program("fullwidth-torch-load", 'torch.\uff4coad("a")', "forbidden", "load"),
    program("fullwidth-import", "\uff49mport os", "syntax", ""),
    program("math-italic-dunder", "x.__\U0001d450lass__", "forbidden", "__class__"),
    program("cyrillic-eval", '\u0435val("1")', "forbidden", "not a function"),
    program("cyrillic-open", '\u043epen("/etc/passwd")', "forbidden", "not a function"),
    program("zero-width-space", "x\u200b = 1", "syntax", ""),
    program("bidi-override", "y = x \u202e# comment", "syntax", ""),
]

torch_escape_cases = [
    program(f"torch-{name}", f'torch.{name}("a")', "forbidden", name)
    for name in [
        "load",
        "save",
        "from_file",
        "compile",
        "set_num_threads",
        "set_default_device",
        "_C",
        "ops",
        "classes",
        "hub",
        "jit",
        "utils",
        "backends",
        "cuda",
        "library",
    ]
]
torch_escape_cases += [
    program("tensor-numpy", "x.numpy()", "forbidden", "numpy"),
    program("tensor-storage", "x.untyped_storage()", "forbidden", "untyped_storage"),
    program("tensor-data-ptr", "x.data_ptr()", "forbidden", "data_ptr"),
    program(  # next_functions gives stand-ins (allowlist.GradFn), never a node with its hooks
        "grad-fn-walk",
        "(x * 2).grad_fn.next_functions[0][0].register_prehook(print)",
        "forbidden",
        "register_prehook",
    ),
    program("grad-fn-register-hook", "(x * 2).grad_fn.register_hook(print)", "forbidden", "register_hook"),
    program("tensor-apply", "x.apply_(abs)", "forbidden", "apply_"),
    # a module's hooks take the program's functions alone, and its hook tables stay out of reach
    program(
        "module-hook-library-function",
        "torch.nn.Linear(1, 1).register_forward_hook(torch.load)",
        "forbidden",
        "torch.load",
    ),
    program("module-hook-table", "torch.nn.Linear(1, 1)._forward_hooks", "forbidden", "_forward_hooks"),
    # names a module registers at run time: PyTorch refuses one it has, and they are read by key
    program(
        "register-buffer-dunder",
        "torch.nn.Linear(1, 1).register_buffer('__class__', x)",
        "runtime",
        "already exists",
    ),
    program("name-then-class", "type(x).__name__.__class__", "forbidden", "__class__"),
    # hasattr reads as `value.name` reads, by the same rules: no `_` name reaches a lookup
    program("hasattr-dunder", 'hasattr(x, "__class__")', "forbidden", "attributes starting with _"),
    program("hasattr-private", 'hasattr(x, "_version")', "forbidden", "attributes starting with _"),
    program("dataclass-called", "from dataclasses import dataclass\ndataclass(x)", "forbidden", "decorator"),
    program("collections-other", "import collections\ncollections.deque()", "forbidden", "collections.deque"),
]
# Tutorial idioms (`.to(device)`, jacobian): odd arguments reach torch.device's parser or a
# refusal, never a lookup of the name they spell.
torch_escape_cases += [
    program("to-dunder-text", 'x.to("__class__")', "runtime", "device string: __class__"),
    program("to-module", "x.to(torch)", "forbidden", "torch is a module"),
    program("to-meta", 'x.to(torch.device("meta"))', "forbidden", "'meta' is not part"),
    program("device-keyword-meta", 'torch.ones(2, device="meta")', "forbidden", "'meta' is not part"),
    program("device-spread-meta", 'torch.zeros(2, **{"device": "meta"})', "forbidden", "'meta' is not part"),
    program("device-of-object", "torch.device(x)", "runtime", "device name"),
    program("device-dunder", "torch.device('cpu').__class__", "forbidden", "__class__"),
    program("to-cuda", 'x.to("cuda")', "runtime", "no GPU"),
    program(
        "jacobian-vectorize",
        "torch.autograd.functional.jacobian(torch.sin, x, vectorize=True)",
        "forbidden",
        "vectorize",
    ),
    program(
        "hessian-huge",
        "torch.autograd.functional.hessian(lambda v: v.sum(), torch.ones(5000))",
        "limit",
        "max_tensor_elements",
    ),
    program(
        "jacobian-many-passes",
        "torch.autograd.functional.jacobian(lambda v: v.expand(1000000) * 2, torch.ones(1))",
        "limit",
        "max_",
    ),
]

# The lecture's constructs are in the language (issue 10): what stays refused is what they could
# be used for.
statement_cases = [
    program("lambda-code", "f = lambda: 1\nf.__code__", "forbidden", "__code__"),
    program("def-globals", "def f():\n    return 1\nf.__globals__", "forbidden", "__globals__"),
    program(
        "closure-cells",
        "def outer():\n    def inner():\n        return x\n    return inner\nouter().__closure__",
        "forbidden",
        "__closure__",
    ),
    program("class-subclasses", "class A:\n    pass\nA.__subclasses__()", "forbidden", "__subclasses__"),
    program("class-base-escape", "class A(x.__class__):\n    pass", "forbidden", "__class__"),
    program(
        "class-dunder-method",
        "class A:\n    def __getattr__(self, n):\n        return n",
        "forbidden",
        "__getattr__",
    ),
    program("class-slots", "class A:\n    __slots__ = ()", "forbidden", "__slots__"),
    program("class-metaclass", "class A(metaclass=type):\n    pass", "forbidden", "metaclass"),
    program("class-base-not-allowed", "class A(print):\n    pass", "runtime", "base class"),
    program("object-dict", "class A:\n    pass\na = A()\na.__dict__", "forbidden", "__dict__"),
    program("object-private-set", "class A:\n    pass\na = A()\na._secret = 1", "forbidden", "_secret"),
    program(
        "module-internals",
        "class M(torch.nn.Module):\n    pass\nm = M()\nm._parameters",
        "forbidden",
        "_parameters",
    ),
    program(
        "module-method-replaced",
        "l = torch.nn.Linear(2, 2)\nl.forward = print",
        "runtime",
        "cannot be assigned",
    ),
    program(
        "user-method-replaced",
        "class M(torch.nn.Module):\n    pass\nm = M()\nm.parameters = 1",
        "runtime",
        "method",
    ),
    program(
        "super-getattribute",
        "class A:\n    def f(self):\n        return super().__getattribute__('x')\nA().f()",
        "forbidden",
        "__getattribute__",
    ),
    program("isinstance-class", "isinstance(x, x.__class__)", "forbidden", "__class__"),
    program("recursion", "def f(n):\n    return f(n + 1)\nf(0)", "limit", "max_call_depth"),
    program(
        "mutual-recursion",
        "def a(n):\n    return b(n)\ndef b(n):\n    return a(n)\na(0)",
        "limit",
        "max_call_depth",
    ),
    program(
        "recursive-init", "class A:\n    def __init__(self):\n        A()\nA()", "limit", "max_call_depth"
    ),
    program(
        "recursive-repr",
        "class A:\n    def __repr__(self):\n        return repr(self)\nprint(A())",
        "limit",
        "max_call_depth",
    ),
    program("while-true", "while True:\n    x = x + 1", "limit", "max_"),
    program("while-true-pass", "while True:\n    pass", "limit", "max_"),
    program(
        "swallow-limit", "try:\n    while True:\n        pass\nexcept Exception:\n    pass", "limit", "max_"
    ),
    program(
        "swallow-limit-bare",
        "while True:\n    try:\n        y = torch.ones(10**9)\n    except:\n        pass",
        "limit",
        "max_tensor_elements",
    ),
    program(
        "swallow-limit-base",
        "try:\n    torch.ones(10**6, 10**6)\nexcept BaseException:\n    pass",
        "limit",
        "max_tensor_elements",
    ),
    program(
        "swallow-recursion",
        "def f():\n    try:\n        f()\n    except RecursionError:\n        pass\nf()",
        "limit",
        "max_call_depth",
    ),
    program(
        "swallow-in-finally", "try:\n    while True:\n        pass\nfinally:\n    y = 1", "limit", "max_"
    ),
    program("comprehension-huge", "[0 for _ in range(10**9)]", "limit", "max_loop_iterations"),
    program("generator-huge", "sum(t for t in range(10**9))", "limit", "max_loop_iterations"),
    program("nested-comprehension", "[i * j for i in range(10**4) for j in range(10**4)]", "limit", "max_"),
    program("append-forever", "a = []\nwhile True:\n    a.append(len(a))", "limit", "max_"),
    program("self-containing-list", "a = [x]\na.append(a)\nb = a == a", "limit", "max_tensor_elements"),
    program("list-doubling", "a = [x]\nfor _ in range(64):\n    a = a + a", "limit", "max_tensor_elements"),
    program(
        "list-extend-doubling",
        "a = [1]\nfor _ in range(64):\n    a.extend(a)",
        "limit",
        "max_tensor_elements",
    ),
    program("iter-sentinel", "for t in iter(int, 1):\n    pass", "limit", "max_"),
    program("dict-growth", "d = {}\nfor i in range(10**9):\n    d[i] = i", "limit", "max_loop_iterations"),
    program("star-huge", "print(*range(10**9))", "limit", "max_loop_iterations"),
    program("kwargs-out", "torch.sin(x, **{'out': x})", "forbidden", "out="),
    program("kwargs-dunder", "def f(**k):\n    return k\nf(**{'__class__': 1})", "forbidden", "__class__"),
    program("raise-system-exit", "raise SystemExit", "runtime", "SystemExit"),
    program("raise-non-exception", "raise 1", "runtime", "BaseException"),
    program("with-open", 'with open("/etc/passwd") as f:\n    pass', "forbidden", "torch.no_grad()"),
    program("global", "global x", "forbidden", "global"),
    program("nonlocal", "def f():\n    nonlocal x", "forbidden", "nonlocal"),
    program("del-module", "del torch", "forbidden", "torch"),
    program("assert-escape", "assert x.__class__", "forbidden", "__class__"),
    program("walrus", "(y := x)", "forbidden", ":="),
    # a def's own yield makes a generator (docs/language.md); anywhere else it stays refused
    program("yield", "yield x", "forbidden", "yield"),
    program("yield-in-lambda", "f = lambda: (yield x)", "forbidden", "yield"),
    program("yield-from-top-level", "yield from [x]", "forbidden", "yield from belongs"),
    program("yield-from-escape", "def f():\n    yield from [x.__class__]", "forbidden", "__class__"),
    program("comprehension-escape", "[t.__class__ for t in [x]]", "forbidden", "__class__"),
    program("conditional-escape", "x if x else x.__dict__", "forbidden", "__dict__"),
    program("async-def", "async def f():\n    pass", "forbidden", "def"),
    program("decorator", "@print\ndef f():\n    pass", "forbidden", "decorators"),
    program("decorator-argument", "@torch.no_grad(print)\ndef f():\n    pass", "forbidden", "decorators"),
    program(
        "decorator-class", "@torch.no_grad()\nclass A:\n    pass", "forbidden", "only decorator of a class"
    ),
    program("decorator-rebound", "no_grad = print\n@no_grad\ndef f():\n    pass", "forbidden", "decorators"),
    program(
        "decorator-cached-property",
        "class A:\n    @cached_property\n    def f(self):\n        pass",
        "forbidden",
        "decorators",
    ),
    program(  # a property runs the program's own function when read: budgeted as any call
        "property-recursing",
        "class A:\n    @property\n    def f(self):\n        return self.f\nA().f + x",
        "limit",
        "max_call_depth",
    ),
    program(
        "decorator-staticmethod-outside-class", "@staticmethod\ndef f():\n    pass", "forbidden", "method"
    ),
    program("autograd-ctx-private", FORWARD_RUNS.format(body="ctx._x = x"), "forbidden", "_x"),
    program(
        "autograd-ctx-node",
        FORWARD_RUNS.format(body="ctx.next_functions"),
        "forbidden",
        "next_functions",
    ),
    program("autograd-ctx-apply", FORWARD_RUNS.format(body="ctx.apply = print"), "runtime", "ctx.apply"),
    program(
        "func-aux-not-tensors",
        "torch.func.grad(lambda v: (v.sum(), print), has_aux=True)(x)",
        "runtime",
        "Expected tensors",
    ),
    program(
        "func-hessian-aux", "torch.func.hessian(lambda v: v.sum(), has_aux=True)(x)", "runtime", "has_aux"
    ),
    program("func-escape", "torch.func.grad(lambda v: v.sum()).__closure__", "forbidden", "__closure__"),
    program("func-vmap", "torch.func.vmap(torch.sin)(x)", "forbidden", "torch.func.vmap"),
    program("dict-literal-escape", '{"a": x}.__class__', "forbidden", "__class__"),
    program("starred-targets", "a, *b, *c = [x, x]", "forbidden", "multiple starred"),
    program("starred-target-escape", "a, *b.__dict__ = [x, x]", "forbidden", "__dict__"),
    program("starred-tensor-rows", "a, *b = torch.zeros(10**6)", "limit", "max_loop_iterations"),
    program("unpack-tensor-rows", "a, b = torch.zeros(10**6)", "runtime", "too many values to unpack"),
    program("match", "match x:\n    case _:\n        pass", "forbidden", "match"),
    program("function-attribute-set", "def f():\n    pass\nf.code = 1", "runtime", "cannot be assigned"),
    program("grad-fn-saved", "(x * 2).grad_fn._saved_self", "forbidden", "_saved_self"),
    program("grad-fn-metadata", "(x * 2).grad_fn.metadata", "forbidden", "metadata"),
]

# --- resource exhaustion ----------------------------------------------------------------------

exhaustion_cases = [
    program("huge-ones", "torch.ones(100000000)", "limit", "max_tensor_elements"),
    program("huge-zeros-3d", "torch.zeros(1000, 1000, 1000)", "limit", "max_tensor_elements"),
    program("huge-randn", "torch.randn(10000, 10000)", "limit", "max_tensor_elements"),
    program("huge-full", "torch.full((50000, 50000), 1.0)", "limit", "max_tensor_elements"),
    program("huge-arange", "torch.arange(1000000000)", "limit", "max_tensor_elements"),
    program("huge-linspace", "torch.linspace(0, 1, 1000000000)", "limit", "max_tensor_elements"),
    program("huge-eye", "torch.eye(100000)", "limit", "max_tensor_elements"),
    program("huge-outer", "a = torch.ones(100000)\nb = torch.outer(a, a)", "limit", "max_tensor_elements"),
    program(
        "func-hessian-huge",
        "torch.func.hessian(lambda v: (v ** 3).sum())(torch.ones(5000))",
        "limit",
        "max_tensor",
    ),
    program(
        "upsample-huge", "nn.Upsample(scale_factor=10**4)(torch.zeros(1, 1, 10, 10))", "limit", "max_tensor"
    ),
    program(
        "interpolate-huge",
        "F.interpolate(torch.zeros(1, 1, 4), size=10**9, mode='linear')",
        "limit",
        "max_tensor",
    ),
    program("embedding-bag-weights", "nn.EmbeddingBag(100000, 100000)", "limit", "max_tensor"),
    program(
        "embedding-bag-bags",
        "i = torch.zeros(100000, dtype=torch.long)\nnn.EmbeddingBag(10, 100000)(i, i)",
        "limit",
        "max_tensor",
    ),
    program(
        "func-jacrev-huge", "torch.func.jacrev(lambda v: v * 2)(torch.ones(5000))", "limit", "max_tensor"
    ),
    program(
        "func-vjp-passes",
        "o, fn = torch.func.vjp(lambda v: (v * 2).sum(), torch.ones(3))\n"
        "while True:\n    fn(torch.tensor(1.0))",
        "limit",
        "max_",
    ),
    program(
        "broadcast-blowup", "a = torch.ones(5000, 1)\nb = a * torch.ones(1, 5000)", "limit", "max_tensor"
    ),
    program(
        "einsum-outer", "a = torch.ones(100000)\nb = torch.einsum('i,j->ij', a, a)", "limit", "max_tensor"
    ),
    program(
        "einsum-on-the-way",
        "a = torch.ones(3000, 1)\nb = torch.einsum('ij,jk,kl->il', a, a.T, a)",
        "limit",
        "max_tensor",
    ),
    program(
        "einsum-operands",
        "a = torch.ones(())\nb = torch.einsum(',' * 99999, [a] * 100000)",
        "forbidden",
        "64 operands",
    ),
    program("repeat-interleave-huge", "torch.ones(3).repeat_interleave(10**9)", "limit", "max_tensor"),
    program("diag-offset-huge", "torch.diag(torch.ones(1), 10**9)", "limit", "max_tensor"),
    program("new-zeros-huge", "torch.ones(1).new_zeros(10**6, 10**6)", "limit", "max_tensor"),
    program("unfold-windows", "torch.ones(1000000).unfold(0, 999000, 1).sum()", "limit", "max_tensor"),
    program("nonzero-dense", "torch.ones(1000, 1000).nonzero()", "limit", "max_tensor"),
    program("giant-power", "2**2**2**40", "limit", "max_int_bits"),
    program("giant-power-assign", "y = 9**9**9", "limit", "max_int_bits"),
    program("giant-power-10", "10**10**10", "limit", "max_int_bits"),
    program("giant-shift", "1 << 10**10", "limit", "max_int_bits"),
    program(
        "giant-product", "y = 10**1000 * 10**1000 * 10**1000 * 10**1000 * 10**1000", "limit", "max_int_bits"
    ),
    program("long-loop", "for _ in range(10**9):\n    y = x * 2", "limit", "max_loop_iterations"),
    program(
        "nested-loops",
        "for _ in range(5000):\n    for _ in range(500000):\n        y = x * 2",
        "limit",
        "max_loop_iterations",
    ),
    program(
        "matmul-loop",
        "a = torch.ones(1000, 1000)\nfor _ in range(1000):\n    a = a @ a",
        "limit",
        "max_tensor",
    ),
    program(
        "many-ops",
        "y = x\nfor _ in range(100000):\n    y = y * 1.0001 + 0.5 - 0.25 + 1 - 1 + 1 - 1 + 1 - 1 + 1 - 1",
        "limit",
        "max_",
    ),
    program(
        "total-elements",
        "for _ in range(200):\n    a = torch.zeros(1000, 1000)",
        "limit",
        "max_total_elements",
    ),
    program("deep-parens", "(" * 10_000 + "x" + ")" * 10_000, "limit", "max_source_chars"),
    program("deep-parens-short", "(" * 5_000 + "x" + ")" * 5_000, "limit", "max_nesting_depth"),
    program("deep-unary", "-" * 10_000 + "x", "limit", "max_nesting_depth"),
    program("deep-lists", "[" * 3_000 + "]" * 3_000, "limit", "max_nesting_depth"),
    program("deep-calls", "torch.sin(" * 1_500 + "x" + ")" * 1_500, "limit", "max_nesting_depth"),
    program("wide-sum", "x" + "+x" * 9_000, "limit", "max_"),
    program("source-too-long", "x\n" * 15_000, "limit", "max_source_chars"),
    program("torchviz-deep", "(" * 500 + "x" + ")" * 500, "limit", "max_nesting_depth", path=TORCHVIZ),
    program(
        "torchviz-long-loop",
        "for _ in range(10**9):\n    x = x * 2",
        "limit",
        "max_loop_iterations",
        TORCHVIZ,
    ),
    program("torchviz-huge", "torch.ones(100000000)", "limit", "max_tensor_elements", path=TORCHVIZ),
    program("torchviz-escape", "().__class__", "forbidden", "__class__", path=TORCHVIZ),
    Case(
        "huge-input-tensor",
        TRACE,
        # more than max_tensor_elements numbers cannot fit in max_body_bytes: the body limit refuses
        as_json({"source": "x * 2", "inputs": {"x": [[1.0] * 700] * 700}}),
        status=(413,),
        kind="too_large",
    ),
    Case(
        "deep-input-nesting",
        TRACE,
        as_json({"source": "x * 2", "inputs": {"x": json.loads("[" * 200 + "1" + "]" * 200)}}),
        status=(400, 422),
    ),
]

# Other endpoints: grids, step counts and sizes beyond their settings.
TRAJECTORY = {"preset": "himmelblau", "start": {"u": 1.0, "v": 1.0}, "optimizer": {"name": "gd", "lr": 0.01}}
lab_cases = [
    Case(
        "surface-huge-grid",
        "/api/surface",
        as_json({"preset": "himmelblau", "nx": 10**6, "ny": 10**6}),
        kind="invalid",
        says="max_surface_grid",
    ),
    Case(
        "surface-escape",
        "/api/surface",
        as_json({"source": "u.__class__", "nx": 10, "ny": 10}),
        status=(400, 422),
        says="__class__",
    ),
    Case(
        "trajectory-steps",
        "/api/trajectory",
        as_json({**TRAJECTORY, "steps": 10**9}),
        kind="invalid",
        says="max_trajectory_steps",
    ),
    Case(
        "trajectory-escape",
        "/api/trajectory",
        as_json({**TRAJECTORY, "preset": None, "source": "u.__globals__", "start": {"u": 1.0}, "steps": 5}),
        kind="forbidden",
        says="__globals__",
    ),
    Case(
        "trajectory-import",
        "/api/trajectory",
        as_json({**TRAJECTORY, "preset": None, "source": "import os", "start": {"u": 1.0}, "steps": 5}),
        kind="forbidden",
        says="import",
    ),
    Case(
        "trajectory-giant-power",
        "/api/trajectory",
        as_json({**TRAJECTORY, "preset": None, "source": "u * 9**9**9", "start": {"u": 1.0}, "steps": 5}),
        kind="limit",
        says="max_int_bits",
    ),
    Case(
        "trajectory-huge-start",
        "/api/trajectory",
        as_json({**TRAJECTORY, "start": {"u": 1e308, "v": 1.0}}),
        status=(422,),
        says="less than or equal",
    ),
    Case(
        "trajectory-huge-lr",
        "/api/trajectory",
        as_json({**TRAJECTORY, "optimizer": {"name": "gd", "lr": 1e308}}),
        status=(422,),
        says="lr",
    ),
    Case(
        "trajectory-unknown-optimizer",
        "/api/trajectory",
        as_json({**TRAJECTORY, "optimizer": {"name": "os.system", "lr": 0.1}}),
        status=(422,),
        says="name",
    ),
    Case(
        "trajectories-total",
        "/api/trajectories",
        as_json({"runs": [{**TRAJECTORY, "steps": 20_000}] * 12}),
        kind="invalid",
        says="max_trajectory_total_steps",
    ),
    Case(
        "trajectories-many-runs",
        "/api/trajectories",
        as_json({"runs": [{**TRAJECTORY, "steps": 1}] * 500}),
        status=(400, 422),
        says="runs",
    ),
    Case(
        "regression-iterations",
        "/api/regression/polynomial",
        as_json({"method": "autograd", "lr": 0.1, "iterations": 10**9}),
        kind="invalid",
        says="max_regression_iterations",
    ),
    Case(
        "regression-degree",
        "/api/regression/polynomial",
        as_json({"method": "autograd", "lr": 0.1, "iterations": 10, "degree": 1000}),
        status=(422,),
        says="degree",
    ),
    Case(
        "regression-data-size",
        "/api/regression/polynomial",
        as_json({"method": "autograd", "lr": 0.1, "iterations": 10, "data": {"seed": 1, "num": 10**9}}),
        status=(400, 422),
        says="num",
    ),
    Case(
        "sweep-many-lrs",
        "/api/regression/polynomial/sweep",
        as_json({"lrs": [0.1] * 1000, "iterations": [10]}),
        status=(422,),
        says="lrs",
    ),
    Case(
        "sweep-long",
        "/api/regression/polynomial/sweep",
        as_json({"lrs": [0.1] * 12, "iterations": [10**6]}),
        status=(400, 422),
        says="iterations",
    ),
    Case(
        "models-steps",
        "/api/models",
        as_json({"dataset": "moons", "model": "binary_classifier", "steps": 10**9}),
        status=(422,),
        says="steps",
    ),
    Case(
        "models-hidden",
        "/api/models",
        as_json({"dataset": "moons", "model": "binary_classifier", "hidden": 10**9}),
        status=(422,),
        says="hidden",
    ),
    Case(
        "models-unknown-dataset",
        "/api/models",
        as_json({"dataset": "../../etc/passwd", "model": "logistic"}),
        status=(422,),
        says="dataset",
    ),
    Case(
        "models-train-size",
        "/api/models",
        as_json({"dataset": "moons", "model": "binary_classifier", "train_size": 10**9}),
        status=(400, 422),
        says="train_size",
    ),
    Case(
        "predict-unknown-model",
        "/api/models/does-not-exist/predict",
        as_json({"input": [0.0, 0.0]}),
        status=(404,),
        kind="not_found",
    ),
    Case(
        "boundary-resolution",
        "/api/models/abc/boundary?resolution=100000",
        method="GET",
        kind="invalid",
        says="max_boundary_resolution",
    ),
    Case(
        "cancel-unknown-model",
        "/api/models/does-not-exist/cancel",
        None,
        status=(404,),
        kind="not_found",
        headers={},
    ),
    Case(
        "events-unknown-model",
        "/api/models/does-not-exist/events",
        method="GET",
        status=(404,),
        kind="not_found",
        headers={"accept": "text/event-stream"},
    ),
    Case(
        "misclassified-other-traversal",
        "/api/models/x/misclassified?other=..%2f..%2fetc%2fpasswd",
        method="GET",
        status=(404,),
        kind="not_found",
    ),
    Case("model-id-huge", "/api/models/" + "a" * 5_000, method="GET", status=(422,), says="at most 64"),
    Case("example-id-huge", "/api/examples/" + "b" * 5_000, method="GET", status=(404,)),
    Case(
        "graph-unknown-model",
        "/api/models/does-not-exist/graph",
        as_json({"input": [0.0, 0.0]}),
        status=(404,),
        kind="not_found",
    ),
    Case("model-id-traversal", "/api/models/..%2f..%2fetc%2fpasswd", method="GET", status=(404,)),
    Case("example-id-traversal", "/api/examples/..%2f..%2fpyproject.toml", method="GET", status=(404,)),
]

# --- malformed JSON and types, non-finite numbers, oversized bodies: every POST endpoint ----------

POST_ENDPOINTS = [
    TRACE,
    TORCHVIZ,
    "/api/trajectory",
    "/api/trajectories",
    "/api/surface",
    "/api/regression/polynomial",
    "/api/regression/polynomial/sweep",
    "/api/least-squares",
    "/api/models",
    "/api/models/none/predict",
    "/api/models/none/graph",
]
# a number field of each endpoint, to put NaN / 1e309 / a string in
NUMBER_FIELD = {
    TRACE: b'{"source": "x * 2", "inputs": {"x": %s}}',
    TORCHVIZ: b'{"source": "x * 2", "inputs": {"x": %s}}',
    "/api/trajectory": b'{"preset": "himmelblau", "start": {"u": %s, "v": 1}, '
    b'"optimizer": {"name": "gd", "lr": 0.1}}',
    "/api/trajectories": b'{"runs": [{"preset": "himmelblau", "start": {"u": 1, "v": 1}, '
    b'"optimizer": {"name": "gd", "lr": %s}}]}',
    "/api/surface": b'{"preset": "himmelblau", "nx": 10, "ny": 10, "fixed": {"w": %s}}',
    "/api/regression/polynomial": b'{"method": "autograd", "lr": %s, "iterations": 10}',
    "/api/regression/polynomial/sweep": b'{"lrs": [%s], "iterations": [10]}',
    "/api/least-squares": b'{"lr": %s}',
    "/api/models": b'{"dataset": "moons", "model": "binary_classifier", '
    b'"optimizer": {"name": "gd", "lr": %s}}',
    "/api/models/none/predict": b'{"input": [%s, 0.0]}',
    "/api/models/none/graph": b'{"input": [%s, 0.0]}',
}
MALFORMED: dict[str, tuple[bytes, tuple[int, ...], str | None]] = {
    "truncated": (b'{"source": "x', (422,), "json"),
    "empty": (b"", (422,), None),
    "array": (b"[]", (422,), None),
    "null": (b"null", (422,), None),
    "number": (b"1", (422,), None),
    "string": (b'"x * 2"', (422,), None),
    "invalid-utf8": (b'{"source": "\xff\xfe"}', (400, 422), None),
    "deep-nesting": (b"[" * 100_000 + b"]" * 100_000, (400, 422), None),
    "trailing-garbage": (b'{"source": "x"} {"source": "y"}', (422,), "json"),
}
NON_FINITE = {
    "nan": b"NaN",
    "inf": b"Infinity",
    "minus-inf": b"-Infinity",
    "1e309": b"1e309",
    "str": b'"1e3x"',
    "int-beyond-64-bits": b"2171418247579532001280",  # orjson cannot write it back: was a 500
}

malformed_cases: list[Case] = []
for endpoint in POST_ENDPOINTS:
    name = endpoint.removeprefix("/api/").replace("/", "-")
    # /api/least-squares takes an optional body; /api/models/none/predict may 404 before validation
    for label, (body, status, says) in MALFORMED.items():
        if endpoint == "/api/least-squares" and label == "empty":
            continue
        malformed_cases.append(Case(f"{name}-{label}", endpoint, body, status=status, says=says))
    for label, literal in NON_FINITE.items():
        if label == "int-beyond-64-bits" and endpoint in (TRACE, TORCHVIZ):
            continue  # a valid input there: it becomes the float 2.17e21
        # predict and graph read the model before judging values: an unknown model is 404 first
        status = (404, 422) if endpoint.startswith("/api/models/none/") else (422,)
        malformed_cases.append(
            Case(f"{name}-{label}", endpoint, NUMBER_FIELD[endpoint] % literal, status=status)
        )
    malformed_cases.append(
        Case(
            f"{name}-too-large",
            endpoint,
            b'{"source": "' + b"x" * 2_000_000 + b'"}',
            status=(413,),
            kind="too_large",
            says="max_body_bytes",
        )
    )
malformed_cases += [
    Case(
        "trace-too-large-chunked",
        TRACE,
        b'{"source": "' + b"x" * 2_000_000 + b'"}',
        status=(413,),
        kind="too_large",
        chunked=True,
    ),
    Case(
        "models-too-large-chunked",
        "/api/models",
        b"[" + b"1," * 1_000_000 + b"1]",
        status=(413,),
        kind="too_large",
        chunked=True,
    ),
    Case(
        "trace-text-plain",
        TRACE,
        as_json({"source": "x"}),
        status=(422,),
        headers={"content-type": "text/plain"},
    ),
    Case(
        "trace-form",
        TRACE,
        b"source=x",
        status=(422,),
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    Case(
        "trace-bad-content-length",
        TRACE,
        b"{}",
        status=(400,),
        kind="invalid",
        headers={"content-type": "application/json", "content-length": "abc"},
    ),
    Case("trace-source-list", TRACE, as_json({"source": ["x"]}), status=(422,), says="string"),
    Case("trace-source-null", TRACE, as_json({"source": None}), status=(422,), says="string"),
    Case("trace-inputs-string", TRACE, as_json({"source": "x", "inputs": "x"}), status=(422,), says="dict"),
    Case("trace-output-injection", TRACE, as_json({"source": "x", "output": "__class__"}), status=(400, 422)),
    Case(
        "trace-max-value-elements-negative",
        TRACE,
        as_json({"source": "x", "max_value_elements": -1}),
        status=(422,),
    ),
    Case(
        "trace-input-name-dunder",
        TRACE,
        as_json({"source": "y = 1", "inputs": {"__class__": 1.0}}),
        status=(400, 422),
        says="__class__",
    ),
    Case(
        "trace-input-bool-tensor", TRACE, as_json({"source": "x", "inputs": {"x": {"a": 1}}}), status=(422,)
    ),
]

# --- static files: no path traversal -------------------------------------------------------------

STATIC_PATHS = [
    "/../pyproject.toml",
    "/%2e%2e/pyproject.toml",
    "/js/..%2f..%2fpyproject.toml",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/..%5c..%5cpyproject.toml",
    "/vendor/../../backend/autograd_explorer/settings.py",
    "//etc/passwd",
    "/js/%00../../pyproject.toml",
]
static_cases = [
    Case(f"static-{i}", path, method="GET", status=(400, 404), headers={})
    for i, path in enumerate(STATIC_PATHS)
]

CORPUS: list[Case] = [
    *dunder_cases,
    *builtin_cases,
    *import_cases,
    *format_cases,
    *lookalike_cases,
    *torch_escape_cases,
    *statement_cases,
    *exhaustion_cases,
    *lab_cases,
    *malformed_cases,
    *static_cases,
]
