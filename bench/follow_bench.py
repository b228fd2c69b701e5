"""Follow mode under a class: 300 SSE followers plus real browsers, one lecturer stepping.

A fresh uvicorn on loopback (the tests' LiveServer), one room, N followers holding
`GET /api/rooms/{code}/events` open (httpx, one event loop), B headless chromium pages following
`/#room=CODE` in the explorer. The lecturer PUTs the least-squares example's steps at a
lecturer's pace; for each step the latency of every follower is the time from just before the
PUT to the moment it had the new state: parsed off the stream (SSE clients) or applied to the
page, the step label redrawn (browsers: body[data-followed] changes, timed in the page).

Bounded: --steps PUTs, each waits at most --wait seconds for every follower; loopback only.

    python bench/follow_bench.py                       # 300 followers, 2 browsers, 20 steps
    python bench/follow_bench.py --followers 50 --browsers 0 --steps 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.live import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402
from tests.scale.classroom import Follower, explorer_state  # noqa: E402  (the Done-when test's own)

RESULTS = REPO / "bench" / "results"
TARGET_P99_MS = 200.0
# Records, in the page, when follow.js has applied a state (body[data-followed] = its version).
WATCH_FOLLOWED = """() => {
  window.followTimes = [];
  new MutationObserver(() => window.followTimes.push([document.body.dataset.followed, Date.now()]))
    .observe(document.body, { attributes: true, attributeFilter: ['data-followed'] });
}"""


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(latencies: list[float], expected: int) -> dict[str, Any]:
    return {
        "samples": len(latencies),
        "missing": expected - len(latencies),
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies) if latencies else None,
        "mean_ms": statistics.fmean(latencies) if latencies else None,
    }


async def open_browsers(count: int, url: str, code: str) -> tuple[Any, list[Any]]:
    """`count` chromium pages following the room, each its own context (its own sessionStorage)."""
    if count == 0:
        return None, []
    from playwright.async_api import async_playwright

    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    pages = []
    for _ in range(count):
        context = await browser.new_context(viewport={"width": 1280, "height": 720})
        page = await context.new_page()
        await page.goto(f"{url}/#room={code}")
        await page.wait_for_selector("body[data-ready]", timeout=60_000)
        await page.evaluate(WATCH_FOLLOWED)
        pages.append(page)
    return (playwright, browser), pages


async def bench(
    url: str, port: int, followers: int, browsers: int, steps: int, pace: float, wait: float
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as api:
        room = (await api.post("/api/rooms")).json()
        code, token = room["code"], room["token"]
        example = next(e for e in (await api.get("/api/examples")).json() if e["id"] == "least-squares")
        auth = {"Authorization": f"Bearer {token}"}

        # The program first: browsers trace it once, then every step is the same trace.
        await api.put(f"/api/rooms/{code}/state", json=explorer_state(example, 0), headers=auth)
        handles, pages = await open_browsers(browsers, url, code)
        clients = [Follower() for _ in range(followers)]
        tasks = [asyncio.create_task(c.run("127.0.0.1", port, f"/api/rooms/{code}/events")) for c in clients]
        await asyncio.wait_for(asyncio.gather(*(c.connected.wait() for c in clients)), 60)
        refused = [c.error for c in clients if c.error]
        await asyncio.sleep(1.0)  # every stream past its first (current) event
        sent: dict[int, float] = {}
        sse_latencies: list[float] = []
        for step in range(1, steps + 1):
            position = step % 6  # least squares has 5 steps: 1…5, 0, 1…
            started = time.time()
            answer = await api.put(
                f"/api/rooms/{code}/state", json=explorer_state(example, position), headers=auth
            )
            version = answer.json()["version"]
            sent[version] = started
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and any(version not in c.arrived for c in clients):
                await asyncio.sleep(0.005)
            sse_latencies += [(c.arrived[version] - started) * 1000 for c in clients if version in c.arrived]
            await asyncio.sleep(pace)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        browser_latencies: list[float] = []
        for page in pages:
            for version_text, ms in await page.evaluate("window.followTimes"):
                version = int(version_text)
                if version in sent:
                    browser_latencies.append((ms / 1000 - sent[version]) * 1000)
        if handles:
            playwright, browser = handles
            await browser.close()
            await playwright.stop()
    return {
        "followers": followers,
        "browsers": browsers,
        "steps": steps,
        "pace_s": pace,
        "refused_streams": len(refused),
        "sse": summary(sse_latencies, followers * steps),
        "browser": summary(browser_latencies, browsers * steps),
        "target_p99_ms": TARGET_P99_MS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=300)
    parser.add_argument("--browsers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--pace", type=float, default=0.5, help="seconds between the lecturer's steps")
    parser.add_argument("--wait", type=float, default=5.0, help="longest wait for every follower per step")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        env = {"AUTOGRAD_EXPLORER_LOG_LEVEL": "WARNING", "AUTOGRAD_EXPLORER_EVAL_WORKERS": "1"}
        server = LiveServer(data_dir, env=env)
        server.start()
        try:
            result = asyncio.run(
                bench(
                    server.url, server.port, args.followers, args.browsers, args.steps, args.pace, args.wait
                )
            )
        finally:
            server.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "follow_bench.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    ok = (
        result["refused_streams"] == 0
        and result["sse"]["missing"] == 0
        and result["browser"]["missing"] == 0
        and (result["sse"]["p99_ms"] or 0) < TARGET_P99_MS
        and (result["browser"]["p99_ms"] or 0) < TARGET_P99_MS
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
