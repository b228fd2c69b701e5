"""Benchmark (not a test): each page opened by a COLD browser, and where that open's time goes.

A fresh chromium per open (empty HTTP cache, no V8 code cache, nothing parsed), against a real
uvicorn that has computed its start-up answers (as `ui_bench.py` does). For each open, from the
page's own clock (ms since navigation, until body[data-ready], or the models page's status):
  ready        when the page said it was usable
  fetched      when the last resource the page asked for before ready had arrived (responseEnd)
  busy         main-thread time in long animation frames (Chrome's LoAF entries, ≥ 50 ms) before
               ready: script, style and layout, and the rendering update
  scripts      the LoAF script attribution summed per source file (parse and run of each bundle,
               the page's own modules and callbacks), the largest first
  marks        the page's own performance marks (explorer:trace-received, …)
With --trace, a Chrome trace of one open per page is saved under bench/results/cold-trace-<page>.json
(open it in chrome://tracing or Perfetto) and summarised: V8 compile/parse time per script URL.
With --browser running, one chromium is started (and left idle 2 s) and each open is a new context
of it (empty HTTP cache, no V8 code cache): a student's running browser that never saw the site;
the default starts a chromium per open, whose own start-up competes for this machine's 2 cores.
Usage: python bench/cold_open_bench.py [--repeat 5] [--pages explorer optimize] [--browser new|running]
       [--trace] [--json out.json]
(the median over the repeats of each figure; figures depend on load: print the load average with them)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.ui_bench import START_UP_DONE, ServerLog, wait_until  # noqa: E402
from tests.live import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

from autograd_explorer.settings import Settings  # noqa: E402

# What each page's open waits for (as in ui_bench.py).
PAGES: dict[str, tuple[str, str]] = {
    "explorer": ("/#ex=polynomial", "!!document.body.dataset.ready"),
    "optimize": ("/optimize.html", "!!document.body.dataset.ready"),
    "regression": ("/regression.html", "!!document.body.dataset.ready"),
    "pitfall": ("/pitfall.html", "!!document.body.dataset.ready"),
    "models": ("/models.html", "document.querySelector('#status').textContent.length > 0"),
}

# Registered before any of the page's own scripts: long animation frames and long tasks are not
# kept in the timeline's buffer unless something observes them from the start.
OBSERVE = """
window.__cold = { loaf: [], longtasks: [] };
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      window.__cold.loaf.push({
        start: e.startTime, duration: e.duration, blocking: e.blockingDuration,
        render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
        styleLayout: e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
        scripts: e.scripts.map((s) => ({
          url: s.sourceURL, fn: s.sourceFunctionName, invoker: s.invoker, type: s.invokerType,
          start: s.startTime, duration: s.duration, compile: s.executionStart - s.startTime,
          layout: s.forcedStyleAndLayoutDuration,
        })),
      });
    }
  }).observe({ type: 'long-animation-frame', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      window.__cold.longtasks.push({ start: e.startTime, duration: e.duration });
    }
  }).observe({ type: 'longtask', buffered: true });
} catch (error) { window.__cold.error = String(error); }
"""

COLLECT = """(readyAt) => ({
  resources: performance.getEntriesByType('resource').map((e) => ({
    url: e.name, start: e.startTime, end: e.responseEnd, bytes: e.transferSize, body: e.encodedBodySize,
    initiator: e.initiatorType,
  })),
  marks: performance.getEntriesByType('mark').map((e) => ({ name: e.name, at: e.startTime })),
  nav: (() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd };
  })(),
  paint: performance.getEntriesByType('paint').map((e) => ({ name: e.name, at: e.startTime })),
  loaf: window.__cold.loaf, longtasks: window.__cold.longtasks, error: window.__cold.error || null, readyAt,
})"""


def short(url: str) -> str:
    """A script's path without the origin (`/vendor/plotly/plotly-cartesian.min.js`)."""
    if "://" in url:
        url = "/" + url.split("://", 1)[1].split("/", 1)[-1]
    return url.split("#")[0] or "(inline)"


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    """One open's figures, all before the page's ready moment."""
    ready = float(raw["readyAt"])
    before = [r for r in raw["resources"] if r["start"] <= ready]
    per_script: dict[str, float] = defaultdict(float)
    busy = 0.0
    render = 0.0
    for frame in raw["loaf"]:
        if frame["start"] > ready:
            continue
        busy += frame["duration"]
        render += frame["render"]
        for s in frame["scripts"]:
            per_script[short(s["url"]) + (f" ({s['type']})" if s["type"] != "classic-script" else "")] += s[
                "duration"
            ]
    return {
        "ready_ms": round(ready, 1),
        "html_ms": round(raw["nav"]["responseEnd"], 1),
        "dom_content_loaded_ms": round(raw["nav"]["domContentLoaded"], 1),
        "fetched_ms": round(max((r["end"] for r in before), default=0.0), 1),
        "requests_before_ready": len(before),
        "kb_before_ready": round(sum(r["bytes"] for r in before) / 1024, 1),
        "busy_ms": round(busy, 1),
        "render_ms": round(render, 1),
        "longtask_ms": round(sum(t["duration"] for t in raw["longtasks"] if t["start"] <= ready), 1),
        "scripts": {k: round(v, 1) for k, v in sorted(per_script.items(), key=lambda kv: -kv[1])},
        "marks": {m["name"]: round(m["at"], 1) for m in raw["marks"]},
        "resources": [
            {
                "url": short(r["url"]),
                "start": round(r["start"], 1),
                "end": round(r["end"], 1),
                "kb": round(r["bytes"] / 1024, 1),
            }
            for r in sorted(raw["resources"], key=lambda r: r["start"])
        ],
        "observer_error": raw["error"],
    }


def compile_per_url(trace_path: Path) -> dict[str, float]:
    """V8's compile and parse time per script URL from a Chrome trace (milliseconds)."""
    events = json.loads(trace_path.read_text())
    events = events.get("traceEvents", events) if isinstance(events, dict) else events
    totals: dict[str, float] = defaultdict(float)
    for e in events:
        name = e.get("name", "")
        if e.get("ph") != "X" or not any(k in name for k in ("Compile", "Parse", "EvaluateScript", "v8.run")):
            continue
        args = e.get("args", {}).get("data", {}) or e.get("args", {})
        url = args.get("url") or args.get("fileName") or ""
        if url:
            totals[f"{name} {short(url)}"] += e.get("dur", 0) / 1000
    return {k: round(v, 1) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])[:15]}


def open_cold(p: Any, url: str, done: str, trace_to: Path | None, running: Any = None) -> dict[str, Any]:
    """One open in a new browser process, or (`running`: a browser already started) in a new
    context of it: a student's browser that is running but has never seen the site."""
    browser = running or p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    context = None
    try:
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        page = context.new_page()
        page.add_init_script(OBSERVE)
        if trace_to:
            browser.start_tracing(
                page=page,
                path=str(trace_to),
                categories=["devtools.timeline", "v8", "disabled-by-default-v8.compile"],
            )
        page.goto(url, wait_until="commit")
        # Polled from the first byte: an element the test reads may not be parsed yet.
        ready = wait_until(
            page, f"(() => {{ try {{ return {done}; }} catch {{ return false; }} }})()", timeout_s=60
        )
        time.sleep(0.1)  # the observers' last callbacks
        raw = page.evaluate(COLLECT, ready)
        if trace_to:
            browser.stop_tracing()
        return summarise(raw)
    finally:
        if running is None:
            browser.close()
        elif context is not None:
            context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), default=list(PAGES))
    parser.add_argument("--trace", action="store_true", help="save and summarise one Chrome trace per page")
    parser.add_argument("--json", type=Path, help="write every open's figures here")
    parser.add_argument("--url", help="an already running server (else one is started)")
    parser.add_argument(
        "--browser",
        choices=("new", "running"),
        default="new",
        help="new: a chromium started per open (its own start-up shares the 2 cores); running: one "
        "chromium, started and idle first, a new context (empty cache) per open",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    opens: dict[str, list[dict[str, Any]]] = defaultdict(list)
    compiles: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        server = None
        base = args.url
        if base is None:
            data = Path(tmp) / "data"
            data.mkdir()
            server = LiveServer(data)
            server.start()
            base = server.url
            log = ServerLog(data.parent / f"uvicorn-{server.port}.log")
            started = time.monotonic()
            while Settings().warm_answers and not log.has(START_UP_DONE) and time.monotonic() - started < 300:
                time.sleep(0.2)
        try:
            with sync_playwright() as p:
                running = None
                if args.browser == "running":
                    running = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                    warm = running.new_page()
                    warm.goto("about:blank")
                    time.sleep(2)  # the browser's own start-up work done, as in a student's open browser
                    warm.close()
                first, done = PAGES[args.pages[0]]
                open_cold(p, base + first, done, None, running)  # the server's first static files, not timed
                for i in range(args.repeat):
                    for name in args.pages:  # alternated, so a load swing spreads over every page
                        path, done = PAGES[name]
                        trace_to = (
                            REPO / "bench" / "results" / f"cold-trace-{name}.json"
                            if args.trace and i == 0
                            else None
                        )
                        opens[name].append(open_cold(p, base + path, done, trace_to, running))
                        if trace_to:
                            compiles[name] = compile_per_url(trace_to)
        finally:
            if server:
                server.stop()

    load = os.getloadavg()
    for name, runs in opens.items():
        med = {
            k: statistics.median(r[k] for r in runs)
            for k in (
                "ready_ms",
                "html_ms",
                "dom_content_loaded_ms",
                "fetched_ms",
                "busy_ms",
                "render_ms",
                "longtask_ms",
                "kb_before_ready",
            )
        }
        all_ready = ", ".join(f"{r['ready_ms']:.0f}" for r in runs)
        print(
            f"\n{name}: ready {med['ready_ms']:.0f} ms (all: {all_ready}); html {med['html_ms']:.0f}, "
            f"DOMContentLoaded {med['dom_content_loaded_ms']:.0f}, "
            f"last fetch before ready {med['fetched_ms']:.0f} "
            f"({runs[0]['requests_before_ready']} requests, {med['kb_before_ready']:.0f} kB on the wire); "
            f"main thread busy in long frames {med['busy_ms']:.0f} (rendering {med['render_ms']:.0f}), "
            f"long tasks {med['longtask_ms']:.0f}"
        )
        scripts: dict[str, list[float]] = defaultdict(list)
        for r in runs:
            for k, v in r["scripts"].items():
                scripts[k].append(v)
        for k, v in sorted(scripts.items(), key=lambda kv: -statistics.median(kv[1]))[:8]:
            print(f"    script {statistics.median(v):6.0f} ms  {k}")
        marks: dict[str, list[float]] = defaultdict(list)
        for r in runs:
            for k, v in r["marks"].items():
                marks[k].append(v)
        for k, v in sorted(marks.items(), key=lambda kv: statistics.median(kv[1])):
            print(f"    mark   {statistics.median(v):6.0f} ms  {k}")
        if runs[0]["observer_error"]:
            print(f"    (observer: {runs[0]['observer_error']})")
        for k, v in compiles.get(name, {}).items():
            print(f"    trace  {v:6.1f} ms  {k}")
    print(f"\nbrowser: {args.browser}; load average {load} on {os.cpu_count()} CPUs")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"browser": args.browser, "load_average": load, "opens": opens, "compiles": compiles},
                indent=1,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
