"""Hostile requests spread over every endpoint that runs a user's text or a heavy loop (issue 9).

Each hostile function is sent to every endpoint that takes one (surface, trajectory, trajectories,
trace, torchviz), so a path that forgets the sandbox or a size check is caught wherever it is.
A case says which statuses are acceptable and, for a 400, which error types: a refusal for the
wrong reason fails as surely as a 500.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON = {"content-type": "application/json"}
# "invalid": the labs refuse a well-formed function that cannot be minimized (not a scalar, shape changes)
ANY_PROGRAM_ERROR = ("syntax", "forbidden", "limit", "runtime", "autograd", "invalid")


@dataclass(frozen=True)
class EndpointCase:
    """One request and the answers it may get."""

    id: str
    path: str
    body: bytes | None
    method: str = "POST"
    status: tuple[int, ...] = (400,)
    kinds: tuple[str, ...] = ANY_PROGRAM_ERROR  # detail["type"] allowed when the answer is a 400
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))


def as_json(value: Any) -> bytes:
    # ensure_ascii keeps a lone surrogate as the escape "\ud800", which is how a client sends it.
    return json.dumps(value).encode()


@dataclass(frozen=True)
class Function:
    """A hostile function of u and v, and what a server may answer for it."""

    name: str
    source: str
    status: tuple[int, ...] = (400,)
    kinds: tuple[str, ...] = ANY_PROGRAM_ERROR


FUNCTIONS = [
    # issue 9, §1: quadratic work inside one builtin call froze the server for 40 s; it now joins
    # the lists in one linear pass (a correct 200) or refuses at the request's limit
    Function(
        "sum-of-lists",
        "u + v + 0 * len(sum(torch.ones(100000, 1).tolist(), []))",
        status=(200, 400),
        kinds=("limit",),
    ),
    Function(
        "sum-of-lists-small",
        "u + v + 0 * len(sum(torch.ones(25000, 1).tolist(), []))",
        status=(200, 400),
        kinds=("limit",),
    ),
    Function(
        "sum-of-lists-huge", "u + v + 0 * len(sum(torch.ones(1000, 2000).tolist(), []))", kinds=("limit",)
    ),
    # issue 9, §1: a zero-size tensor reduced along its empty dim allocated 1.1 GB before refusing
    Function("reduce-zero-dim", "u + v + torch.ones(500000000, 0).sum(1).sum()", kinds=("limit",)),
    Function("huge-dim-empty", "u + v + torch.ones(3000000, 0).sum()", status=(200, 400), kinds=("limit",)),
    # sorted is in the language since issue 10: a million numbers sort in a fraction of a second
    Function(
        "sorted-huge",
        "u + v + 0 * len(sorted(torch.ones(1000000).tolist()))",
        status=(200, 400),
        kinds=("limit",),
    ),
    Function("tolist-huge", "u + v + 0 * len(torch.ones(1000, 1000).tolist())", status=(200, 400)),
    Function("list-repeat", "u + v + 0 * len([0] * 1000000000)", kinds=("limit", "forbidden", "runtime")),
    Function("tuple-repeat", "u + v + 0 * len((0,) * 1000000000)", kinds=("limit", "forbidden", "runtime")),
    Function("string-repeat", "u + v + 0 * len('a' * 1000000000)", kinds=("limit", "forbidden", "runtime")),
    Function("huge-tensor", "u + v + torch.ones(100000, 100000).sum()", kinds=("limit",)),
    Function("giant-power", "u + v + 2**2**2**40", kinds=("limit",)),
    Function(
        "matmul-work", "u + v + (torch.ones(3000, 3000) @ torch.ones(3000, 3000)).sum()", kinds=("limit",)
    ),
    Function("deep-parens", "(" * 400 + "u + v" + ")" * 400, status=(400, 422)),
    Function("long-source", "u + v" + " + u" * 30000, status=(400, 422)),
    # escapes
    Function("dunder", "u + v.__class__", kinds=("forbidden",)),
    Function("open", "u + v + len(open('/etc/passwd').read())", kinds=("forbidden",)),
    Function("eval", "u + v + eval('1')", kinds=("forbidden",)),
    Function("import", "__import__('os').system('id') + u + v", kinds=("forbidden",)),
    Function("torch-load", "u + v + torch.load('/etc/passwd')", kinds=("forbidden",)),
    # issue 9, §1: complex numbers reached a `min` on complex (500)
    Function("complex", "torch.ones(100) * torch.tensor((-1.0) ** 0.5) * u + v", status=(200, 400)),
    Function("complex-scalar", "((-1.0) ** 0.5) * u + v", status=(200, 400)),
    # values a student really produces: must be answered, not crash the JSON
    Function("nan", "u * float('nan') + v", status=(200, 400)),
    Function("inf", "u / 0 + v", status=(200, 400)),
    Function("overflow", "torch.exp(u * 1000) + v", status=(200, 400)),
    # issue 9, §1: the output changes shape after the first step (500 in trajectories)
    Function("shape-change", "(u**2 + v**2) * torch.ones(1 + int(u.item() < 0.9) * 2)", status=(200, 400)),
    Function("not-scalar", "torch.stack([u, v])", status=(200, 400)),
    # a program may draw random numbers (seeded); a function to minimize may not
    Function("random", "u + v + torch.randn(1)", status=(200, 400), kinds=("forbidden",)),
    Function("surrogate", "u + v\ud800", status=(400, 422)),
    Function("syntax", "u + (v", kinds=("syntax",)),
    Function("no-parameters", "1 + 2", status=(200, 400)),
]


def function_cases(function: Function) -> list[EndpointCase]:
    """The same function through every endpoint that takes a function or program."""
    src = function.source
    start = {"u": 1.0, "v": 1.0}
    optimizer = {"name": "gd", "lr": 0.1}
    bodies = {
        "surface": ("/api/surface", {"source": src, "nx": 4, "ny": 4}),
        "trajectory": (
            "/api/trajectory",
            {"source": src, "start": start, "steps": 80, "optimizer": optimizer},
        ),
        "trajectories": (
            "/api/trajectories",
            {
                "runs": [
                    {"preset": "himmelblau", "steps": 20, "optimizer": optimizer},
                    {"source": src, "start": start, "steps": 80, "optimizer": optimizer},
                ]
            },
        ),
        "trace": ("/api/trace", {"source": src, "inputs": start}),
        "torchviz": ("/api/torchviz", {"source": src, "inputs": start}),
    }
    return [
        EndpointCase(
            f"{name}-{function.name}", path, as_json(body), status=function.status, kinds=function.kinds
        )
        for name, (path, body) in bodies.items()
    ]


function_endpoint_cases = [case for function in FUNCTIONS for case in function_cases(function)]

# --- a lone surrogate in every string field of every POST endpoint (issue 9, §1: 500 everywhere) ---

SURROGATE = "\ud800"
surrogate_cases = [
    EndpointCase(f"surrogate-{name}", path, as_json(body), status=(400, 422), kinds=("invalid", "syntax"))
    for name, path, body in [
        ("trace-source", "/api/trace", {"source": "x" + SURROGATE, "inputs": {"x": 1.0}}),
        ("trace-input-name", "/api/trace", {"source": "x", "inputs": {SURROGATE: 1.0}}),
        ("trace-output", "/api/trace", {"source": "x", "inputs": {"x": 1.0}, "output": SURROGATE}),
        ("torchviz-source", "/api/torchviz", {"source": SURROGATE}),
        ("surface-preset", "/api/surface", {"preset": SURROGATE}),
        ("surface-fixed", "/api/surface", {"source": "u + v + w", "fixed": {SURROGATE: 1.0}}),
        ("trajectory-start", "/api/trajectory", {"source": "u**2", "start": {SURROGATE: 1.0}}),
        (
            "trajectory-optimizer",
            "/api/trajectory",
            {"preset": "himmelblau", "optimizer": {"name": SURROGATE}},
        ),
        ("trajectories", "/api/trajectories", {"runs": [{"source": SURROGATE}]}),
        ("polynomial-method", "/api/regression/polynomial", {"method": SURROGATE}),
        ("sweep-method", "/api/regression/polynomial/sweep", {"method": SURROGATE}),
        ("least-squares-dtype", "/api/least-squares", {"dtype": SURROGATE}),
        ("models-dataset", "/api/models", {"dataset": SURROGATE, "model": "simple_nn"}),
        ("models-name", "/api/models", {"dataset": "mnist_parity", "model": "simple_nn", "name": SURROGATE}),
        ("predict", "/api/models/none/predict", {"input": SURROGATE}),
        ("graph", "/api/models/none/graph", {"input": [SURROGATE]}),
        ("key", "/api/trace", {SURROGATE: "x"}),
    ]
]

# --- heavy loops and absurd numbers where no program is involved ---------------------------------

TRAJ = {"preset": "himmelblau", "start": {"u": 1.0, "v": 1.0}, "optimizer": {"name": "gd", "lr": 0.01}}
numeric_cases = [
    EndpointCase(f"numeric-{name}", path, as_json(body), status=status, kinds=("invalid", "limit"))
    for name, path, body, status in [
        ("trajectory-steps", "/api/trajectory", {**TRAJ, "steps": 10**9}, (400, 422)),
        ("trajectory-steps-negative", "/api/trajectory", {**TRAJ, "steps": -1}, (422,)),
        (
            "trajectory-lr-huge",
            "/api/trajectory",
            {**TRAJ, "optimizer": {"name": "adam", "lr": 1e300}},
            (200, 422),
        ),
        ("trajectory-start-nan", "/api/trajectory", {**TRAJ, "start": {"u": "nan", "v": 1}}, (400, 422)),
        ("trajectory-loss-tol", "/api/trajectory", {**TRAJ, "loss_tol": -1}, (200, 422)),
        ("trajectory-dtype", "/api/trajectory", {**TRAJ, "dtype": "float16"}, (422,)),
        ("trajectory-big-int", "/api/trajectory", {**TRAJ, "steps": 10**40}, (400, 422)),
        ("trajectories-many", "/api/trajectories", {"runs": [TRAJ] * 1000}, (400, 422)),
        ("trajectories-empty", "/api/trajectories", {"runs": []}, (400, 422)),
        ("trajectories-total", "/api/trajectories", {"runs": [{**TRAJ, "steps": 20000}] * 12}, (400, 422)),
        ("surface-grid", "/api/surface", {"preset": "rosenbrock", "nx": 10**6, "ny": 10**6}, (400, 422)),
        ("surface-box-nan", "/api/surface", {"preset": "rosenbrock", "box": ["nan", 1, 0, 1]}, (400, 422)),
        ("surface-box-empty", "/api/surface", {"preset": "rosenbrock", "box": [1, 1, 1, 1]}, (200, 400, 422)),
        (
            "surface-box-huge",
            "/api/surface",
            {"preset": "rosenbrock", "box": [-1e308, 1e308, 0, 1]},
            (200, 400, 422),
        ),
        ("surface-both", "/api/surface", {"preset": "rosenbrock", "source": "u + v"}, (400, 422)),
        ("surface-neither", "/api/surface", {}, (400, 422)),
        ("polynomial-iterations", "/api/regression/polynomial", {"iterations": 10**9}, (400, 422)),
        ("polynomial-degree", "/api/regression/polynomial", {"degree": 10**6}, (400, 422)),
        ("polynomial-degree-negative", "/api/regression/polynomial", {"degree": -1}, (400, 422)),
        ("polynomial-lr-huge", "/api/regression/polynomial", {"method": "autograd", "lr": 1e300}, (200, 422)),
        ("polynomial-num", "/api/regression/polynomial", {"data": {"num": 10**9, "seed": 0}}, (400, 422)),
        ("polynomial-seed", "/api/regression/polynomial", {"data": {"num": 10, "seed": 10**30}}, (400, 422)),
        ("sweep-many-lrs", "/api/regression/polynomial/sweep", {"lrs": [0.1] * 10000}, (400, 422)),
        ("sweep-iterations", "/api/regression/polynomial/sweep", {"iterations": [10**9]}, (400, 422)),
        ("least-squares-iterations", "/api/least-squares", {"iterations": 10**9}, (400, 422)),
        ("least-squares-grid", "/api/least-squares", {"grid": 10**6}, (400, 422)),
        (
            "models-steps",
            "/api/models",
            {"dataset": "mnist_parity", "model": "simple_nn", "steps": 10**9},
            (400, 422),
        ),
        ("models-unknown", "/api/models", {"dataset": "imagenet", "model": "simple_nn"}, (400, 422)),
        ("predict-unknown", "/api/models/none/predict", {"input": [0.0] * 784}, (404,)),
        ("predict-nan", "/api/models/none/predict", {"input": ["nan", 0.0]}, (404, 422)),
        ("boundary-unknown", "/api/models/none/boundary?resolution=100000", None, (400, 404, 422)),
        ("misclassified-unknown", "/api/models/none/misclassified?limit=100000", None, (400, 404, 422)),
        (
            "trace-max-value-elements",
            "/api/trace",
            {"source": "torch.ones(30)", "max_value_elements": 10**9},
            (200, 400, 422),
        ),
        (
            "trace-many-inputs",
            "/api/trace",
            {"source": "x", "inputs": {f"x{i}": 1.0 for i in range(5000)}},
            (200, 400, 422),
        ),
    ]
]
for index, case in enumerate(numeric_cases):
    if case.path.startswith(("/api/models/none/boundary", "/api/models/none/misclassified")):
        numeric_cases[index] = EndpointCase(
            case.id, case.path, None, method="GET", status=case.status, headers={}
        )

# --- bodies that are not what they claim -------------------------------------------------------


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


body_cases = [
    EndpointCase("body-10mb", "/api/trace", b'{"source": "' + b"x" * 10_000_000 + b'"}', status=(413,)),
    EndpointCase("body-deep-array", "/api/trace", b'{"source": ' + nested(100_000) + b"}", status=(400, 422)),
    EndpointCase(
        "body-deep-object",
        "/api/surface",
        b'{"fixed": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001,
        status=(400, 422),
    ),
    EndpointCase("body-truncated", "/api/trajectory", b'{"preset": "himmel', status=(400, 422)),
    EndpointCase(
        "body-nan-literal", "/api/trace", b'{"source": "x", "inputs": {"x": NaN}}', status=(400, 422)
    ),
    EndpointCase(
        "body-infinity-literal",
        "/api/surface",
        b'{"preset": "rosenbrock", "box": [Infinity, 1, 0, 1]}',
        status=(400, 422),
    ),
    EndpointCase(
        "body-huge-number",
        "/api/trajectory",
        b'{"preset": "himmelblau", "steps": 1' + b"0" * 5000 + b"}",
        status=(400, 422),
    ),
    EndpointCase("body-invalid-utf8", "/api/trace", b'{"source": "\xff\xfe"}', status=(400, 422)),
    EndpointCase("body-bom", "/api/trace", b'\xef\xbb\xbf{"source": "x"}', status=(200, 400, 422)),
    EndpointCase("body-array", "/api/surface", b"[1, 2, 3]", status=(400, 422)),
    EndpointCase(
        "body-duplicate-keys", "/api/trace", b'{"source": "x", "source": "y"}', status=(200, 400, 422)
    ),
    EndpointCase(
        "events-huge-last-event-id",
        "/api/models/none/events",
        None,
        method="GET",
        status=(400, 404),
        headers={"accept": "text/event-stream", "last-event-id": "1" + "0" * 25},
    ),
]

ENDPOINT_CORPUS: list[EndpointCase] = [
    *function_endpoint_cases,
    *surrogate_cases,
    *numeric_cases,
    *body_cases,
]
