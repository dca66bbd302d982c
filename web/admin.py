"""Admin API for editors: start an update and watch it. Off unless CCP_ADMIN_TOKEN is set."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request

from . import settings_of
from .errors import ApiError

bp = Blueprint("admin", __name__, url_prefix="/api/admin")


def is_admin() -> bool:
    """True when the request carries the admin token (compared in constant time)."""
    token = settings_of(current_app).admin_token
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@bp.before_request
def require_token():
    if not settings_of(current_app).admin_token:
        raise ApiError(404, "not_found", "The admin API is off: no admin token is set.")
    if not is_admin():
        raise ApiError(401, "unauthorized", "Send the admin token as 'Authorization: Bearer ...'.")


@bp.post("/reindex")
def reindex():
    reindexer = current_app.extensions["ccp_reindexer"]
    if not reindexer.start():
        raise ApiError(409, "build_running", "An update is already running; see /api/admin/status.")
    return jsonify({"status": "started", **reindexer.status()}), 202


@bp.get("/status")
def status():
    holder = current_app.extensions["ccp_index_holder"]
    index = holder.index
    return jsonify(
        {
            "index_version": index.version if index else None,
            "index_error": holder.error,
            **current_app.extensions["ccp_reindexer"].status(),
        }
    )
