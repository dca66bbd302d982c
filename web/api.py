"""The JSON API: POST /api/query and GET /api/health."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from .errors import ApiError
from .service import run_query

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.post("/query")
def query():
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(
            400,
            "invalid_json",
            'Send a JSON object such as {"question": "..."} with Content-Type: application/json.',
        )
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", 'The body must be a JSON object: {"question": "..."}.')
    result = run_query(body.get("question"), body.get("top_k"), body.get("conversation_id"))
    return jsonify(result.to_json())


@bp.get("/health")
def health():
    holder = current_app.extensions["ccp_index"]
    index = holder.get()
    if index is not None:
        g.index_version = index.version
    if index is None:
        return jsonify(
            {
                "status": "unavailable",
                "error": holder.error or "no index loaded",
                "index_version": None,
                "pages": 0,
                "passages": 0,
            }
        ), 503
    return jsonify(
        {
            "status": "ok",
            "index_version": index.version,
            "pages": index.manifest["pages"],
            "passages": len(index.passages),
        }
    )
