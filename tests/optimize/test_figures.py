"""Server-side Plotly figures: valid, JSON-safe, with the traces the pages rely on."""

from __future__ import annotations

import subprocess
import sys

import orjson

from autograd_explorer.jsonsafe import dumps
from autograd_explorer.optimize.figures import regression_figure, sweep_figure, trajectories_figure
from autograd_explorer.optimize.optimizers import OptimizerSpec
from autograd_explorer.optimize.presets import make_preset
from autograd_explorer.optimize.regression import closed_form, fit_polynomial, sweep
from autograd_explorer.optimize.surface import evaluate_surface
from autograd_explorer.optimize.trajectory import run_trajectory


def test_trajectory_figure_marks_start_and_end_and_uses_a_log_loss_axis() -> None:
    himmelblau = make_preset("himmelblau")
    run = run_trajectory(himmelblau, start=None, optimizer=OptimizerSpec("gd", 5e-4), steps=20)
    figure = trajectories_figure([run], evaluate_surface(himmelblau, nx=10, ny=10), title="t")
    types = [t["type"] for t in figure["data"]]
    assert types[0] == "contour" and types.count("scatter") == 4
    symbols = [t.get("marker", {}).get("symbol") for t in figure["data"]]
    assert "circle-open" in symbols and "x" in symbols
    assert figure["layout"]["yaxis2"]["type"] == "log"
    assert orjson.loads(dumps(figure))  # valid JSON


def test_diverged_figures_stay_valid_json() -> None:
    run = run_trajectory(make_preset("himmelblau"), start=None, optimizer=OptimizerSpec("gd", 1.0), steps=20)
    figure = trajectories_figure([run], None, title="diverged")
    text = dumps(figure)
    assert orjson.loads(text) and b'"inf"' not in text and b'"nan"' not in text
    # The loss past overflow is a gap (null), every other value a number.
    ys = [y for t in figure["data"] for y in t.get("y", []) or []]
    assert None in ys and all(y is None or isinstance(y, float | int) for y in ys)
    fits = [fit_polynomial("autograd", lr=1.0, iterations=50), closed_form()]
    regression = regression_figure(([0.0, 1.0], [1.0, 2.0]), fits, title="r")
    assert orjson.loads(dumps(regression))
    assert any("(diverged)" in t.get("name", "") for t in regression["data"])


def test_sweep_figure_is_a_table_with_the_closed_form_last() -> None:
    figure = sweep_figure(sweep("autograd", lrs=[1.0, 0.1], iterations=[100]), closed_form())
    (table,) = figure["data"]
    assert table["type"] == "table"
    assert table["cells"]["values"][0] == ["1", "0.1", "closed form"]
    assert table["cells"]["values"][2][0] == "nan"


# Run in a fresh interpreter: this test process may have built figures already.
AFTER_WARM_UP = """
import sys
from autograd_explorer.optimize import figures
from autograd_explorer.optimize.regression import closed_form, fit_polynomial
figures.warm_up()
fits = [fit_polynomial("autograd", lr=0.01, iterations=50), closed_form()]
before = set(sys.modules)
figures.regression_figure(([0.0, 1.0], [1.0, 2.0]), fits, title="t")
print(sorted(set(sys.modules) - before))
"""


def test_after_the_warm_up_the_pages_figure_imports_nothing_more() -> None:
    # What the fork server's warm-up is for: a worker's first figure pays none of plotly's lazy imports.
    out = subprocess.run([sys.executable, "-c", AFTER_WARM_UP], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
