"""The explorer's frontend files, wherever this package is: inside the wheel, or the repo's frontend/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


@cache
def frontend_dir() -> Path:
    """`autograd_explorer/frontend` in an installed wheel, else the repository's `frontend/`."""
    for candidate in (_PACKAGE / "frontend", _PACKAGE.parents[1] / "frontend"):
        if (candidate / "viewer.html").is_file():
            return candidate
    raise FileNotFoundError("the explorer's frontend files are missing from this installation")


def read_asset(url_path: str) -> str:
    """A frontend file by its URL path on the web app (`/js/explorer/viewer.js`)."""
    root = frontend_dir()
    path = (root / url_path.lstrip("/")).resolve()
    if root.resolve() not in path.parents:
        raise ValueError(f"{url_path} is outside the frontend folder")
    return path.read_text(encoding="utf-8")


def read_binary(url_path: str) -> bytes:
    root = frontend_dir()
    path = (root / url_path.lstrip("/")).resolve()
    if root.resolve() not in path.parents:
        raise ValueError(f"{url_path} is outside the frontend folder")
    return path.read_bytes()
