"""Serves the static frontend and plotly.min.js from the plotly package."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def mount_frontend(app: FastAPI, frontend_dir: Path) -> None:
    """Mount `frontend_dir` at `/` (StaticFiles refuses paths outside it) and Plotly at /vendor."""

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    if frontend_dir.is_dir():
        app.mount("/", StaticFiles(directory=frontend_dir, html=True), name="frontend")
