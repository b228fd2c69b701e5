"""Builds the FastAPI app: routers, error handlers, static frontend. Nothing else lives here."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from autograd_explorer import __version__
from autograd_explorer.api.errors import install_error_handlers
from autograd_explorer.api.evaluation import install_evaluator
from autograd_explorer.api.middleware import install_middleware
from autograd_explorer.api.openapi import install_openapi
from autograd_explorer.api.readiness import serving_lifespan
from autograd_explorer.api.responses import SafeJSONResponse
from autograd_explorer.api.routes import examples as examples_routes
from autograd_explorer.api.routes import health
from autograd_explorer.api.routes import language as language_routes
from autograd_explorer.api.routes import least_squares as least_squares_routes
from autograd_explorer.api.routes import models as models_routes
from autograd_explorer.api.routes import regression as regression_routes
from autograd_explorer.api.routes import rooms as rooms_routes
from autograd_explorer.api.routes import surface as surface_routes
from autograd_explorer.api.routes import trace as trace_routes
from autograd_explorer.api.routes import trajectory as trajectory_routes
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
        lifespan=serving_lifespan,
        # operationIds are the route functions' names (trace, train_model, get_model…): what a
        # generated client calls its functions.
        generate_unique_id_function=lambda route: (
            route.name
        ),  # issue 5: the training job runner; issue 9: readiness
    )
    app.state.settings = settings
    app.dependency_overrides[get_settings] = lambda: settings
    install_middleware(app, settings)
    install_evaluator(app, settings)  # issue 6: programs run in isolated workers
    install_error_handlers(app)
    # Routers: one per resource. Add yours here.
    routers = [
        health.router,
        trace_routes.router,  # issue 2: the trace engine
        examples_routes.router,
        language_routes.router,
        *(lab.router for lab in (trajectory_routes, surface_routes, regression_routes, least_squares_routes)),
        models_routes.router,  # issue 5: the models lab
        rooms_routes.router,  # issue 15: follow mode
    ]
    for router in routers:
        app.include_router(router)
    # What a 405's Allow header lists: every method of every route at the path (api/errors.py).
    app.state.api_routes = [route for router in routers for route in router.routes]
    install_openapi(app, settings)
    mount_frontend(
        app,
        settings.frontend_dir or REPO_FRONTEND,
        gzip_level=settings.gzip_level,
        gzip_min_bytes=settings.gzip_min_bytes,
    )
    return app
