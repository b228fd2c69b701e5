"""`autograd-explorer train mnist --model nn`: train in-process, with a progress bar, into the app's store."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from autograd_explorer.optimizer import TRAINING_NAMES

MODEL_ALIASES = {
    "nn": "simple_nn",
    "simple_nn": "simple_nn",
    "logistic": "logistic",
    "binary": "binary_classifier",
}
DATASET_ALIASES = {
    "mnist": "mnist_parity",
    "moons": "moons",
    "circles": "circles",
    "xor": "xor",
    "blobs": "blobs",
}


def register(sub: Any) -> None:
    """Add the `train` sub-command."""
    p = sub.add_parser(
        "train", help="train a model (as the Models lab does) and save it in the data directory"
    )
    p.add_argument("dataset", choices=sorted(DATASET_ALIASES), help="mnist = MNIST odd/even")
    p.add_argument("--model", choices=sorted(MODEL_ALIASES), default="nn", help="nn = the lecture's SimpleNN")
    p.add_argument("--optimizer", choices=TRAINING_NAMES, default="gd", help="gd = the lecture's loop")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--train-size", type=int, default=None, help="MNIST: first N training images")
    p.add_argument("--hidden", type=int, default=None)
    p.add_argument("--activation", choices=["relu", "tanh", "sigmoid"], default=None)
    p.add_argument("--noise", type=float, default=0.1, help="2-D sets only")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--name", default=None, help="label in the comparison table")
    p.set_defaults(func=run, server=True)  # the app's settings and records store


def progress_bar(width: int = 40) -> Any:
    """A callback drawing `[#####     ]  42% 420/1000  3.1 s` on stderr, at most ~10 times a second."""
    started = time.monotonic()
    last = 0.0

    def draw(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < 0.1 and done < total:
            return
        last = now
        filled = int(width * done / total)
        bar = "#" * filled + " " * (width - filled)
        sys.stderr.write(f"\r[{bar}] {100 * done / total:3.0f}% {done}/{total}  {now - started:.1f} s")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return draw


def run(args: argparse.Namespace) -> int:
    """Train one model; print its id and figures. Exit status 1 if it failed."""
    # here, not at the top: `autograd-explorer open` must not need the store (the server extra)
    from autograd_explorer.errors import ExplorerError
    from autograd_explorer.jobs.execute import run_job
    from autograd_explorer.process_setup import configure_process
    from autograd_explorer.settings import database_url, get_settings
    from autograd_explorer.store.records import ModelStore
    from autograd_explorer.train.config import TrainConfig
    from autograd_explorer.train.mnist import check_available

    configure_process()
    settings = get_settings()
    try:
        config = TrainConfig.model_validate(
            {
                "dataset": DATASET_ALIASES[args.dataset],
                "model": MODEL_ALIASES[args.model],
                "hidden": args.hidden,
                "activation": args.activation,
                "optimizer": {"name": args.optimizer, "lr": args.lr, "batch_size": args.batch_size},
                "steps": args.steps,
                "train_size": args.train_size,
                "noise": args.noise,
                "seed": args.seed,
                "name": args.name,
            }
        ).resolved()
    except ValueError as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    try:
        if config.is_mnist:
            check_available(settings.mnist_dir)
    except ExplorerError as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 1
    store = ModelStore(settings.data_dir, database_url(settings))
    model_id, token = store.start_direct(config.model_dump(mode="json"), worker_pid=os.getpid())
    print(f"model {model_id}: {config.model} on {config.dataset}, {config.steps} steps ({store.where()})")
    try:
        status = run_job(store, model_id, token, settings.mnist_dir, on_progress=progress_bar())
    except KeyboardInterrupt:
        store.end_running(model_id, "cancelled")
        print("\ncancelled", file=sys.stderr)
        return 130
    record = store.get(model_id)
    if status != "done" or record.metrics is None:
        print(f"train: {status}: {record.error}", file=sys.stderr)
        return 1
    m = record.metrics
    print(
        f"train accuracy {100 * m['train_accuracy']:.2f} %, test accuracy {100 * m['test_accuracy']:.2f} %, "
        f"test loss {m['test_loss']:.4f}, {m['seconds']:.1f} s"
    )
    return 0
