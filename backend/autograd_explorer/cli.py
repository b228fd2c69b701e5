"""The command line: `autograd-explorer serve | worker | trace | train | open | download-mnist`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from autograd_explorer.extras import INSTALL_SERVER, missing_server_modules

Command = Callable[[argparse.Namespace], int]


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _serve(args: argparse.Namespace) -> int:
    import signal

    import uvicorn

    from autograd_explorer.settings import get_settings

    settings = get_settings()
    # uvicorn shuts down on SIGTERM, then raises it again with the handler it found. With the default
    # one the process died of it and ran no atexit handler: multiprocessing's temp dir (the worker
    # pools' forkserver socket, /tmp/pymp-*) stayed behind at every stop. This one exits (status 143).
    signal.signal(signal.SIGTERM, _exit_on_signal)
    uvicorn.run(
        "autograd_explorer.api.main:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level="info",
        access_log=False,  # the middleware writes one JSON access line per request, with its id
        timeout_graceful_shutdown=20,  # as in the container: running jobs get time to be marked
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from autograd_explorer.jobs.standalone import main as worker_main
    from autograd_explorer.settings import get_settings

    return worker_main(get_settings())


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(prog="autograd-explorer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the web app and REST API")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(func=_serve, server=True)

    worker = sub.add_parser(
        "worker",
        help="train queued jobs (scale-out: the app runs with job_workers=external; see docs/deployment.md)",
    )
    worker.set_defaults(func=_worker, server=True)

    # Each area registers its own sub-commands (kept beside its code, imported lazily); a command
    # that needs the server extra says `server=True` in its defaults (checked by main()).
    from autograd_explorer import cli_trace

    cli_trace.register(sub)
    from autograd_explorer import cli_train

    cli_train.register(sub)
    from autograd_explorer import cli_open

    cli_open.register(sub)
    from autograd_explorer import cli_mnist

    cli_mnist.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `autograd-explorer` script."""
    args = build_parser().parse_args(argv)
    if getattr(args, "server", False) and (missing := missing_server_modules()):
        print(
            f"autograd-explorer {args.command} needs the app's packages ({', '.join(missing)} missing): "
            f"{INSTALL_SERVER}",
            file=sys.stderr,
        )
        return 2
    func: Command = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
