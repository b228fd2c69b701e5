"""The ASGI app for uvicorn: `uvicorn autograd_explorer.api.main:app`."""

from autograd_explorer.api.app import create_app
from autograd_explorer.process_setup import configure_process

configure_process()
app = create_app()
