"""The one path from a question to a rendered-ready result, shared by the chat page
and the API so the two cannot drift."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

from flask import current_app, g, request
from werkzeug.datastructures import MultiDict

from assistant import Answer, SearchIndex, answer
from assistant.answer.suggest import Ask, did_you_mean, suggestions
from assistant.facets import TOPICS, TYPES, Filters
from assistant.records.logbook import RETRY_MAX, Feedback
from assistant.settings import DECLARED

from . import settings_of
from .conversations import CONVERSATION_PATTERN
from .errors import ApiError

# Conversation and answer ids (the OpenAPI description gives the same pattern).
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
CONVERSATION_ID = re.compile(ID_PATTERN)
CONVERSATION_TOKEN = re.compile(CONVERSATION_PATTERN)
# Lone surrogates: the only characters a str can hold that UTF-8 cannot encode. JSON can
# carry them ("\ud800"), and nothing downstream (the tokenizer, SQLite, the response)
# can take them.
SURROGATES = re.compile("[\ud800-\udfff]")
NOT_TEXT = (
    "holds something that is not text (a lone surrogate such as \\ud800, or bytes that are "
    "not UTF-8): send it as UTF-8 text."
)


@dataclass(frozen=True)
class QueryResult:
    answer: Answer
    conversation_id: str
    index_version: str
    took_ms: float
    answer_id: str | None = None  # for feedback; None when this answer is not recorded

    def to_json(self) -> dict:
        return {
            "question": self.answer.question,
            **self.answer.to_json(),
            "answer_id": self.answer_id,
            "conversation_id": self.conversation_id,
            "index_version": self.index_version,
            "took_ms": round(self.took_ms, 2),
        }


def json_body() -> object:
    """The request's JSON, or None when it is not JSON. JSON nested deeper than the
    parser goes ("[" * 30000) raises RecursionError, which get_json(silent=True) lets
    through as a 500: not JSON either, for us."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def index_or_none() -> SearchIndex | None:
    """The index now serving, or None if there is none; its version is noted for the
    response headers. A request calls this once and keeps the index, so it sees a single
    version even if a new one becomes current meanwhile."""
    index = current_app.extensions["ccp_index_holder"].get()
    if index is not None:
        g.index_version = index.version
    return index


def index_or_503() -> SearchIndex:
    """As `index_or_none`, for a request that cannot go on without one: an API error
    (503) when there is none."""
    index = index_or_none()
    if index is None:
        raise ApiError(
            503,
            "index_unavailable",
            "The assistant has no index to answer from yet; an editor needs to build it.",
        )
    return index


def check_question(value: object) -> str:
    limit = settings_of(current_app).max_question_chars
    if value is None:
        raise ApiError(400, "missing_question", 'Send a "question" field with your question.')
    if not isinstance(value, str):
        raise ApiError(400, "invalid_question", '"question" must be a string.')
    if not value.strip():
        raise ApiError(400, "empty_question", '"question" is empty: type a question.')
    if SURROGATES.search(value):
        raise ApiError(400, "invalid_question", f'"question" {NOT_TEXT}')
    if len(value) > limit:
        raise ApiError(
            400,
            "question_too_long",
            f'"question" has {len(value)} characters; the limit is {limit}.',
        )
    return value.strip()


def query_arg(name: str) -> str | None:
    """A query-string argument, or None. Unlike request.args, which quotes bytes that
    are not UTF-8 back into the text (so "%ED%A0%80", a lone surrogate, is asked as
    those nine characters), this decodes them to lone surrogates, which the checks
    refuse."""
    raw = request.query_string.decode("latin-1")  # bytes as they came, one char each
    for key, value in parse_qsl(raw, keep_blank_values=True, encoding="latin-1"):
        if key == name:
            return value.encode("latin-1").decode("utf-8", "surrogateescape")
    return None


def printable(text: str) -> str:
    """The text with any lone surrogate replaced, so that it can be shown back."""
    return SURROGATES.sub("\ufffd", text)


def check_top_k(value: object) -> int:
    if value is None:
        return settings_of(current_app).top_k
    low, high = DECLARED["top_k"].low, DECLARED["top_k"].high
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(
            400, "invalid_top_k", f'"top_k" must be a whole number from {low} to {high}.'
        )
    return value


def check_conversation_id(value: object) -> str:
    if value is None:
        return uuid.uuid4().hex
    if not isinstance(value, str) or not CONVERSATION_TOKEN.match(value):
        raise ApiError(
            400,
            "invalid_conversation_id",
            '"conversation_id" must be 1-4096 letters, digits, "-" or "_".',
        )
    return value


def check_filters(value: object) -> Filters | None:
    """`{"type": [...], "topic": [...]}`; an unknown key or value names the allowed ones."""
    if value is None:
        return None
    allowed = {"type": TYPES, "topic": TOPICS}
    if not isinstance(value, dict) or set(value) - set(allowed):
        raise ApiError(
            400,
            "invalid_filters",
            '"filters" must be an object with "type" and/or "topic" lists, '
            'such as {"type": ["case-study"], "topic": ["health"]}.',
        )
    chosen = {}
    for key, known in allowed.items():
        values = value.get(key, [])
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ApiError(400, "invalid_filters", f'"filters.{key}" must be a list of strings.')
        unknown = [v for v in values if v not in known]
        if unknown:
            raise ApiError(
                400,
                "invalid_filters",
                f"Unknown {key} {', '.join(map(repr, unknown))}: "
                f"the allowed ones are {', '.join(known)}.",
            )
        chosen[key] = frozenset(values)
    filters = Filters(chosen["type"], chosen["topic"])
    return filters or None


def filters_from_args(args: MultiDict | None = None) -> dict | None:
    """Filters given as repeated `type` and `topic` arguments (a link or a plain form)."""
    args = request.args if args is None else args
    chosen = {key: args.getlist(key) for key in ("type", "topic") if args.getlist(key)}
    return chosen or None


def run_query(
    question: object,
    top_k: object = None,
    conversation_id: object = None,
    filters: object = None,
) -> QueryResult:
    """Validate the inputs, answer the question and time it."""
    question = check_question(question)
    top_k = check_top_k(top_k)
    filters = check_filters(filters)
    new_conversation = conversation_id is None
    conversation_id = check_conversation_id(conversation_id)
    index = index_or_503()
    conversations = current_app.extensions["ccp_conversations"]
    started = time.perf_counter()
    previous, said = ([], ()) if new_conversation else conversations.read(conversation_id)
    options = answer_options(top_k, filters)
    result = answered(question, index, previous, options, said)
    took = (time.perf_counter() - started) * 1000
    # The conversation's next id: a token carrying this answer's subject too, and what
    # it quoted.
    conversation_id = conversations.add(conversation_id, result.subject, previous, result.said)
    logbook = current_app.extensions["ccp_logbook"]
    answer_id = logbook.record_answer(result, index.version) if logbook else None
    return QueryResult(result, conversation_id, index.version, took, answer_id)


def answer_options(top_k: int, filters: Filters | None = None) -> dict:
    """The settings every answer on this server is given, and the asker's filters."""
    settings = settings_of(current_app)
    return {
        "top_k": top_k,
        "filters": filters,
        "max_sentences": settings.answer_sentences,
        "max_passages": settings.answer_passages,
        "min_coverage": settings.min_coverage,
        "min_confidence": settings.min_confidence,
        "base_url": settings.base_url,
    }


def asker(index: SearchIndex, options: dict) -> tuple[Ask, tuple]:
    """How offered questions are answered before they are offered: as asked, with the
    same settings (and a key for the answers kept)."""

    def ask(question: str, previous: list[str]) -> Answer:
        return answer(question, index, previous=previous, **options)

    return ask, tuple(sorted(options.items()))


def answered(
    question: str,
    index: SearchIndex,
    previous: list[str],
    options: dict,
    said: tuple[str, ...] = (),
) -> Answer:
    """The question's answer with its ways on, after the conversation's `previous`
    subjects and the sentences its last answer quoted (`said`): kept and served again
    for the same question, subjects, sentences and options on the same index version
    (web/answers.py), everything that shapes the answer."""
    key = (question, tuple(previous), tuple(said), tuple(sorted(options.items())))
    return current_app.extensions["ccp_answers"].get(
        index.version,
        key,
        lambda: with_ways_on(
            answer(question, index, previous=previous, said=said, **options), index, options
        ),
    )


def with_ways_on(result: Answer, index: SearchIndex, options: dict) -> Answer:
    """The answer with the questions it offers next (see assistant/answer/suggest.py)."""
    ask, key = asker(index, options)
    if result.no_answer:
        result = replace(result, did_you_mean=did_you_mean(result, index, ask, key))
    return replace(result, suggestions=suggestions(result, index, ask, key))


# Earlier turns a page without script shows again (their questions ride in its links).
MAX_HISTORY = 5


def replay(
    questions: list[str], conversation_id: str = "", filters: object = None
) -> list[QueryResult]:
    """The earlier turns of a conversation held by a page without script, answered
    again in order (as follow-ups where they were) and not recorded a second time."""
    index = index_or_503()
    options = answer_options(settings_of(current_app).top_k, check_filters(filters))
    previous: list[str] = []
    said: tuple[str, ...] = ()
    turns = []
    for question in questions[-MAX_HISTORY:]:
        try:
            question = check_question(question)
        except ApiError:
            continue
        result = answered(question, index, previous, options, said)
        # a follow-up is read with the subject just before, and what was quoted for it
        previous, said = [result.subject], result.said
        turns.append(QueryResult(result, conversation_id, index.version, 0.0))
    return turns


RATINGS = {"up": 1, "down": -1}
MAX_COMMENT_CHARS = 1000
# When to try feedback again that could not be stored: a write the log's file would not
# take is tried again at least this often.
FEEDBACK_RETRY_AFTER = str(round(RETRY_MAX))


def record_feedback(answer_id: object, rating: object, comment: object = None) -> None:
    """Validate and store a thumbs up or down, with an optional comment."""
    if not isinstance(answer_id, str) or not CONVERSATION_ID.match(answer_id):
        raise ApiError(400, "invalid_answer_id", '"answer_id" must be the id an answer gave.')
    if not isinstance(rating, str) or rating not in RATINGS:  # a list is unhashable
        raise ApiError(400, "invalid_rating", '"rating" must be "up" or "down".')
    if comment is None:
        comment = ""
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS:
        raise ApiError(
            400,
            "invalid_comment",
            f'"comment" must be text of at most {MAX_COMMENT_CHARS} characters.',
        )
    if SURROGATES.search(comment):
        raise ApiError(400, "invalid_comment", f'"comment" {NOT_TEXT}')
    logbook = current_app.extensions["ccp_logbook"]
    if logbook is None:
        raise ApiError(404, "feedback_off", "Feedback is not being recorded on this server.")
    outcome = logbook.record_feedback(answer_id, RATINGS[rating], comment.strip())
    if outcome is Feedback.NO_SUCH_ANSWER:
        raise ApiError(404, "unknown_answer", "No answer has that id (it may have expired).")
    if outcome is Feedback.TRY_LATER:
        raise ApiError(
            503,
            "feedback_unavailable",
            "Feedback could not be saved just now; please try again in a few seconds.",
            {"Retry-After": FEEDBACK_RETRY_AFTER},
        )
