"""Steps per second of the trajectory core against a bare torch loop of the same steps.

Himmelblau from (1, 1), lr 5e-4, 10,000 steps, gradient descent by autograd. Both loops run in
this process, interleaved, best of several rounds (the machine is shared, so the minimum is the
least disturbed measurement). Target: core time / bare time ≤ 1.5. Results go to
bench/results/trajectory_bench.json.

    python bench/trajectory_bench.py [--steps 10000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

from autograd_explorer.optimize.optimizers import OptimizerSpec
from autograd_explorer.optimize.presets import make_preset
from autograd_explorer.optimize.trajectory import run_trajectory
from autograd_explorer.process_setup import configure_process

RESULTS = Path(__file__).resolve().parent / "results" / "trajectory_bench.json"
TARGET_RATIO = 1.5


def bare_loop(steps: int, lr: float = 5e-4) -> float:
    """The lecture's loop with nothing recorded; returns the final loss (so nothing is optimized away)."""
    u = torch.tensor(1.0, requires_grad=True)
    v = torch.tensor(1.0, requires_grad=True)
    loss = torch.tensor(0.0)
    for _ in range(steps):
        u.grad = None
        v.grad = None
        loss = (u**2 + v - 11) ** 2 + (u + v**2 - 7) ** 2
        loss.backward()
        with torch.no_grad():
            u -= lr * u.grad
            v -= lr * v.grad
    return loss.item()


def core_loop(steps: int, lr: float = 5e-4) -> float:
    """The same run through the trajectory core (recording every step)."""
    run = run_trajectory(
        make_preset("himmelblau"), start={"u": 1.0, "v": 1.0}, optimizer=OptimizerSpec("gd", lr), steps=steps
    )
    return run.losses[-1]


def timed(fn: object, steps: int) -> tuple[float, float]:
    start = time.perf_counter()
    value = fn(steps)  # type: ignore[operator]
    return time.perf_counter() - start, float(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    configure_process()
    timed(bare_loop, 200)  # warm-up: first calls pay for lazy initialization
    timed(core_loop, 200)
    bare_times, core_times = [], []
    bare_loss = core_loss = 0.0
    for _ in range(args.rounds):
        t, bare_loss = timed(bare_loop, args.steps)
        bare_times.append(t)
        t, core_loss = timed(core_loop, args.steps)
        core_times.append(t)
    bare, core = min(bare_times), min(core_times)
    result = {
        "benchmark": "trajectory core vs bare torch loop, Himmelblau from (1, 1), lr 5e-4, gd by autograd",
        "steps": args.steps,
        "rounds": args.rounds,
        "bare_seconds": bare,
        "core_seconds": core,
        "bare_steps_per_second": args.steps / bare,
        "core_steps_per_second": args.steps / core,
        "ratio": core / bare,
        "target_ratio": TARGET_RATIO,
        "meets_target": core / bare <= TARGET_RATIO,
        "same_loss": bare_loss == core_loss,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
