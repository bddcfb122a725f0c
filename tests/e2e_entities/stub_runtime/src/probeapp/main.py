"""The FastAPI app."""

import importlib
import importlib.util

from fastapi import FastAPI

from probeapp.core.errors import install_error_handlers


def create_app() -> FastAPI:
    app = FastAPI(title="probeapp")
    install_error_handlers(app)
    if importlib.util.find_spec("probeapp.entities.registry") is not None:
        registry = importlib.import_module("probeapp.entities.registry")
        for router in registry.routers:
            app.include_router(router)
    return app


app = create_app()
