"""Reproduce the lecture's MNIST odd/even comparison with the app's own data, models and loop.

Full 60,000-image training set, α = 0.01, 1000 full-batch steps, logistic regression and the
784→32→1 network, test accuracy on the 10,000 test images (the lecture: 92.40 % vs 87.30 %).
One torch thread per process; the two models train in two processes at once (`--parallel 1` to
run them one after the other). Writes bench/results/mnist_reproduce.json.

    python bench/mnist_reproduce.py [--seeds 0] [--steps 1000] [--parallel 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def train_one(job: tuple[str, int, int, str]) -> dict[str, Any]:
    """Train one (model, seed) with the lecture's settings; its figures."""
    from autograd_explorer.process_setup import configure_process
    from autograd_explorer.train.config import TrainConfig
    from autograd_explorer.train.data import load_data
    from autograd_explorer.train.loop import train
    from autograd_explorer.train.models import build_model

    model_name, seed, steps, mnist = job
    configure_process()
    config = TrainConfig(model=model_name, steps=steps, seed=seed, optimizer={"name": "gd", "lr": 0.01})
    config = config.resolved()
    result = train(build_model(config), load_data(config, Path(mnist)), config)
    return {"model": model_name, "seed": seed, **result.metrics}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="0", help="comma-separated")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--mnist", default=str(REPO.parent / "shared" / "data" / "mnist"))
    args = parser.parse_args()
    jobs = [
        (m, int(s), args.steps, args.mnist) for s in args.seeds.split(",") for m in ("simple_nn", "logistic")
    ]
    with multiprocessing.get_context("spawn").Pool(args.parallel) as pool:
        results = pool.map(train_one, jobs)
    lecture = {"simple_nn": 92.40, "logistic": 87.30}
    for r in results:
        print(
            f"{r['model']:10s} seed {r['seed']}: test accuracy {100 * r['test_accuracy']:.2f} % "
            f"(lecture {lecture[r['model']]:.2f} %), train accuracy {100 * r['train_accuracy']:.2f} %, "
            f"{r['seconds']:.0f} s"
        )
    out = REPO / "bench" / "results" / "mnist_reproduce.json"
    out.write_text(json.dumps({"steps": args.steps, "lr": 0.01, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
