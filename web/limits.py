"""Cross-origin access and per-client rate limits for the API.

The limiter counts requests per client in this process's memory, or with
CCP_RATE_LIMIT_STORAGE=redis://... in Redis, so that every worker and machine counts
against one limit; over the limit a client gets 429 with Retry-After. A client is known
by its address, or with CCP_TRUSTED_PROXIES set by the address its proxies saw
(X-Forwarded-For), and only ever kept or logged as a keyed hash of it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

from flask import Flask, request
from flask_cors import CORS
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from . import settings_of

# One budget per client for each kind of work, however it is asked for: a client
# that has used its questions on the API cannot go on asking through the chat page.
SHARED = {
    "questions": ("api.query", "api.query_get", "chat.page", "chat.turn"),
    "feedback": ("api.feedback", "chat.feedback"),
}
# New each time the server starts: a logged key cannot be turned back into an address.
_KEY = os.urandom(16)


def client_key_with(key: bytes) -> Callable[[], str]:
    """The client as the limiter counts it, and as Flask-Limiter logs it on each 429:
    a hash of its address keyed with `key`, so no address is kept or logged."""

    def client_key() -> str:
        address = (request.remote_addr or "").encode()
        return hashlib.blake2b(address, key=key, digest_size=8).hexdigest()

    return client_key


client_key = client_key_with(_KEY)


def register(app: Flask) -> None:
    """Apply proxies, CORS and rate limits; call after the blueprints are registered."""
    settings = settings_of(app)
    proxies = settings.trusted_proxies
    if proxies:  # otherwise X-Forwarded-For is anyone's to write, and never believed
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        # /turn too: the embeddable widget (/widget.js) shows answers as the chat does.
        CORS(
            app,
            resources={r"/api/*": {"origins": origins}, "/turn": {"origins": origins}},
            expose_headers=["X-Index-Version", "Retry-After", "X-Conversation-Id", "X-No-Answer"],
        )
    rate = settings.rate_limit
    if not rate:
        return
    storage = settings.rate_limit_storage or "memory://"
    key = client_key
    if not storage.startswith("memory://"):
        # Counts shared in Redis need the same client key on every machine.
        secret = settings.secret_key.encode()
        key = client_key_with(
            hashlib.blake2b(secret, person=b"ccp-limits", digest_size=16).digest()
        )
    limiter = Limiter(key, app=app, storage_uri=storage, headers_enabled=True)
    for scope, endpoints in SHARED.items():
        shared = limiter.shared_limit(rate, scope=scope)
        for endpoint in endpoints:
            app.view_functions[endpoint] = shared(app.view_functions[endpoint])
    app.extensions["ccp_limiter"] = limiter
