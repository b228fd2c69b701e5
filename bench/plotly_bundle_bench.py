"""Benchmark (not a test): how long a page waits for Plotly, the full bundle against the cartesian build.

Each round opens a fresh browser context (an empty cache, as a first visit) on a page of the real
app served by uvicorn and times one bundle from inserting its <script> to its load event: download
over loopback, parse and run. The two bundles alternate within each round, so both see the same
machine load; the median of the rounds is kept, and the ratio is the figure to quote.
Results go to bench/results/plotly_bundle.json.

    python bench/plotly_bundle_bench.py [--rounds 6]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.live import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

from autograd_explorer.api.static import PLOTLY_JS  # noqa: E402

RESULTS = REPO / "bench" / "results" / "plotly_bundle.json"
BUNDLES = {"full": "/vendor/plotly.min.js", "cartesian": "/vendor/plotly/plotly-cartesian.min.js"}
LOAD = """(src) => new Promise((resolve, reject) => {
  const start = performance.now();
  const script = document.createElement('script');
  script.src = src;
  script.onload = () => resolve([performance.now() - start, typeof window.Plotly.react]);
  script.onerror = () => reject(new Error(`could not load ${src}`));
  document.head.append(script);
})"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {name: [] for name in BUNDLES}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        server = LiveServer(data)
        server.start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                for _ in range(args.rounds):
                    for name, src in BUNDLES.items():
                        context = browser.new_context()
                        page = context.new_page()
                        page.goto(f"{server.url}/language.html")  # a page of the app: its CSP, its origin
                        page.wait_for_load_state("load")
                        ms, react = page.evaluate(LOAD, src)
                        assert react == "function", f"{name}: no Plotly.react after loading"
                        times[name].append(round(float(ms), 1))
                        context.close()
                browser.close()
        finally:
            server.stop()

    medians = {name: statistics.median(values) for name, values in times.items()}
    report = {
        "benchmark": "Plotly bundle: <script> inserted → loaded (download, parse, run), fresh context each",
        "rounds": args.rounds,
        "bytes": {
            "full": PLOTLY_JS.stat().st_size,
            "cartesian": (REPO / "frontend" / "vendor" / "plotly" / "plotly-cartesian.min.js").stat().st_size,
        },
        "ms": times,
        "median_ms": medians,
        "ratio_full_over_cartesian": round(medians["full"] / medians["cartesian"], 2),
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    for name in BUNDLES:
        print(f"{name:<10} median {medians[name]:7.0f} ms  {times[name]}")
    print(f"full / cartesian: {report['ratio_full_over_cartesian']}  (load average {report['load_average']})")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"saved {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
