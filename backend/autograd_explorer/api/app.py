"""Builds the FastAPI app: routers, error handlers, static frontend. Nothing else lives here."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from autograd_explorer import __version__
from autograd_explorer.api.errors import install_error_handlers
from autograd_explorer.api.responses import SafeJSONResponse
from autograd_explorer.api.routes import health
from autograd_explorer.api.static import mount_frontend
from autograd_explorer.settings import Settings, get_settings

REPO_FRONTEND = Path(__file__).resolve().parents[3] / "frontend"


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app, configured from `settings` (default: the environment)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Autograd Explorer",
        version=__version__,
        description="PyTorch's autograd made visible: real graphs, values and the backward pass.",
        default_response_class=SafeJSONResponse,
    )
    app.state.settings = settings
    app.dependency_overrides[get_settings] = lambda: settings
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )
    install_error_handlers(app)
    # Routers: one per resource. Add yours here.
    app.include_router(health.router)
    mount_frontend(app, settings.frontend_dir or REPO_FRONTEND)
    return app
