"""Generated bad input at volume: no request to any endpoint may cause a 5xx.

Together these send more than 10,000 generated requests through the real app.
"""

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from web import create_app

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=60),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
QUESTIONISH = st.one_of(
    st.text(max_size=1200),
    st.sampled_from(
        [
            "What is a JSNA?",
            "<script>alert(1)</script>",
            "'; DROP TABLE answers;--",
            "\x00\ud7ff\ufffd",
            "a" * 1001,
            "   ",
            "2019 now current",
        ]
    ),
)
PATHS = st.sampled_from(
    [
        "/",
        "/api/query",
        "/api/health",
        "/api/feedback",
        "/api/openapi.json",
        "/api/admin/status",
        "/api/admin/reindex",
        "/feedback",
        "/admin/report",
        "/site/",
        "/site/../etc/passwd",
        "/site/%2e%2e/x",
        "/favicon.ico",
        "/api/nope",
        "/static/chat.js",
    ]
)
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
# Bodies that found defects: each gave a 500 (the first also ended all recording of
# answers); the last is the first one's twin for feedback.
NOT_TEXT = b'{"question": "commissioning \\ud800"}'  # a lone surrogate, JSON-escaped
TOO_DEEP = b"[" * 30_000
RATING_LIST = b'{"answer_id": "abc", "rating": ["up"]}'
RATING_OBJECT = b'{"answer_id": "abc", "rating": {"up": 1}}'
COMMENT_NOT_TEXT = b'{"answer_id": "abc", "rating": "up", "comment": "\\ud800"}'


def fuzz(examples: int):
    return settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )


@pytest.fixture(scope="module")
def client(corpus_index_root, tmp_path_factory):
    app = create_app(
        {
            "INDEX_DIR": str(corpus_index_root),
            "ADMIN_TOKEN": "fuzz-token",
            "DB_PATH": str(tmp_path_factory.mktemp("fuzz") / "log.db"),
        }
    )
    app.extensions["ccp_reindexer"].start = lambda: False  # no real rebuilds while fuzzing
    return app.test_client()


def check(response, path):
    assert response.status_code < 500, (path, response.status_code, response.data[:300])
    if path.startswith("/api/") and response.status_code >= 400 and response.data:
        error = response.get_json()["error"]
        assert error["code"] and error["message"]


@fuzz(4000)
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "question": QUESTIONISH | JSON,
            "top_k": JSON | st.integers(-5, 30),
            "conversation_id": JSON | st.text(max_size=80),
        },
    )
)
@example(body={"question": "commissioning \ud800"})
def test_query_json_bodies(client, body):
    # Encoded as a client would (json= would encode a lone surrogate as UTF-8, and fail).
    response = client.post("/api/query", data=json.dumps(body), content_type="application/json")
    check(response, "/api/query")


@fuzz(2500)
@given(
    raw=st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode()),
    content_type=st.sampled_from(
        ["application/json", "text/plain", "", "application/x-www-form-urlencoded"]
    ),
)
@example(raw=NOT_TEXT, content_type="application/json")
@example(raw=TOO_DEEP, content_type="application/json")
@example(raw=RATING_LIST, content_type="application/json")
@example(raw=RATING_OBJECT, content_type="application/json")
@example(raw=COMMENT_NOT_TEXT, content_type="application/json")
def test_raw_bodies(client, raw, content_type):
    check(client.post("/api/query", data=raw, content_type=content_type), "/api/query")
    check(client.post("/api/feedback", data=raw, content_type=content_type), "/api/feedback")


@fuzz(2000)
@given(q=QUESTIONISH, top_k=st.text(max_size=5), conversation=st.text(max_size=70))
def test_query_strings(client, q, top_k, conversation):
    query = {"q": q, "top_k": top_k, "conversation_id": conversation}
    check(client.get("/api/query", query_string=query), "/api/query")
    check(client.get("/", query_string={"q": q, "c": conversation}), "/")


@fuzz(1500)
@given(
    method=METHODS,
    path=PATHS,
    body=JSON,
    auth=st.sampled_from([None, "Bearer fuzz-token", "Bearer wrong", "Basic x", ""]),
)
def test_every_endpoint_and_method(client, method, path, body, auth):
    headers = {"Authorization": auth} if auth is not None else {}
    response = client.open(path, method=method, json=body, headers=headers)
    check(response, path)


@fuzz(1000)
@given(
    form=st.dictionaries(
        st.sampled_from(["answer_id", "rating", "comment", "x"]), st.text(max_size=1100), max_size=4
    )
)
def test_feedback_forms(client, form):
    check(client.post("/feedback", data=form), "/feedback")
    check(client.post("/api/feedback", json=form), "/api/feedback")


def test_server_is_healthy_after_fuzzing(client):
    assert client.get("/api/health").json["status"] in ("ok", "degraded")
    answer = client.post("/api/query", json={"question": "What is a JSNA?"}).json
    assert not answer["no_answer"]
