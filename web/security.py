"""Headers on every response: security policy, and the index version that answered."""

from __future__ import annotations

from flask import Flask, g

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


def register(app: Flask) -> None:
    @app.after_request
    def headers(response):
        # Added unless a view set its own; one pass over the headers, not one a name.
        present = {name.lower() for name, _ in response.headers}
        response.headers.extend((n, v) for n, v in HEADERS if n.lower() not in present)
        if "index_version" in g:  # which index answered, for callers and for debugging
            response.headers["X-Index-Version"] = g.index_version
        return response
