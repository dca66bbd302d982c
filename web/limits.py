"""Cross-origin access and per-client rate limits for the API.

Requests are counted per client with the `limits` library (fixed windows), in this
process's memory, or with CCP_RATE_LIMIT_STORAGE=redis://... in Redis, so that every
worker and machine counts against one limit; over the limit a client gets 429 with
Retry-After. A client is known by its address, or with CCP_TRUSTED_PROXIES set by the
address its proxies saw (X-Forwarded-For), and only ever kept or logged as a keyed hash
of it.

Why not Flask-Limiter, which we used before: it checked every request twice (once before
any view, once in the limited view) and added headers after, about 0.2 ms a question,
40% of serving an answer already kept (web/answers.py). Only the limited views need a
check, and `limits` is what Flask-Limiter itself counts with.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import os
import time
from collections.abc import Callable

from flask import Flask, request
from flask_cors import CORS
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix

from . import settings_of

log = logging.getLogger(__name__)

# One budget per client for each kind of work, however it is asked for: a client
# that has used its questions on the API cannot go on asking through the chat page.
SHARED = {
    "questions": ("api.query", "api.query_get", "chat.page", "chat.turn"),
    "feedback": ("api.feedback", "chat.feedback"),
}
# New each time the server starts: a logged key cannot be turned back into an address.
_KEY = os.urandom(16)


def client_key_with(key: bytes) -> Callable[[], str]:
    """The client as the limiter counts it, and as it is logged on each 429:
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
    try:
        items = parse_many(rate)
        counter = FixedWindowRateLimiter(storage_from_string(storage))
    except ValueError as exc:  # the limits library's own words, named for the reader
        raise ValueError(f"CCP_RATE_LIMIT or CCP_RATE_LIMIT_STORAGE: {exc}") from None
    for scope, endpoints in SHARED.items():
        for endpoint in endpoints:
            view = app.view_functions[endpoint]
            app.view_functions[endpoint] = _limited(view, counter, items, scope, key)


def _limited(view, counter: FixedWindowRateLimiter, items: list[RateLimitItem], scope, key):
    """`view`, counted against the client's budget for `scope`; over it, 429. When the
    count cannot be kept (Redis unreachable) the question is answered, and logged: a
    limit is there to protect the service, not to take it down with its store."""

    @functools.wraps(view)
    def limited(*args, **kwargs):
        client = key()
        for item in items:
            try:
                allowed = counter.hit(item, scope, client)
            except Exception as exc:  # the storage's own errors (redis, connection) vary
                log.warning("rate limit not counted, its storage failed: %s", exc)
                break
            if not allowed:
                log.info("rate limit %s exceeded for client %s on %s", item, client, scope)
                reset = counter.get_window_stats(item, scope, client).reset_time
                raise TooManyRequests(str(item), retry_after=max(1, math.ceil(reset - time.time())))
        return view(*args, **kwargs)

    return limited
