"""Serves the app's own static files (pages, modules, styles, fonts, images) and Plotly's bundle."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

import plotly
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match, Mount
from starlette.types import Scope

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


class AppFiles(StaticFiles):
    """StaticFiles that finds only the app's own files; every other path looks missing (404)."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if not is_app_file(path):
            return "", None
        return super().lookup_path(path)


class FrontendMount(Mount):
    """The frontend at `/`, except under /api/: there a wrong method is the API route's 405 (with its
    Allow header) and an unknown path the API's 404, not the static folder's "GET, HEAD"."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if str(scope.get("path", "")).startswith("/api/"):
            return Match.NONE, {}
        return super().matches(scope)


def mount_frontend(app: FastAPI, frontend_dir: Path) -> None:
    """Mount `frontend_dir` at `/` (StaticFiles refuses paths outside it) and Plotly at /vendor."""

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    if frontend_dir.is_dir():
        app.router.routes.append(
            FrontendMount("/", AppFiles(directory=frontend_dir, html=True), name="frontend")
        )
