"""Cross-origin access and per-client rate limits for the API.

The limiter counts requests per client address in memory only (nothing is written
anywhere); over the limit a client gets 429 with Retry-After.
"""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Endpoints that do real work for each request: questions and feedback.
LIMITED = (
    "api.query",
    "api.query_get",
    "api.feedback",
    "chat.page",
    "chat.turn",
    "chat.feedback",
)


def register(app: Flask) -> None:
    """Apply CORS and rate limits; call after the blueprints are registered."""
    origins = [o.strip() for o in app.config["CORS_ORIGINS"].split(",") if o.strip()]
    if origins:
        CORS(
            app,
            resources={r"/api/*": {"origins": origins}},
            expose_headers=["X-Index-Version", "Retry-After"],
        )
    rate = app.config["RATE_LIMIT"]
    if not rate:
        return
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", headers_enabled=True)
    for endpoint in LIMITED:
        app.view_functions[endpoint] = limiter.limit(rate)(app.view_functions[endpoint])
    app.extensions["ccp_limiter"] = limiter
