"""Benchmark (not a test): large traces in headless chromium, grouped and fully expanded.

For a chain (`y = torch.sin(y) * 1.0001`, 2 nodes per iteration) and an MLP
(`h = torch.tanh(h @ W * 0.3 + b)`, 4 nodes per layer, one shared 8×8 weight: 5,000 layers at 20,000
nodes) at 5,000 and 20,000 nodes, and with --graphs lecture the lecture-style 20-layer MLP (an
nn.Module, its BCE loss summed over 317 batches at 20,000 nodes), measures in one run:
  server       — POST /api/trace round trip, payload size and the server's own trace_ms,
  interactive  — opening the explorer on the program until the graph is drawn (default grouping:
                 loop iterations as boxes) and the first step answered,
  run click    — issue 11's done-when as a student meets it: the explorer already open on another
                 program, this one put in the editor, Run clicked; from the click's input event
                 (event.timeStamp, the page's clock) to the grouped graph drawn (the
                 explorer:graph-drawn mark) and to the next frame painted after it (boxes on
                 screen), and the wall clock from Playwright's click to that frame seen; three
                 clicks, the median reported (one click's figure moved 1.9–3.0 s on this machine),
  explained    — the same open until that first step's formulas and narration are shown (its step
                 details, POST /api/trace/details, arrived),
  step         — one step forward (→) at the middle of the backward pass until the frame showing
                 it is drawn, timed in the page, median of 9 (the current node's boxes open and it
                 is centred); and the page's main-thread CPU time per step (Chrome's trace events,
                 thread time of its tasks over 9 more steps): on a loaded machine the wall time
                 mostly waits for a core, the CPU time is what the step costs,
  expanded     — unticking "grouped": every node laid out and drawn,
  zoom frames  — requestAnimationFrame deltas while the fully expanded graph is zoomed with the wheel.
With --baseline DIR the same measures are taken, in the same run, of a second server serving the
frontend in DIR (for example another checkout's frontend/): before and after figures of one run.
--skip-expanded leaves out the expanded drawing and zoom frames (minutes at 20,000 nodes).
Prints a table and saves bench/results/frontend_bench.json.
Targets (issue 11): interactive < 2 s at 20,000 nodes; expanded < 3 s, then zoom frames < 50 ms;
one step < 50 ms.
Usage: python bench/frontend_bench.py [--sizes 5000,20000] [--baseline ../main/frontend
       [--baseline-backend ../main/backend]] [--skip-expanded]
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.frontend.editor_page import set_editor_text, show_editor  # noqa: E402
from tests.lecture_programs import mlp20_of_size  # noqa: E402
from tests.live import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

RESULTS = REPO / "bench" / "results" / "frontend_bench.json"
BIG_LIMITS = {
    "AUTOGRAD_EXPLORER_MAX_OPERATIONS": "400000",
    "AUTOGRAD_EXPLORER_MAX_WALL_SECONDS": "120",
    "AUTOGRAD_EXPLORER_MAX_TRACE_NODES": "50000",
}
TIMEOUT_S = 300
RUN_CLICKS = 3  # Run clicks per program: the median is reported (run_click), with each (every_painted_ms)


def chain_program(nodes: int) -> str:
    """A chain of about `nodes` operation nodes."""
    return (
        "x = torch.tensor(0.5, requires_grad=True)\ny = x\n"
        f"for _ in range({max(1, nodes // 2)}):\n    y = torch.sin(y) * 1.0001\ny"
    )


def mlp_program(nodes: int) -> str:
    """An MLP of nodes / 4 layers sharing one 8×8 weight, on a batch of 4."""
    return (
        "torch.manual_seed(0)\nW = torch.randn(8, 8, requires_grad=True)\n"
        "b = torch.randn(8, requires_grad=True)\n"
        f"h = torch.randn(4, 8)\nfor _ in range({max(1, nodes // 4)}):\n"
        "    h = torch.tanh(h @ W * 0.3 + b)\nh.sum()"
    )


PROGRAMS: dict[str, Callable[[int], str]] = {
    "chain": chain_program,
    "mlp": mlp_program,
    "lecture": mlp20_of_size,  # DeepNN (fc1..fc20, ReLU, sigmoid, BCELoss) over batches of 16
}


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.perf_counter() + TIMEOUT_S
    while not check():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{what}: not within {TIMEOUT_S} s")
        time.sleep(0.005)


def step_label(page: Any) -> str:
    return str(page.text_content("#step-label") or "")


def open_until_interactive(page: Any, url: str) -> tuple[float, float]:
    """Navigate, wait for the graph and for the first step to answer, then for that step's details
    (formulas, narration: POST /api/trace/details); milliseconds to each."""
    page.goto("about:blank")
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT_S * 1000)
    page.wait_for_selector("#graph[data-nodes]", timeout=TIMEOUT_S * 1000)
    page.keyboard.press("ArrowRight")
    wait_until(lambda: "step 1 /" in step_label(page), "the first step")
    interactive = (time.perf_counter() - start) * 1000
    wait_for_step_details(page, "the first step's details")
    return interactive, (time.perf_counter() - start) * 1000


# Steps timed inside the page: from the key press until the frame that shows the step has been drawn
# (a task after the next animation frame). Timed from Python, each step also paid Playwright's round
# trips to read the label (tens of ms on a loaded machine).
STEP_SCRIPT = """async (count) => {
  const times = [];
  for (let k = 0; k < count; k += 1) {
    const t = performance.now();
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    times.push(performance.now() - t);
  }
  return times;
}"""


MARKS_SCRIPT = """() => Object.fromEntries(performance.getEntriesByType('mark')
  .filter((m) => m.name.startsWith('explorer:')).map((m) => [m.name, Math.round(m.startTime)]))"""


# The page's own trace request (resource timing): when it left and when its answer had arrived, ms
# since navigation. Time to interactive minus the wait in between is what the page itself spent.
TRACE_REQUEST_SCRIPT = """() => { const e = performance.getEntriesByType('resource')
  .filter((r) => r.name.endsWith('/api/trace')).at(-1);
  return e ? { start: Math.round(e.startTime), end: Math.round(e.responseEnd) } : null; }"""


# Run clicked: the click's input event (its timeStamp, the page's clock), the last graph-drawn mark
# after it, and the first frame painted after the run finished (body[data-runs] changed: a task
# after the next animation frame), all ms since the page's navigation.
RUN_WATCH = """() => {
  window.__benchRun = { input: null, drawn: null, painted: null };
  const input = (e) => { window.__benchRun.input = e.timeStamp; };
  addEventListener('pointerdown', input, { capture: true, once: true });
  const runs = document.body.dataset.runs;
  const seen = new MutationObserver(() => {
    if (document.body.dataset.runs === runs) return;
    seen.disconnect();
    const drawn = performance.getEntriesByName('explorer:graph-drawn').at(-1);
    window.__benchRun.drawn = drawn ? drawn.startTime : null;
    requestAnimationFrame(() => setTimeout(() => { window.__benchRun.painted = performance.now(); }, 0));
  });
  seen.observe(document.body, { attributes: true, attributeFilter: ['data-runs'] });
}"""


def run_clicked(page: Any, url: str, source: str, nodes: int) -> dict[str, Any]:
    """The explorer open on another program (the default example), `source` put in the editor as a
    paste, Run clicked: ms from the click's input event to the graph drawn and to the frame painted,
    the wall clock from before Playwright's click to that frame seen, and the page's marks of the run
    relative to the click (trace request left / answered, parsed, decoded, drawn)."""
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT_S * 1000)
    show_editor(page)
    set_editor_text(page, source)
    page.evaluate(RUN_WATCH)
    start = time.perf_counter()
    page.click("#run")
    wait_until(lambda: bool(page.evaluate("window.__benchRun.painted !== null")), "the run's graph")
    wall = (time.perf_counter() - start) * 1000
    status = str(page.text_content("#run-status") or "")
    if not status.startswith(f"{nodes} nodes"):  # the program pasted is the one that ran
        raise RuntimeError(f"after Run the status says {status!r}, not {nodes} nodes")
    run = page.evaluate("window.__benchRun")
    since = float(run["input"])
    marks = {k: round(v - since) for k, v in page.evaluate(MARKS_SCRIPT).items() if v >= since}
    request = page.evaluate(TRACE_REQUEST_SCRIPT)
    if request and request["start"] >= since:
        marks["trace-request-left"] = round(request["start"] - since)
        marks["trace-request-answered"] = round(request["end"] - since)
    return {
        "drawn_ms": round(float(run["drawn"]) - since, 1),
        "painted_ms": round(float(run["painted"]) - since, 1),
        "wall_ms": round(wall, 1),
        "marks_ms": marks,
    }


def between(marks: dict[str, float], first: str, then: str) -> float | None:
    """Milliseconds between two of the page's marks; None when a frontend sets no such mark."""
    return round(marks[then] - marks[first], 1) if first in marks and then in marks else None


def wait_for_step_details(page: Any, what: str) -> None:
    """Until the window of step details the page asked for has arrived (the server re-runs the program
    for it: at 20,000 nodes as long as the trace itself)."""
    fetched = "() => !document.querySelector('#step-panel .narration')?.textContent.startsWith('Fetching')"
    wait_until(lambda: bool(page.evaluate(fetched)), what)


def one_step_ms(page: Any, steps: int) -> float:
    """Median of 9 single steps forward from the middle of the pass."""
    page.fill("#step-slider", str(steps // 2))
    page.dispatch_event("#step-slider", "input")
    wait_until(lambda: f"step {steps // 2} /" in step_label(page), "the slider")
    # The window of step details the jump asked for: arrived, so no answer lands inside the timing.
    wait_for_step_details(page, "the step details")
    times = [float(t) for t in page.evaluate(STEP_SCRIPT, 9)]
    wanted = f"step {steps // 2 + 9} /"
    if wanted not in step_label(page):
        raise RuntimeError(f"after 9 steps the label says {step_label(page)!r}, not {wanted!r}")
    return statistics.median(times)


def step_cpu_ms(context: Any, page: Any, count: int = 9) -> float:
    """Main-thread CPU milliseconds per step: the thread time of the renderer's tasks while `count`
    steps are taken (script, style, layout, paint, the canvas redraw), from Chrome's trace events."""
    cdp = context.new_cdp_session(page)
    # RunTask, with its thread time, is in the disabled-by-default category.
    categories = "devtools.timeline,disabled-by-default-devtools.timeline"
    cdp.send("Tracing.start", {"categories": categories, "transferMode": "ReturnAsStream"})
    page.evaluate(STEP_SCRIPT, count)
    done: dict[str, Any] = {}
    cdp.on("Tracing.tracingComplete", lambda event: done.update(event))
    cdp.send("Tracing.end")
    deadline = time.perf_counter() + TIMEOUT_S
    while not done:  # the event arrives while Playwright waits, not while Python sleeps
        if time.perf_counter() > deadline:
            raise RuntimeError("the trace did not complete")
        page.wait_for_timeout(20)
    chunks = []
    while True:
        chunk = cdp.send("IO.read", {"handle": done["stream"]})
        chunks.append(chunk["data"])
        if chunk.get("eof"):
            break
    cdp.send("IO.close", {"handle": done["stream"]})
    cdp.detach()
    events = json.loads("".join(chunks))
    events = events["traceEvents"] if isinstance(events, dict) else events
    # The page's main thread: the one running its scripts.
    calls: dict[tuple[int, int], int] = {}
    for e in events:
        if e.get("name") == "FunctionCall":
            calls[(e["pid"], e["tid"])] = calls.get((e["pid"], e["tid"]), 0) + 1
    main = max(calls, key=lambda k: calls[k])
    tasks = [e for e in events if (e["pid"], e["tid"]) == main and e.get("name") == "RunTask"]
    busy = sum(float(e.get("tdur", 0)) for e in tasks)
    return busy / 1000 / count


def expand_all_ms(page: Any, nodes: int) -> float:
    t = time.perf_counter()
    # Untick "grouped": every box opens. Clicked from inside the page: the click's handler lays out
    # and draws everything before it returns, longer than Playwright's click waits.
    page.evaluate("document.getElementById('collapse').click()")

    # The page may be busy for longer than Playwright's default 30 s: wait as long as the bench does.
    def drawn() -> int:
        return int(page.get_attribute("#graph", "data-trace-nodes", timeout=TIMEOUT_S * 1000) or 0)

    wait_until(lambda: drawn() >= nodes, "the expanded graph")
    page.evaluate("new Promise(requestAnimationFrame)")
    return (time.perf_counter() - t) * 1000


ZOOM_SCRIPT = """async () => {
  const frames = [];
  let last = performance.now();
  let going = true;
  const tick = (t) => { frames.push(t - last); last = t; if (going) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const graph = document.getElementById('graph');
  const box = graph.getBoundingClientRect();
  for (let i = 0; i < 40; i += 1) {
    graph.dispatchEvent(new WheelEvent('wheel', { deltaY: i < 20 ? -120 : 120, clientX: box.x + box.width / 2,
      clientY: box.y + box.height / 2, bubbles: true, cancelable: true }));
    await new Promise((r) => setTimeout(r, 16));
  }
  await new Promise((r) => setTimeout(r, 200));
  going = false;
  return frames.slice(1);
}"""


def zoom_frames(page: Any) -> dict[str, float]:
    frames = sorted(float(f) for f in page.evaluate(ZOOM_SCRIPT))
    return {
        "median": statistics.median(frames),
        "p95": frames[int(0.95 * (len(frames) - 1))],
        "max": frames[-1],
    }


def measure(server: LiveServer, context: Any, kind: str, size: int, expand: bool = True) -> dict[str, Any]:
    source = PROGRAMS[kind](size)
    # Every request before the timed open sends the program with a comment added: the same work, but
    # not the same request, so no answer the server keeps (step details, api/answer_cache.py) is
    # the timed open's: it meets the server as a first student does.
    warm_source = source + "\n# warm-up"
    body = {"source": warm_source, "inputs": {}, "format": "compact"}  # what the page asks for
    httpx.post(server.url + "/api/trace", json=body, timeout=TIMEOUT_S).raise_for_status()  # warm
    t0 = time.perf_counter()
    response = httpx.post(server.url + "/api/trace", json=body, timeout=TIMEOUT_S)
    response.raise_for_status()
    round_trip = (time.perf_counter() - t0) * 1000
    trace = response.json()
    nodes = int(trace["nodes"]["count"])
    steps = int(trace["passes"][-1]["steps"]["count"])
    url = f"{server.url}/#{urlencode({'src': source})}"
    progress(f"{kind} {nodes} nodes: {len(response.content) / 1024:.0f} KiB in {round_trip:.0f} ms; opening")
    page = context.new_page()
    # Warm the browser's caches once. Its first step's details (a re-run of the program) are answered
    # before the timed open, whose trace otherwise shared the server's cores with that re-run.
    open_until_interactive(page, f"{server.url}/#{urlencode({'src': warm_source})}")
    interactive, explained = open_until_interactive(page, url)
    marks = page.evaluate(MARKS_SCRIPT)
    request = page.evaluate(TRACE_REQUEST_SCRIPT)
    page_ms = round(interactive - (request["end"] - request["start"]), 1) if request else None
    drawn = int(page.get_attribute("#graph", "data-nodes") or 0)
    step = one_step_ms(page, steps)
    step_cpu = step_cpu_ms(context, page)
    progress(
        f"  interactive {interactive:.0f} ms, explained {explained:.0f} ms ({drawn} drawn, marks {marks}, "
        f"trace request {request}, "
        f"page's own {page_ms} ms), step {step:.1f} ms, "
        f"main-thread CPU {step_cpu:.1f} ms per step"
    )
    # The same program typed into an open explorer and run (a comment added: a request of its own),
    # RUN_CLICKS times: one click measured 1.94 s and 3.04 s for the same code half an hour apart
    # on this machine, so the median is reported, with every click's figure beside it.
    clicks = []
    for turn in range(RUN_CLICKS):
        typed = f"{source}\n# typed and run {turn}"
        clicks.append(run_clicked(page, f"{server.url}/#ex=polynomial", typed, nodes))
        progress(f"  run clicked: {clicks[-1]}")
        # the server answers, then prefetches the first steps' details (a re-run of the program):
        # the next click waits for that, as a student's next program would not meet it
        page.wait_for_timeout(max(2000.0, 1.5 * clicks[-1]["painted_ms"]))
    run = sorted(clicks, key=lambda c: float(c["painted_ms"]))[len(clicks) // 2]
    run["every_painted_ms"] = [c["painted_ms"] for c in clicks]
    renderer = page.get_attribute("#graph", "data-renderer")
    expanded = float("nan")
    frames = {"median": float("nan"), "p95": float("nan"), "max": float("nan")}
    if expand:
        expanded = expand_all_ms(page, nodes)
        frames = zoom_frames(page)
        progress(f"  expanded {expanded:.0f} ms ({renderer}), zoom frames {frames}")
    page.close()
    return {
        "graph": kind,
        "nodes": nodes,
        "steps": steps,
        "payload_kb": round(len(response.content) / 1024, 1),
        "payload_bytes_per_node": round(len(response.content) / nodes),
        "server_trace_ms": round(float(trace["stats"]["trace_ms"]), 1),
        "server_round_trip_ms": round(round_trip, 1),
        "interactive_ms": round(interactive, 1),
        # Until the first step's formulas and narration were shown (its details had arrived).
        "explained_ms": round(explained, 1),
        # Where the time to interactive goes, from the page's own marks (ms since navigation):
        # the answer parsed, decoded, and the graph drawn (hierarchy, layout, drawing).
        "page_marks_ms": marks,
        # When the page's trace request left and its answer arrived (ms since navigation), and the
        # time to interactive without that wait: the page's own part (modules, parse, decode, draw).
        "trace_request_ms": request,
        "page_own_ms": page_ms,
        "decode_ms": between(marks, "explorer:trace-parsed", "explorer:trace-received"),
        "draw_ms": between(marks, "explorer:trace-received", "explorer:graph-drawn"),
        "drawn_at_first": drawn,
        # Run clicked in an open explorer: click → graph drawn / boxes painted, wall clock, marks.
        "run_click": run,
        "step_ms": round(step, 1),
        "step_cpu_ms": round(step_cpu, 1),
        "expanded_ms": round(expanded, 1),
        "renderer": renderer,
        "zoom_frame_ms": {k: round(v, 1) for k, v in frames.items()},
    }


def main() -> None:
    # A SIGTERM (timeout, Ctrl+C from a wrapper) must still stop the uvicorn started below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,20000")
    parser.add_argument("--graphs", default="chain,mlp")
    parser.add_argument("--baseline", type=Path, help="a frontend folder measured in the same run")
    parser.add_argument(
        "--baseline-backend",
        type=Path,
        help="the baseline server's Python package folder (another checkout's backend/): a frontend "
        "that reads an older compact version needs the server that sends it",
    )
    parser.add_argument("--skip-expanded", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        # The defaults stop a request at 20,000 operations and 5 s: these programs are meant to be big.
        servers = {"this": LiveServer(data, env=BIG_LIMITS)}
        if args.baseline:
            env = {**BIG_LIMITS, "AUTOGRAD_EXPLORER_FRONTEND_DIR": str(args.baseline.resolve())}
            if args.baseline_backend:
                env["PYTHONPATH"] = str(args.baseline_backend.resolve())
            (Path(tmp) / "baseline").mkdir()
            servers["baseline"] = LiveServer(Path(tmp) / "baseline", env=env)
        try:
            for server in servers.values():
                server.start()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                context = browser.new_context(viewport={"width": 1600, "height": 1000})
                for kind in args.graphs.split(","):
                    for size in (int(s) for s in args.sizes.split(",")):
                        # Baseline and this frontend one after the other, so both meet the same load.
                        for name, server in reversed(servers.items()):
                            progress(f"frontend: {name}")
                            row = measure(server, context, kind, size, expand=not args.skip_expanded)
                            rows.append({"frontend": name, **row})
                browser.close()
        finally:
            for server in servers.values():
                server.stop()

    print(
        "| frontend | graph | nodes | payload | interactive (grouped) "
        "| Run click → boxes painted (wall; each click) "
        "| first step explained "
        "| trace request left / answered | one step | step CPU | all expanded "
        "| zoom frames median / p95 / max |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        z = r["zoom_frame_ms"]
        request = r["trace_request_ms"] or {"start": "?", "end": "?"}  # ms since navigation
        print(
            f"| {r['frontend']} | {r['graph']} | {r['nodes']:,} | {r['payload_kb']:,.0f} KiB "
            f"| {r['interactive_ms']:,.0f} ms "
            f"| {r['run_click']['painted_ms']:,.0f} ms ({r['run_click']['wall_ms']:,.0f} ms; "
            f"{' / '.join(f'{ms:,.0f}' for ms in r['run_click']['every_painted_ms'])}) "
            f"| {r['explained_ms']:,.0f} ms "
            f"| {request['start']} / {request['end']} ms "
            f"| {r['step_ms']:.0f} ms | {r['step_cpu_ms']:.1f} ms "
            f"| {r['expanded_ms']:,.0f} ms ({r['renderer']}) "
            f"| {z['median']:.0f} / {z['p95']:.0f} / {z['max']:.0f} ms |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    print(f"saved {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
