"""Time per full-batch gradient-descent step inside a training job vs the bare lecture loop, one run.

  bare  the lecture's loop written out here (forward, BCELoss, backward, update under no_grad,
        zero the grads) on the same MNIST tensors, in this process
  job   the same config submitted to the JobRunner: a worker process trains it with curve points,
        progress flushes and cancellation checks; its loop time is the job's `seconds` metric
Both run with one torch thread (configure_process), alternated `--repeat` times; the minimum of
each is compared. The job records a curve point (train and test loss/accuracy) every `--eval-every`
steps, as a 1000-step job does by default. Target: job / bare ≤ 1.1.
Writes bench/results/train_bench.json.

    python bench/train_bench.py [--train-size 60000] [--steps 60] [--repeat 2] [--eval-every 20]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from autograd_explorer.jobs.runner import JobRunner
from autograd_explorer.process_setup import configure_process
from autograd_explorer.settings import Settings
from autograd_explorer.train.config import TrainConfig
from autograd_explorer.train.data import load_data
from autograd_explorer.train.models import build_model

REPO = Path(__file__).resolve().parents[1]
MNIST = Path(Settings().mnist_dir or REPO.parent / "shared" / "data" / "mnist")


def bare_seconds(config: TrainConfig) -> float:
    """The lecture's loop, nothing else, on the job's data."""
    data = load_data(config, MNIST)
    model = build_model(config)
    loss_fn = nn.BCELoss()
    started = time.perf_counter()
    for _ in range(config.steps):
        loss = loss_fn(model(data.x_train), data.y_train)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.01 * p.grad
                p.grad.zero_()
    return time.perf_counter() - started


def job_seconds(runner: JobRunner, config: TrainConfig) -> tuple[float, float]:
    """(training-loop seconds reported by the job, wall seconds from submit to done)."""
    started = time.perf_counter()
    record, _ = runner.submit(config)
    while (record := runner.store.get(record.id)).status in ("queued", "running"):
        time.sleep(0.05)
    wall = time.perf_counter() - started
    assert record.status == "done" and record.metrics, record.error
    return record.metrics["seconds"], wall


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--train-size", type=int, default=60_000)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--model", default="simple_nn", choices=["simple_nn", "logistic"])
    parser.add_argument(
        "--eval-every", type=int, default=20, help="curve point cadence (20 = what a 1000-step job uses)"
    )
    args = parser.parse_args()
    configure_process()
    config = TrainConfig(
        model=args.model, train_size=args.train_size, steps=args.steps, eval_every=args.eval_every
    ).resolved()
    with tempfile.TemporaryDirectory() as tmp:
        # Every repeat is the same config: without this the second one would join the first's job.
        settings = Settings(data_dir=Path(tmp), mnist_dir=MNIST, training_workers=1, deduplicate_jobs=False)
        runner = JobRunner(settings)
        runner.start()
        try:
            job_seconds(runner, config.model_copy(update={"steps": 2}))  # start the worker, load data once
            bare, job, wall = [], [], []
            for _ in range(args.repeat):
                bare.append(bare_seconds(config))
                seconds, total = job_seconds(runner, config)
                job.append(seconds)
                wall.append(total)
        finally:
            runner.stop()
    per_bare, per_job = min(bare) / args.steps, min(job) / args.steps
    result = {
        "model": args.model,
        "train_size": args.train_size,
        "steps": args.steps,
        "eval_every": config.eval_every,
        "bare_ms_per_step": 1000 * per_bare,
        "job_ms_per_step": 1000 * per_job,
        "ratio": per_job / per_bare,
        "job_wall_seconds": min(wall),
        "torch": torch.__version__,
    }
    print(
        f"{args.model}, {args.train_size} images, {args.steps} steps: bare {1000 * per_bare:.1f} ms/step, "
        f"in a job {1000 * per_job:.1f} ms/step, ratio {per_job / per_bare:.3f} (target ≤ 1.1); "
        f"job wall time incl. data loading {min(wall):.1f} s"
    )
    out = REPO / "bench" / "results" / "train_bench.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
