"""`python -m autograd_explorer.healthcheck`: exit 0 when the local server answers /api/health.

The container's HEALTHCHECK runs this; the slim image has no curl, and Python is there anyway.
"""

from __future__ import annotations

import sys
import urllib.request

from autograd_explorer.settings import Settings


def main() -> int:
    """Probe the server this container runs (port from the same settings the server reads)."""
    url = f"http://127.0.0.1:{Settings().port}/api/health"
    try:
        with urllib.request.urlopen(url, timeout=4) as answer:
            return 0 if answer.status == 200 else 1
    except OSError as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
