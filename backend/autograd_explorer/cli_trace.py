"""`autograd-explorer trace EXPR --input x=1`: the graph and the backward steps as text."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the `trace` sub-command."""
    p = sub.add_parser("trace", help="trace an expression or program and print graph and steps")
    p.add_argument("source", help="an expression such as 'x**3 - 3*x', or a program (use @file to read one)")
    p.add_argument("--input", action="append", default=[], metavar="NAME=VALUE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not wired yet."""
    raise SystemExit("trace: not implemented yet")
