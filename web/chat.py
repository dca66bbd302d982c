"""The chat page (works as a plain form without JavaScript) and the served snapshot."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from markupsafe import Markup, escape
from werkzeug.security import safe_join

from assistant.answer.fragments import with_fragment
from assistant.facets import TOPICS, TYPES, facet_counts
from assistant.models import Answer, AnswerSentence, Citation, Link
from assistant.records.gaps import find_gaps, to_csv, to_html
from assistant.text import whole_phrase

from . import settings_of
from .admin import is_admin
from .errors import ApiError
from .preview import annotate
from .service import (
    MAX_HISTORY,
    QueryResult,
    filters_from_args,
    index_or_none,
    json_body,
    printable,
    query_arg,
    record_feedback,
    replay,
    run_query,
)

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


@bp.app_template_filter("safe_url")
def safe_url(url: str) -> str:
    """Only http(s) and relative links are followed: a `javascript:` source path in a
    corpus must never become a link that runs."""
    scheme = urlsplit(url.strip()).scheme.lower()
    return url if scheme in ("", "http", "https") else "#"


@bp.app_template_filter("quote_url")
def quote_url(url: str, quoted: str) -> str:
    """A citation's link landing on this piece of the answer rather than the first."""
    return with_fragment(url, quoted)


@bp.app_template_filter("preview_data")
def preview_data(citation: Citation, quote: tuple[int, int] | None) -> Markup:
    """Attributes that let the chat script show the cited section beside the answer."""
    if quote is None:
        return Markup(' data-passage="{}"').format(citation.passage_id)
    return Markup(' data-passage="{}" data-start="{}" data-end="{}"').format(
        citation.passage_id, *quote
    )


@bp.app_template_filter("type_label")
def type_label(page_type: str) -> str:
    return TYPES.get(page_type, "")


@bp.app_template_filter("paragraphs")
def paragraphs(sentences: tuple[AnswerSentence, ...]) -> list[list[tuple[int, AnswerSentence]]]:
    """Consecutive sentences share a paragraph; a list or table stands alone."""
    groups: list[list[tuple[int, AnswerSentence]]] = []
    for i, s in enumerate(sentences):
        if s.kind == "sentence" and groups and groups[-1][-1][1].kind == "sentence":
            groups[-1].append((i, s))
        else:
            groups.append([(i, s)])
    return groups


@bp.app_template_filter("quoted")
def quoted(
    text: str, links: tuple[Link, ...] = (), span: tuple[int, int, int] | None = None
) -> Markup:
    """A quoted piece as HTML: its exact answer (a name, date or figure) marked, and the
    page's own links in it ("See the Kent pilot.") linked where it first says them."""
    marks: list[tuple[int, int, Markup, Markup]] = []
    if span:
        _, start, end = span
        marks.append((start, end, Markup('<mark class="answer-span">'), Markup("</mark>")))
    for link in links:
        found = whole_phrase(link.title).search(text)
        if found and not any(found.start() < b and a < found.end() for a, b, *_ in marks):
            tag = Markup('<a class="page-link" href="{}">').format(safe_url(link.url))
            marks.append((*found.span(), tag, Markup("</a>")))
    out, last = [], 0
    for start, end, opening, closing in sorted(marks):
        out += [escape(text[last:start]), opening, escape(text[start:end]), closing]
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


# Below this confidence an answer is offered as the nearest the guidance comes. On the
# parts decisions may look at (tuning, blind, first, blind-oos), 15% of the covered
# questions answered below it held every key fact, against 52% above, and 12 of the 21
# out-of-scope questions answered fell below it (BENCHMARKS.md, "Confidence").
LOW_CONFIDENCE = 0.3


@bp.app_template_filter("confidence_label")
def confidence_label(answer: Answer) -> str:
    """What the reader should make of the answer. No percentage: the confidence is
    calibrated on questions in the guidance's own words, and overstates how often
    answers to questions in people's own words hold what was asked (BENCHMARKS.md);
    it still tells the likely answers from the unlikely ones."""
    if answer.no_answer:
        return "Nothing quoted: the guidance does not answer this as asked."
    if answer.confidence < LOW_CONFIDENCE:
        return (
            "The guidance may not answer exactly what you asked: this is the nearest it "
            "comes. Check each source before relying on it."
        )
    return "Quoted from the guidance: check each source before relying on it."


@bp.get("/")
def page():
    """The chat without script: `q` is asked in conversation `c`, after the earlier
    questions `h`, which are shown again so the conversation stays on the page."""
    question = query_arg("q")
    turns, error = [], None
    filters = filters_from_args()
    if question is not None:
        conversation = request.args.get("c")
        try:
            turns = replay(request.args.getlist("h"), conversation or "", filters)
            turns.append(run_query(question, conversation_id=conversation, filters=filters))
        except ApiError as exc:
            error = exc.message
    return chat_page(turns, filters, error=error, question=printable(question or ""))


def chat_page(turns: list[QueryResult], filters: dict | None, **context) -> str:
    """The chat page with these turns; its forms carry them on (`c` and `h`), and the
    filters chosen."""
    history = [t.answer.question for t in turns][-MAX_HISTORY:]
    index = index_or_none()
    return render_template(
        "chat.html",
        turns=turns,
        history=history,
        conversation_id=turns[-1].conversation_id if turns else None,
        examples=EXAMPLES,
        facets=facet_counts(index.passages) if index is not None else None,
        chosen=filters or {},
        types=TYPES,
        topics=TOPICS,
        **{"error": None, "question": "", "rated": None, **context},
    )


@bp.post("/turn")
def turn():
    """One turn of the chat for the page's script: the answer rendered by the same
    template as the page, so there is one rendering of an answer for people."""
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", 'Send a JSON object such as {"question": "..."}.')
    result = run_query(
        body.get("question"),
        conversation_id=body.get("conversation_id"),
        filters=body.get("filters"),
    )
    html = render_template("answer.html", result=result)
    return Response(
        html,
        mimetype="text/html",
        headers={
            "X-Conversation-Id": result.conversation_id,
            "X-No-Answer": "1" if result.answer.no_answer else "0",
        },
    )


@bp.get("/favicon.ico")
def favicon():
    return current_app.send_static_file("favicon.svg")


@bp.post("/feedback")
def feedback():
    """The feedback form's target when JavaScript is off: the conversation again (its
    questions ride in the form), with the outcome in place of the form that was sent;
    the form's action names that answer, so the browser returns to it."""
    form = request.form
    answer_id = form.get("answer_id")
    try:
        record_feedback(answer_id, form.get("rating"), form.get("comment"))
        message = "Thank you: your feedback was recorded."
    except ApiError as exc:
        message = exc.message
    turns = []
    question = form.get("q")
    filters = filters_from_args(form)
    if question:
        try:
            turns = replay([*form.getlist("h"), question], form.get("c") or "", filters)
        except ApiError:
            turns = []
    if turns:
        turns[-1] = replace(turns[-1], answer_id=answer_id)
    return chat_page(turns, filters, rated={"answer_id": answer_id, "message": message})


@bp.get("/admin/report")
def report():
    """The unanswered-questions report, for holders of the admin token."""
    token = settings_of(current_app).admin_token
    logbook = current_app.extensions["ccp_logbook"]
    if not token or logbook is None:
        abort(404)
    if not is_admin():
        return Response(
            "Send the admin token as 'Authorization: Bearer ...'.",
            401,
            {"WWW-Authenticate": "Bearer"},
        )
    gaps = find_gaps(logbook.answers(), current_app.extensions["ccp_index_holder"].index)
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
    """Serve the local snapshot the index was built from, so citation links open; its
    pages mark the quoted sentence and lead back to the assistant."""
    folder = settings_of(current_app).site_dir  # resolved when the app was made
    if not folder:
        abort(404)
    if path.endswith("/"):
        path += "index.html"
    joined = safe_join(folder, path)
    if joined is None:
        abort(404)
    # A symbolic link may point anywhere (/etc/passwd, the repository's .git):
    # only what it resolves to inside the folder is served.
    target = Path(joined).resolve()
    if not target.is_relative_to(folder):
        abort(404)
    if target.suffix.lower() not in (".html", ".htm") or not target.is_file():
        return send_from_directory(folder, target.relative_to(folder).as_posix())
    page = annotate(
        target.read_bytes(),
        url_for("static", filename="site.css"),
        url_for("static", filename="site.js"),
        url_for("chat.page"),
    )
    return Response(page, mimetype="text/html")
