"""`python -m autograd_explorer.healthcheck [ready|live]`: exit 0 when the local server passes the probe.

- `ready` (the default; the container's HEALTHCHECK): GET /api/ready, 200 once the evaluation
  workers have answered and the training job runner answers. Until then 503: traffic should wait.
- `live`: GET /api/health, 200 as soon as the process serves HTTP (restart it when this fails).

The slim image has no curl, and Python is there anyway.
"""

from __future__ import annotations

import sys
import urllib.request
from collections.abc import Sequence

from autograd_explorer.settings import Settings

PROBES = {"ready": "/api/ready", "live": "/api/health"}


def main(argv: Sequence[str] = ()) -> int:
    """Probe the server this container runs (port from the same settings the server reads)."""
    if len(argv) > 1 or (argv and argv[0] not in PROBES):
        print(f"usage: python -m autograd_explorer.healthcheck [{'|'.join(PROBES)}]", file=sys.stderr)
        return 2
    probe = argv[0] if argv else "ready"
    url = f"http://127.0.0.1:{Settings().port}{PROBES[probe]}"
    try:
        with urllib.request.urlopen(url, timeout=4) as answer:
            return 0 if answer.status == 200 else 1
    except OSError as exc:  # refused, timed out, or an HTTP error status (503 while starting)
        print(f"unhealthy ({probe}): {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
