"""`autograd-explorer download-mnist`: fetch MNIST's four gzip files into the MNIST folder.

From the setting `mnist_url` (the published mirror by default, or a local one where the class
network has no way out); each file is kept only if its content matches MNIST's published MD5.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from autograd_explorer.errors import DataUnavailable


def _download(args: argparse.Namespace) -> int:
    from autograd_explorer.settings import get_settings
    from autograd_explorer.train.mnist import download_mnist

    settings = get_settings()
    directory: Path = args.dir or settings.mnist_dir or settings.data_dir / "mnist"
    url: str = args.url or settings.mnist_url
    if not url.endswith("/"):
        url += "/"
    try:
        saved = download_mnist(directory, url)
    except (OSError, DataUnavailable) as exc:
        print(f"MNIST download from {url} failed: {exc}")
        return 1
    print(f"MNIST: {len(saved)} files in {directory} (from {url})")
    return 0


def register(sub: Any) -> None:
    """Add the `download-mnist` sub-command."""
    p = sub.add_parser("download-mnist", help="fetch the four MNIST files (checked by MD5) into mnist_dir")
    p.add_argument("--url", default=None, help="a mirror's folder URL (default: the setting mnist_url)")
    p.add_argument("--dir", type=Path, default=None, help="target (default: mnist_dir, else data_dir/mnist)")
    p.set_defaults(func=_download, server=True)  # the app's settings
