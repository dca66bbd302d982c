"""One error shape for the API: {"error": {"code": ..., "message": ...}} with a 4xx/5xx."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        response = error_response(exc.status, exc.code, exc.message)
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not _for_scripts():
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        message = exc.description or exc.name
        if exc.code == 429:  # the description is the bare limit ("60 per 1 minute")
            message = f"Too many questions at once (the limit is {message}): try again shortly."
        response = error_response(exc.code or 500, code, message)
        # The body is ours; the headers that go with the status are not (a 405's Allow).
        response.headers.extend(h for h in exc.get_headers() if h[0].lower() != "content-type")
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if _for_scripts():
            return error_response(500, "internal_error", "Something went wrong on our side.")
        return "Something went wrong on our side. Please try again.", 500


def _for_scripts() -> bool:
    """Errors are JSON where scripts call: the API, and the chat script's `/turn`, which
    shows the message (a 429's "try again in a minute") where the answer would be."""
    return request.path.startswith("/api/") or request.path == "/turn"
