"""Serves the app's own static files (pages, modules, styles, fonts, images) and Plotly's bundle."""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path, PurePath

import plotly
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.routing import Match, Mount
from starlette.types import Scope

from autograd_explorer.api.explorer_page import ExplorerPage
from autograd_explorer.api.routes.examples import examples_as_sent

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

# What a page loads. Everything else in the folder (package.json, package-lock.json, LICENSE
# files, the JS tests, node_modules, dotfiles) is the repository's, not the app's: 404.
SERVED_SUFFIXES = frozenset(
    {".html", ".js", ".mjs", ".css", ".woff2", ".woff", ".ttf", ".png", ".jpg", ".jpeg", ".gif", ".svg"}
    | {".ico", ".webp", ".wasm"}
)
HIDDEN_FOLDERS = frozenset({"tests", "node_modules", "scripts"})
# Vendored for the browser tests only (they inject axe-core themselves); no page loads it.
TEST_ONLY_FOLDERS = frozenset({PurePath("vendor", "axe-core")})


def is_app_file(path: str) -> bool:
    """Whether a normalized path under the frontend folder is one the app serves ("." is the index)."""
    if path == ".":
        return True
    parts = PurePath(path).parts
    if not parts or parts[0] in HIDDEN_FOLDERS or any(part.startswith(".") for part in parts):
        return False
    if PurePath(*parts[:2]) in TEST_ONLY_FOLDERS:
        return False
    return PurePath(path).suffix.lower() in SERVED_SUFFIXES


# Text the browser downloads whole (the pages, their modules and styles; the vendored bundles).
COMPRESSED_SUFFIXES = frozenset({".html", ".js", ".mjs", ".css", ".svg"})


class AppFiles(StaticFiles):
    """StaticFiles that finds only the app's own files (every other path looks missing: 404) and
    sends text gzipped from memory.

    The GZip middleware compressed every download again: a first open of the explorer is 1.5 MB of
    vendor modules, a lab's Plotly bundle 1.5 MB (at the default gzip_level 1, 15 and 19 ms of CPU
    here), once per student of a class opening the page together. Each file version (path, mtime,
    size) is compressed once.
    """

    def __init__(self, *, directory: Path, html: bool, level: int, min_bytes: int) -> None:
        super().__init__(directory=directory, html=html)
        self.level = level
        self.min_bytes = min_bytes
        self._gzipped: dict[str, tuple[tuple[int, int], bytes]] = {}
        self._lock = threading.Lock()

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if not is_app_file(path):
            return "", None
        return super().lookup_path(path)

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        request = Headers(scope=scope)
        if (
            not isinstance(response, FileResponse)  # 304 Not Modified: no body to compress
            or scope["method"] != "GET"
            or "range" in request
            or "gzip" not in request.get("accept-encoding", "")
            or stat_result.st_size < self.min_bytes
            or PurePath(full_path).suffix.lower() not in COMPRESSED_SUFFIXES
        ):
            return response
        dropped = ("content-length", "content-type", "accept-ranges")  # the gzip body has its own length
        headers = {k: v for k, v in response.headers.items() if k not in dropped}
        headers.update({"content-encoding": "gzip", "vary": "Accept-Encoding"})
        body = self._gzip(str(full_path), stat_result)
        return Response(body, status_code, headers=headers, media_type=response.media_type)

    def _gzip(self, full_path: str, stat_result: os.stat_result) -> bytes:
        version = (stat_result.st_mtime_ns, stat_result.st_size)
        with self._lock:
            kept = self._gzipped.get(full_path)
        if kept is not None and kept[0] == version:
            return kept[1]
        with open(full_path, "rb") as file:
            body = gzip.compress(file.read(), self.level, mtime=0)
        with self._lock:
            self._gzipped[full_path] = (version, body)
        return body


class FrontendMount(Mount):
    """The frontend at `/`, except under /api/: there a wrong method is the API route's 405 (with its
    Allow header) and an unknown path the API's 404, not the static folder's "GET, HEAD"."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if str(scope.get("path", "")).startswith("/api/"):
            return Match.NONE, {}
        return super().matches(scope)


def mount_frontend(app: FastAPI, frontend_dir: Path, *, gzip_level: int, gzip_min_bytes: int) -> None:
    """Mount `frontend_dir` at `/` (StaticFiles refuses paths outside it) and Plotly at /vendor."""

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    index = frontend_dir / "index.html"
    if index.is_file():  # the explorer's page, with the examples menu in it (explorer_page.py)
        page = ExplorerPage(index, examples_as_sent())

        @app.get("/", include_in_schema=False)
        @app.get("/index.html", include_in_schema=False)
        def explorer_page() -> Response:
            return Response(page.body(), media_type="text/html", headers={"cache-control": "no-cache"})

    if frontend_dir.is_dir():
        app.router.routes.append(
            FrontendMount(
                "/",
                AppFiles(directory=frontend_dir, html=True, level=gzip_level, min_bytes=gzip_min_bytes),
                name="frontend",
            )
        )
