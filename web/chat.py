"""The chat page (works as a plain form without JavaScript) and the served snapshot."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
)
from markupsafe import Markup, escape

from assistant.records.gaps import find_gaps, to_csv, to_html

from .admin import is_admin
from .errors import ApiError
from .service import record_feedback, run_query

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
        "chat.html",
        result=result,
        error=error,
        question=question or "",
        examples=EXAMPLES,
        notice=None,
    )


@bp.get("/favicon.ico")
def favicon():
    return current_app.send_static_file("favicon.svg")


@bp.post("/feedback")
def feedback():
    """The feedback form's target when JavaScript is off."""
    form = request.form
    try:
        record_feedback(form.get("answer_id"), form.get("rating"), form.get("comment"))
        message = "Thank you: your feedback was recorded."
    except ApiError as exc:
        message = exc.message
    return render_template(
        "chat.html", result=None, error=None, question="", examples=EXAMPLES, notice=message
    )


@bp.get("/admin/report")
def report():
    """The unanswered-questions report, for holders of the admin token."""
    token = current_app.config["ADMIN_TOKEN"]
    logbook = current_app.extensions["ccp_logbook"]
    if not token or logbook is None:
        abort(404)
    if not is_admin():
        return Response(
            "Send the admin token as 'Authorization: Bearer ...'.",
            401,
            {"WWW-Authenticate": "Bearer"},
        )
    gaps = find_gaps(logbook.answers(), current_app.extensions["ccp_index"].index)
    if request.args.get("format") == "csv":
        return Response(
            to_csv(gaps),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=unanswered.csv"},
        )
    return Response(to_html(gaps), mimetype="text/html")


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
