"""Benchmark (not a test): a 5,000-node trace rendered in headless chromium until interactive.

Runs a chain `x = torch.sin(x) * 1.0001` 2,500 times (5,000 operation nodes), measures in one run:
  server  — POST /api/trace round trip and the server's own trace_ms,
  page    — opening the explorer on that program until the graph is drawn and the step controls answer
            (default view: chains collapsed, as the page does above 150 nodes),
  full    — the same 5,000 nodes drawn one by one (chains not collapsed), for comparison,
  step    — pressing End (all 5,000 backward steps folded) until the step label updates.
Prints a table and saves bench/results/frontend_bench.json. Target: page < 2 s.
Usage: python bench/frontend_bench.py [--iterations 2500]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.live import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

RESULTS = REPO / "bench" / "results" / "frontend_bench.json"


def chain_program(iterations: int) -> str:
    """A chain of 2 × iterations operation nodes."""
    return (
        "x = torch.tensor(0.5, requires_grad=True)\n"
        f"for _ in range({iterations}):\n"
        "    x = torch.sin(x) * 1.0001\n"
    )


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def marks(page: Any) -> dict[str, float]:
    entries = page.evaluate("performance.getEntriesByType('mark').map(m => [m.name, m.startTime])")
    return {name: float(t) for name, t in entries}


def open_until_interactive(page: Any, url: str) -> dict[str, float]:
    """Navigate, wait for the graph and the controls, return milliseconds since navigation start."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("body[data-ready]", timeout=120_000)
    page.wait_for_selector("#graph[data-nodes]", timeout=120_000)
    page.keyboard.press("ArrowRight")
    while "step 1 /" not in (page.text_content("#step-label") or ""):
        time.sleep(0.01)
    wall = (time.perf_counter() - start) * 1000
    m = marks(page)
    return {
        "interactive_ms": wall,
        "trace_received_ms": m.get("explorer:trace-received", float("nan")),
        "graph_drawn_ms": m.get("explorer:graph-drawn", float("nan")),
        "drawn_nodes": float(page.get_attribute("#graph", "data-nodes") or 0),
    }


def main() -> None:
    # A SIGTERM (timeout, Ctrl+C from a wrapper) must still stop the uvicorn started below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2500)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    source = chain_program(args.iterations)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        server = LiveServer(data)
        server.start()
        try:
            body = {"source": source, "inputs": {}}
            progress("server up; tracing once to warm up")
            httpx.post(server.url + "/api/trace", json=body, timeout=120).raise_for_status()  # warm-up
            progress("warm")
            t0 = time.perf_counter()
            response = httpx.post(server.url + "/api/trace", json=body, timeout=120)
            response.raise_for_status()
            round_trip = (time.perf_counter() - t0) * 1000
            trace = response.json()
            server_ms = float(trace["stats"]["trace_ms"])
            nodes = len(trace["nodes"])
            payload_kb = len(response.content) / 1024
            url = f"{server.url}/#{urlencode({'src': source})}"
            progress(f"traced: {nodes} nodes, {payload_kb:.0f} KiB in {round_trip:.0f} ms; opening the page")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                context = browser.new_context(viewport={"width": 1600, "height": 1000})
                page = context.new_page()
                open_until_interactive(page, url)  # warm the browser's caches once
                progress("warm page done")
                page = context.new_page()
                collapsed = open_until_interactive(page, url)
                progress(f"interactive: {collapsed}")
                t1 = time.perf_counter()
                page.keyboard.press("End")
                while f"step {len(trace['steps'])} /" not in (page.text_content("#step-label") or ""):
                    time.sleep(0.01)
                step_end_ms = (time.perf_counter() - t1) * 1000
                progress(f"stepped to the end in {step_end_ms:.0f} ms; drawing all nodes")
                t2 = time.perf_counter()
                page.click("#collapse")
                deadline = time.perf_counter() + 120
                while int(page.get_attribute("#graph", "data-nodes") or 0) < nodes:
                    if time.perf_counter() > deadline:
                        raise RuntimeError("the uncollapsed graph was not drawn within 120 s")
                    time.sleep(0.02)
                full_ms = (time.perf_counter() - t2) * 1000
                browser.close()
        finally:
            server.stop()

    result = {
        "program": f"chain of {args.iterations} × (sin, mul)",
        "nodes": nodes,
        "payload_kb": round(payload_kb, 1),
        "server_trace_ms": round(server_ms, 1),
        "server_round_trip_ms": round(round_trip, 1),
        "page_interactive_ms": round(collapsed["interactive_ms"], 1),
        "page_graph_drawn_ms": round(collapsed["graph_drawn_ms"], 1),
        "page_trace_received_ms": round(collapsed["trace_received_ms"], 1),
        "page_drawn_nodes": int(collapsed["drawn_nodes"]),
        "step_to_end_ms": round(step_end_ms, 1),
        "full_graph_uncollapsed_ms": round(full_ms, 1),
        "target_ms": 2000,
        "meets_target": collapsed["interactive_ms"] < 2000,
    }
    rows = [
        ("server trace (stats.trace_ms)", result["server_trace_ms"]),
        ("server round trip (POST /api/trace)", result["server_round_trip_ms"]),
        ("page: navigation → trace received", result["page_trace_received_ms"]),
        ("page: navigation → graph drawn", result["page_graph_drawn_ms"]),
        ("page: navigation → interactive (first step answered)", result["page_interactive_ms"]),
        ("step to the end (End key)", result["step_to_end_ms"]),
        (f"uncollapsed: all {nodes} nodes laid out and drawn", result["full_graph_uncollapsed_ms"]),
    ]
    print(f"{result['program']}: {nodes} nodes, payload {result['payload_kb']} KiB")
    for label, ms in rows:
        print(f"  {label:<55} {ms:>9.1f} ms")
    print(f"  interactive / server trace = {result['page_interactive_ms'] / max(server_ms, 1e-9):.1f}×")
    print(f"  target < 2000 ms: {'met' if result['meets_target'] else 'NOT met'}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"saved {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
