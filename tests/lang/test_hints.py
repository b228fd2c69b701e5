"""Refusals of what tutorials paste (plots, progress bars, NumPy, files) stay "forbidden" and say
what to write instead, from the one table in lang/hints.py."""

from __future__ import annotations

import pytest

from autograd_explorer.lang.hints import ATTRIBUTE_HINTS, BUILTIN_HINTS, MODULE_HINTS, PATH_HINTS

from .helpers import fails


@pytest.mark.parametrize(
    ("source", "where", "refusal", "hint"),
    [
        ("import matplotlib.pyplot as plt", (1, 0, 31), "not matplotlib.pyplot", MODULE_HINTS["matplotlib"]),
        ("from matplotlib import pyplot", (1, 0, 29), "not matplotlib", MODULE_HINTS["matplotlib"]),
        ("import seaborn as sns", (1, 0, 21), "not seaborn", MODULE_HINTS["seaborn"]),
        (
            "import matplotlib.pyplot as plt\nplt.plot([1, 2])",
            (2, 0, 8),
            "plt.plot is not part",
            MODULE_HINTS["matplotlib"],
        ),
        ("from tqdm import tqdm", (1, 0, 21), "not tqdm", MODULE_HINTS["tqdm"]),
        (
            "for i in tqdm(range(3)):\n    pass",
            (1, 9, 13),
            "tqdm(...) is not a function",
            MODULE_HINTS["tqdm"],
        ),
        ("import pandas as pd", (1, 0, 19), "not pandas", MODULE_HINTS["pandas"]),
        ("import numpy as np", (1, 0, 18), "not numpy", MODULE_HINTS["numpy"]),
        ("x = open('data.txt')", (1, 4, 8), "open(...) is not a function", BUILTIN_HINTS["open"]),
        ("n = int(input())", (1, 8, 13), "input(...) is not a function", BUILTIN_HINTS["input"]),
        ("import os", (1, 0, 9), "not os", MODULE_HINTS["os"]),
        ("import sys", (1, 0, 10), "not sys", MODULE_HINTS["sys"]),
        (
            "import torch\ny = torch.ones(2).numpy()",
            (2, 4, 23),
            "the attribute .numpy",
            ATTRIBUTE_HINTS["numpy"],
        ),
        (
            "import torch\ny = torch.from_numpy(a)",
            (2, 4, 20),
            "torch.from_numpy is not",
            PATH_HINTS["torch.from_numpy"],
        ),
        ("from torch import load", (1, 0, 22), "torch.load cannot be imported", PATH_HINTS["torch.load"]),
        (
            "from torch.autograd import Variable",
            (1, 0, 35),
            "torch.autograd.Variable cannot be imported",
            PATH_HINTS["torch.autograd.Variable"],
        ),
    ],
)
def test_a_refusal_says_what_to_do_instead(
    source: str, where: tuple[int, int, int], refusal: str, hint: str
) -> None:
    error = fails(source, "forbidden")
    assert (error.line, error.column, error.end_column) == where
    assert refusal in error.message
    assert error.message.endswith(f": {hint}")


def test_the_plotting_hint_names_the_labs() -> None:
    assert "print values, or use the Optimization/Regression labs" in MODULE_HINTS["matplotlib"]


def test_a_refusal_without_a_hint_is_worded_as_before() -> None:
    error = fails("import json", "forbidden")
    assert error.message == "only torch can be imported here, not json"


def test_math_has_its_float_functions_and_constants() -> None:
    # Lectures write math.pi, math.sqrt(2), math.exp(-x): the oracle is CPython's math on the same numbers.
    import math

    from .helpers import run

    source = (
        "import math\nfrom math import sqrt, log\nx = torch.tensor(2.0, requires_grad=True)\n"
        "y = x * math.pi + sqrt(2) * math.exp(-1.0)\ny.backward()\n"
        "z = [log(8, 2), math.floor(2.7), math.isfinite(y.item()), math.tau,\n"
        "     math.inf > 1e308, math.erf(0.5)]\n"
    )
    result = run(source)
    assert result.namespace["z"] == [math.log(8, 2), 2, True, math.tau, True, math.erf(0.5)]
    assert result.namespace["x"].grad.item() == pytest.approx(math.pi)  # dy/dx = π (float32)
    assert result.namespace["y"].item() == pytest.approx(
        2 * math.pi + math.sqrt(2) * math.exp(-1.0), rel=1e-6
    )


@pytest.mark.parametrize(
    ("source", "refusal"),
    [
        ("import math\nmath.factorial(10**6)", "math.factorial is not part of the explorer language"),
        ("from math import comb", "math.comb cannot be imported: it is not part of the explorer language"),
    ],
)
def test_math_leaves_out_what_grows_with_its_argument(source: str, refusal: str) -> None:
    # math.factorial(10**6) is seconds inside one C call, out of the evaluator's reach
    error = fails(source, "forbidden")
    assert error.message == f"{refusal}: {MODULE_HINTS['math']}"
