"""The OpenAPI 3.1 description served at /api/openapi.json.

Tests validate real responses against these schemas, so a change to the API that is
not made here too fails the suite.
"""

from __future__ import annotations

from assistant.facets import TOPICS, TYPES
from assistant.settings import DECLARED

from .conversations import CONVERSATION_PATTERN
from .service import ID_PATTERN

# The ranges a request is checked against, from the settings table.
TOP_K = {"type": "integer", "minimum": DECLARED["top_k"].low, "maximum": DECLARED["top_k"].high}
QUESTION_CHARS = DECLARED["max_question_chars"].default  # the default limit; a server may differ


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return {"description": description, **_json(_ref("Error"))}


ERRORS = {
    "400": _error("The request is not valid; the message says what to change."),
    "413": {
        "description": (
            "The request body is over the limit (64 KB). Waitress refuses it from its "
            "Content-Length before reading it, in plain text; behind Granian the app "
            "refuses it, in JSON."
        ),
        "content": {
            "application/json": {"schema": _ref("Error")},
            "text/plain": {"schema": {"type": "string"}},
        },
    },
    "429": {
        "description": "Too many requests from this client; retry after the given seconds.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        **_json(_ref("Error")),
    },
    "503": _error("The service cannot answer right now (for example, no index is loaded)."),
}

CITATION = {
    "type": "object",
    "required": ["n", "title", "url", "section", "snippet", "score", "passage_id", "highlights"],
    "properties": {
        "n": {"type": "integer", "minimum": 1},
        "title": {"type": "string"},
        "url": {
            "type": "string",
            "description": (
                "Link to the cited section (page URL and anchor; for a PDF, the document's "
                "URL and #page=N); for a quoted section of a web page it ends in a text "
                "fragment (`:~:text=start,end`, percent-encoded) naming the first piece "
                "quoted, which browsers scroll to and highlight."
            ),
        },
        "section": {"type": "string"},
        "snippet": {"type": "string"},
        "score": {"type": "number"},
        "passage_id": {"type": "string"},
        "highlights": {
            "type": "array",
            "description": "[start, end) offsets of the question's words in the snippet.",
            "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        },
        "page": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "For a PDF, the page the cited section starts on; else null.",
        },
        "type": {
            "enum": ["", *TYPES],
            "description": "The cited page's content type (its badge); empty if unknown.",
        },
        "quote": {
            "type": ["object", "null"],
            "description": "[start, end) offsets in the passage of the first piece quoted.",
            "required": ["start", "end"],
            "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}},
        },
    },
}

_CELLS = {"type": "array", "items": {"type": "string"}}
_ID = {"type": "string", "pattern": ID_PATTERN}
_CONVERSATION = {
    "type": "string",
    "pattern": CONVERSATION_PATTERN,
    "description": (
        "A signed token carrying the conversation's recent subjects and what its last "
        "answer quoted (not quoted again): send the one the last answer returned. One not "
        "signed by this service starts a new conversation."
    ),
}

SENTENCE = {
    "type": "object",
    "required": ["text", "kind", "citations", "passage_id", "start", "end"],
    "properties": {
        "text": {"type": "string", "description": "Verbatim text of the passage at [start, end)."},
        "kind": {
            "enum": ["sentence", "list", "table"],
            "description": "A sentence, or a list or table quoted whole.",
        },
        "citations": {"type": "array", "items": {"type": "integer"}},
        "passage_id": {"type": "string"},
        "start": {"type": "integer", "description": "Offset of the piece in the passage."},
        "end": {"type": "integer"},
        "lead": {"type": "string", "description": "List or table: the sentence leading into it."},
        "term": {
            "type": "string",
            "description": "Sentence: the heading it defines without naming (a glossary "
            "entry). List opening the answer without a lead-in: the heading it is under.",
        },
        "items": {**_CELLS, "description": "List: its items, verbatim."},
        "header": {**_CELLS, "description": "Table: its column headings."},
        "rows": {"type": "array", "items": _CELLS, "description": "Table: its rows shown."},
        "more": {"type": "integer", "minimum": 0, "description": "Items or rows not shown."},
        "links": {
            "type": "array",
            "description": "The page's own links inside the piece: their text, as quoted, "
            "and where they go (relative links are made absolute against `base_url`).",
            "items": {
                "type": "object",
                "required": ["text", "url"],
                "properties": {"text": {"type": "string"}, "url": {"type": "string"}},
            },
        },
    },
}

ANSWER_SPAN = {
    "type": ["object", "null"],
    "description": (
        "Where the answer is a name, date or figure: [start, end) offsets of it in the "
        "text of sentences[sentence]."
    ),
    "required": ["sentence", "start", "end"],
    "properties": {
        "sentence": {"type": "integer", "minimum": 0},
        "start": {"type": "integer", "minimum": 0},
        "end": {"type": "integer", "minimum": 0},
    },
}

REFERRAL = {
    "type": ["object", "null"],
    "description": "Why a declined question is for someone else, and where to ask instead.",
    "required": ["name", "reason", "links"],
    "properties": {
        "name": {"type": "string"},
        "reason": {"type": "string"},
        "links": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["title", "url"],
                "properties": {"title": {"type": "string"}, "url": {"type": "string"}},
            },
        },
    },
}

QUERY_RESPONSE = {
    "type": "object",
    "required": [
        "question",
        "answer",
        "no_answer",
        "confidence",
        "citations",
        "sentences",
        "answer_span",
        "question_kind",
        "referral",
        "reading",
        "follow_up",
        "corrections",
        "unmatched_terms",
        "nearest",
        "did_you_mean",
        "suggestions",
        "answer_id",
        "conversation_id",
        "index_version",
        "took_ms",
    ],
    "properties": {
        "question": {"type": "string"},
        "answer": {"type": "string", "description": "Quoted sentences, each followed by [n]."},
        "no_answer": {"type": "boolean"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "citations": {"type": "array", "items": _ref("Citation")},
        "sentences": {"type": "array", "items": _ref("Sentence")},
        "answer_span": ANSWER_SPAN,
        "question_kind": {
            "enum": [
                "definition",
                "who",
                "when",
                "how_much",
                "how_to",
                "why",
                "yes_no",
                "examples",
                "other",
            ],
            "description": "The kind of answer the question was read as wanting.",
        },
        "referral": REFERRAL,
        "reading": {
            "type": "string",
            "description": "What was searched for: a follow-up's subject, then the question.",
        },
        "follow_up": {"type": "boolean"},
        "corrections": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["from", "to"],
                "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
            },
        },
        "unmatched_terms": {"type": "array", "items": {"type": "string"}},
        "nearest": {"type": "array", "items": _ref("Citation"), "maxItems": 3},
        "did_you_mean": {
            "type": "array",
            "items": {"type": "string"},
            "maxItems": 3,
            "description": (
                "For a declined question: the question with a corrected or unknown word "
                "swapped for a close word the guidance uses; each gets an answer when "
                "asked next in the same conversation."
            ),
        },
        "suggestions": {
            "type": "array",
            "items": {"type": "string"},
            "maxItems": 3,
            "description": (
                "Questions to ask next, made from the headings of the sections beside "
                "the cited (or nearest) ones; each gets an answer quoting its section "
                "whenever it is asked."
            ),
        },
        "answer_id": {
            "type": ["string", "null"],
            "pattern": ID_PATTERN,
            "description": "For feedback; null when this answer is not recorded.",
        },
        "conversation_id": _CONVERSATION,
        "index_version": {"type": "string"},
        "took_ms": {"type": "number"},
    },
}

QUESTION_PARAMS = [
    {
        "name": "q",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "maxLength": QUESTION_CHARS},
    },
    {"name": "top_k", "in": "query", "schema": TOP_K},
    {"name": "conversation_id", "in": "query", "schema": _CONVERSATION},
    {
        "name": "type",
        "in": "query",
        "description": "Answer only from pages of these types (repeat for more).",
        "schema": {"type": "array", "items": {"enum": list(TYPES)}},
        "explode": True,
    },
    {
        "name": "topic",
        "in": "query",
        "description": "Answer only from pages on these topics (repeat for more).",
        "schema": {"type": "array", "items": {"enum": list(TOPICS)}},
        "explode": True,
    },
]
FILTERS = {
    "type": "object",
    "description": (
        "Answer only from matching pages: any of the types, and any of the topics "
        "(GET /api/facets lists them). An unknown value is refused with 400."
    ),
    "additionalProperties": False,
    "properties": {
        "type": {"type": "array", "items": {"enum": list(TYPES)}},
        "topic": {"type": "array", "items": {"enum": list(TOPICS)}},
    },
}
FACET = {
    "type": "object",
    "required": ["value", "pages"],
    "properties": {
        "value": {"type": "string"},
        "label": {"type": "string"},
        "pages": {"type": "integer", "minimum": 0},
    },
}

# The admin endpoints: off (404) unless CCP_ADMIN_TOKEN is set.
ADMIN = [{"adminToken": []}]
ADMIN_ERRORS = {
    "401": _error("The admin token is missing or wrong."),
    "404": _error("The admin API is off: no admin token is set."),
}
BUILD = {
    "building": {"type": "boolean", "description": "An update is running."},
    "started_at": {"type": ["number", "null"], "description": "When the last one began."},
    "last_report": {
        "type": ["object", "null"],
        "description": "The last update's report: pages added, changed and removed.",
    },
    "last_error": {"type": ["string", "null"]},
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "CCP Assistant API",
        "version": "1",
        "description": (
            "Cited answers from the Cultural Commissioning Programme's guidance. Every "
            "answer sentence is quoted from a cited passage, with its offsets."
        ),
    },
    "paths": {
        "/api/query": {
            "post": {
                "summary": "Ask a question",
                "requestBody": {"required": True, **_json(_ref("QueryRequest"))},
                "responses": {
                    "200": {"description": "An answer", **_json(_ref("QueryResponse"))},
                    **ERRORS,
                },
            },
            "get": {
                "summary": "Ask a question (query string form)",
                "parameters": QUESTION_PARAMS,
                "responses": {
                    "200": {"description": "An answer", **_json(_ref("QueryResponse"))},
                    **ERRORS,
                },
            },
        },
        "/api/feedback": {
            "post": {
                "summary": "Rate an answer",
                "requestBody": {"required": True, **_json(_ref("FeedbackRequest"))},
                "responses": {
                    "201": {
                        "description": "Recorded",
                        **_json(
                            {
                                "type": "object",
                                "required": ["status"],
                                "properties": {"status": {"const": "recorded"}},
                            }
                        ),
                    },
                    "404": _error("No answer has that id, or feedback is off."),
                    **ERRORS,
                    "503": {
                        "description": (
                            "Feedback cannot be stored just now (the log's file is failing, "
                            "or the answer is not written yet): try again after Retry-After."
                        ),
                        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                        **_json(_ref("Error")),
                    },
                },
            }
        },
        "/api/facets": {
            "get": {
                "summary": "The content types and topics answers can be filtered by",
                "responses": {
                    "200": {
                        "description": "Each type and topic with its number of pages",
                        **_json(
                            {
                                "type": "object",
                                "required": ["types", "topics"],
                                "properties": {
                                    "types": {"type": "array", "items": FACET},
                                    "topics": {"type": "array", "items": FACET},
                                },
                            }
                        ),
                    },
                    "503": ERRORS["503"],
                },
            }
        },
        "/api/health": {
            "get": {
                "summary": "Is the service able to answer?",
                "responses": {
                    "200": {"description": "Serving", **_json(_ref("Health"))},
                    "503": {"description": "No index loaded", **_json(_ref("Health"))},
                },
            }
        },
        "/api/openapi.json": {
            "get": {"summary": "This description", "responses": {"200": {"description": "OpenAPI"}}}
        },
        "/api/admin/reindex": {
            "post": {
                "summary": "Start an update of the index from its source folder",
                "security": ADMIN,
                "responses": {
                    "202": {"description": "Started", **_json(_ref("ReindexStarted"))},
                    "409": _error("An update is already running."),
                    **ADMIN_ERRORS,
                },
            }
        },
        "/api/admin/status": {
            "get": {
                "summary": "The index serving, and the last or running update",
                "security": ADMIN,
                "responses": {
                    "200": {"description": "Status", **_json(_ref("AdminStatus"))},
                    **ADMIN_ERRORS,
                },
            }
        },
        "/admin/report": {
            "get": {
                "summary": "The unanswered-questions report, for editors",
                "security": ADMIN,
                "parameters": [
                    {
                        "name": "format",
                        "in": "query",
                        "schema": {"enum": ["csv"]},
                        "description": "csv for a spreadsheet; a web page without it.",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The report",
                        "content": {
                            "text/html": {"schema": {"type": "string"}},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "401": {
                        "description": "The admin token is missing or wrong.",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "404": {"description": "Off: no admin token is set, or recording is off."},
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "adminToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "The server's CCP_ADMIN_TOKEN.",
            }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    }
                },
            },
            "QueryRequest": {
                "type": "object",
                "required": ["question"],
                "properties": {
                    "question": {"type": "string", "minLength": 1, "maxLength": QUESTION_CHARS},
                    "top_k": TOP_K,
                    "conversation_id": _CONVERSATION,
                    "filters": FILTERS,
                },
            },
            "QueryResponse": QUERY_RESPONSE,
            "Citation": CITATION,
            "Sentence": SENTENCE,
            "FeedbackRequest": {
                "type": "object",
                "required": ["answer_id", "rating"],
                "properties": {
                    "answer_id": {**_ID, "description": "The answer_id an answer gave."},
                    "rating": {"enum": ["up", "down"]},
                    "comment": {"type": "string", "maxLength": 1000},
                },
            },
            "ReindexStarted": {
                "type": "object",
                "required": ["status", *BUILD],
                "properties": {"status": {"const": "started"}, **BUILD},
            },
            "AdminStatus": {
                "type": "object",
                "required": ["index_version", "index_error", *BUILD],
                "properties": {
                    "index_version": {"type": ["string", "null"]},
                    "index_error": {"type": ["string", "null"]},
                    **BUILD,
                },
            },
            "Health": {
                "type": "object",
                "required": ["status", "index_version", "pages", "passages"],
                "properties": {
                    "status": {"enum": ["ok", "degraded", "unavailable"]},
                    "faults": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Problems met while still answering (index on disk, "
                        "question log).",
                    },
                    "index_version": {"type": ["string", "null"]},
                    "pages": {"type": "integer"},
                    "passages": {"type": "integer"},
                    "error": {"type": "string"},
                },
            },
        },
    },
}
