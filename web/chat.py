"""The chat page (works as a plain form without JavaScript) and the served snapshot."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory
from markupsafe import Markup, escape

from .errors import ApiError
from .service import run_query

bp = Blueprint("chat", __name__)

EXAMPLES = (
    "What was the Cultural Commissioning Programme?",
    "How did Kent County Council bring arts into its mental health service?",
    "What is the difference between a grant and a contract?",
    "How can a small arts organisation find local tenders?",
)


@bp.app_template_filter("highlight")
def highlight(snippet: str, spans) -> Markup:
    """Escape a snippet and mark the question's words in it."""
    out, last = [], 0
    for start, end in spans:
        out += [
            escape(snippet[last:start]),
            Markup("<mark>"),
            escape(snippet[start:end]),
            Markup("</mark>"),
        ]
        last = end
    out.append(escape(snippet[last:]))
    return Markup("").join(out)


@bp.get("/")
def page():
    question = request.args.get("q")
    result = error = None
    if question is not None:
        try:
            result = run_query(question, conversation_id=request.args.get("c"))
        except ApiError as exc:
            error = exc.message
    return render_template(
        "chat.html", result=result, error=error, question=question or "", examples=EXAMPLES
    )


@bp.get("/favicon.ico")
def favicon():
    return current_app.send_static_file("favicon.svg")


@bp.get("/site/", defaults={"path": "index.html"})
@bp.get("/site/<path:path>")
def site(path: str):
    """Serve the local snapshot the index was built from, so citation links open."""
    folder = current_app.config["SITE_DIR"]
    if not folder:
        abort(404)
    if path.endswith("/"):
        path += "index.html"
    return send_from_directory(folder, path)
