"""The JSON API: questions, feedback, health and the OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from assistant.facets import TOPICS, TYPES, facet_counts

from .errors import ApiError
from .openapi import OPENAPI
from .service import (
    filters_from_args,
    index_or_503,
    index_or_none,
    json_body,
    query_arg,
    record_feedback,
    run_query,
)

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.post("/query")
def query():
    body = json_body()
    if body is None:
        raise ApiError(
            400,
            "invalid_json",
            'Send a JSON object such as {"question": "..."} with Content-Type: application/json.',
        )
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", 'The body must be a JSON object: {"question": "..."}.')
    result = run_query(
        body.get("question"), body.get("top_k"), body.get("conversation_id"), body.get("filters")
    )
    return jsonify(result.to_json())


@bp.get("/query")
def query_get():
    """The same as POST, for callers that can only make links: ?q=...&top_k=...
    (&type=...&topic=..., each as often as needed)."""
    top_k = request.args.get("top_k")
    if top_k is not None and top_k.isascii() and top_k.isdigit():  # "²" is a digit too
        top_k = int(top_k)
    result = run_query(
        query_arg("q"), top_k, request.args.get("conversation_id"), filters_from_args()
    )
    return jsonify(result.to_json())


@bp.post("/feedback")
def feedback():
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(
            400, "invalid_json", 'Send a JSON object: {"answer_id": ..., "rating": "up"}.'
        )
    record_feedback(body.get("answer_id"), body.get("rating"), body.get("comment"))
    return jsonify({"status": "recorded"}), 201


@bp.get("/facets")
def facets():
    """The content types and topics answers can be filtered by, with their page counts."""
    counts = facet_counts(index_or_503().passages)
    return jsonify(
        {
            "types": [
                {"value": t, "label": label, "pages": counts["types"][t]}
                for t, label in TYPES.items()
            ],
            "topics": [{"value": t, "pages": counts["topics"][t]} for t in TOPICS],
        }
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


@bp.get("/health")
def health():
    holder = current_app.extensions["ccp_index_holder"]
    index = index_or_none()
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
    logbook = current_app.extensions["ccp_logbook"]
    faults = [f for f in (holder.error, index.vector_error) if f]
    faults += logbook.faults() if logbook else []
    body = {
        "status": "degraded" if faults else "ok",
        "index_version": index.version,
        "pages": index.manifest["pages"],
        "passages": len(index.passages),
    }
    if faults:  # still answering, but an operator should look
        body["faults"] = faults
    return jsonify(body)
