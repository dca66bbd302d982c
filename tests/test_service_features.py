"""The API as other services use it: OpenAPI, GET, CORS, rate limits, feedback, reports."""

import csv
import io
import json
import logging
import sqlite3
import time

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from assistant.records.gaps import Gap, to_csv
from web import create_app

from .conftest import LiveServer, run_python
from .test_api import call, call_json


@pytest.fixture(scope="module")
def spec(live_server):
    _, data = call_json(live_server, "/api/openapi.json")
    return data


def check(spec, path, method, status, body):
    """Validate a real response body against the OpenAPI description."""
    responses = spec["paths"][path][method]["responses"]
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": spec["components"]})
    errors = [e.message for e in validator.iter_errors(body)]
    assert errors == [], (path, method, status, errors)


def test_openapi_description_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate_spec(spec)


def test_real_responses_match_the_description(live_server, spec, tmp_path):
    cases = [
        ({"question": "Who chaired the advisory group?"}, 200),
        ({"question": "How do I renew my passport?"}, 200),
        ({"question": "what is comissioning?"}, 200),
        ({"question": ""}, 400),
        ({"question": "x" * 1001}, 400),
        (b"not json", 400),
    ]
    for body, status in cases:
        got, data = call_json(live_server, "/api/query", body)
        assert got == status
        check(spec, "/api/query", "post", status, data)
    got, data = call_json(live_server, "/api/query?q=What+is+a+JSNA%3F&top_k=3")
    assert got == 200 and not data["no_answer"]
    check(spec, "/api/query", "get", 200, data)
    got, data = call_json(live_server, "/api/query?q=")
    check(spec, "/api/query", "get", 400, data)
    got, data = call_json(live_server, "/api/health")
    check(spec, "/api/health", "get", 200, data)
    # Over the body limit: refused by waitress before the body is read, as plain text.
    got, headers, _ = call(live_server, "/api/query", {"question": "a" * 70_000})
    described = spec["paths"]["/api/query"]["post"]["responses"]["413"]["content"]
    assert got == 413 and headers.get_content_type() in described
    with LiveServer(create_app({"INDEX_DIR": str(tmp_path)})) as empty:
        got, data = call_json(empty, "/api/health")
        check(spec, "/api/health", "get", 503, data)
        got, data = call_json(empty, "/api/query", {"question": "anything"})
        check(spec, "/api/query", "post", 503, data)


def test_get_and_post_give_the_same_answer(live_server):
    _, posted = call_json(live_server, "/api/query", {"question": "What is social value?"})
    _, got = call_json(live_server, "/api/query?q=What+is+social+value%3F")
    assert posted["answer"] == got["answer"] and posted["citations"] == got["citations"]
    status, data = call_json(live_server, "/api/query?q=hi&top_k=many")
    assert status == 400 and data["error"]["code"] == "invalid_top_k"


def test_feedback_is_stored_without_personal_data(live_server, spec, tmp_path_factory):
    _, answer = call_json(live_server, "/api/query", {"question": "What is a JSNA?"})
    body = {"answer_id": answer["answer_id"], "rating": "down", "comment": "Too short"}
    status, data = call_json(live_server, "/api/feedback", body)
    assert status == 201
    check(spec, "/api/feedback", "post", 201, data)
    for bad, code in [
        ({"answer_id": "nope", "rating": "up"}, "unknown_answer"),
        ({"answer_id": answer["answer_id"], "rating": "meh"}, "invalid_rating"),
        (
            {"answer_id": answer["answer_id"], "rating": "up", "comment": "x" * 1001},
            "invalid_comment",
        ),
    ]:
        status, data = call_json(live_server, "/api/feedback", bad)
        assert data["error"]["code"] == code and status in (400, 404)
        check(spec, "/api/feedback", "post", status, data)
    live_server.app.extensions["ccp_logbook"].flush()
    db = live_server.app.extensions["ccp_logbook"].path
    with sqlite3.connect(db) as conn:
        dump = "\n".join(conn.iterdump())
        stored = conn.execute(
            "SELECT f.rating, f.comment, a.question, a.confidence FROM feedback f "
            "JOIN answers a ON a.id = f.answer_id WHERE a.id = ?",
            (answer["answer_id"],),
        ).fetchone()
    assert stored == (-1, "Too short", "What is a JSNA?", answer["confidence"])
    assert "127.0.0.1" not in dump and "Mozilla" not in dump


def test_old_records_are_deleted_after_the_retention_period(tmp_path, corpus_index_root):
    app = create_app(
        {
            "INDEX_DIR": str(corpus_index_root),
            "DB_PATH": str(tmp_path / "f.db"),
            "RETENTION_DAYS": 30,
        }
    )
    client = app.test_client()
    answer_id = client.post("/api/query", json={"question": "What is a JSNA?"}).json["answer_id"]
    logbook = app.extensions["ccp_logbook"]
    logbook.flush()
    with sqlite3.connect(logbook.path) as conn:
        conn.execute("UPDATE answers SET created_at = ?", (time.time() - 31 * 86400,))
    logbook.purge()
    assert [a for a in logbook.answers() if a["id"] == answer_id] == []


def test_recording_failure_never_stops_an_answer(tmp_path, corpus_index_root):
    blocked = tmp_path / "db-is-a-folder"
    blocked.mkdir()
    app = create_app({"INDEX_DIR": str(corpus_index_root), "DB_PATH": str(blocked)})
    app.extensions["ccp_logbook"].retry_for = 0  # give up at once: this test is about answers
    response = app.test_client().post("/api/query", json={"question": "What is a JSNA?"})
    assert response.status_code == 200 and not response.json["no_answer"]
    app.extensions["ccp_logbook"].flush()
    assert app.extensions["ccp_logbook"].error


def test_cors_allows_only_configured_origins(corpus_index_root):
    app = create_app(
        {"INDEX_DIR": str(corpus_index_root), "CORS_ORIGINS": "https://intranet.example.org"}
    )
    client = app.test_client()
    ok = client.post(
        "/api/query", json={"question": "JSNA"}, headers={"Origin": "https://intranet.example.org"}
    )
    assert ok.headers["Access-Control-Allow-Origin"] == "https://intranet.example.org"
    other = client.post(
        "/api/query", json={"question": "JSNA"}, headers={"Origin": "https://elsewhere.example.com"}
    )
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options(
        "/api/query",
        headers={
            "Origin": "https://intranet.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://intranet.example.org"
    plain = create_app({"INDEX_DIR": str(corpus_index_root)}).test_client()
    response = plain.post(
        "/api/query", json={"question": "JSNA"}, headers={"Origin": "https://intranet.example.org"}
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_rate_limit_answers_429_with_retry_after(corpus_index_root, spec):
    app = create_app({"INDEX_DIR": str(corpus_index_root), "RATE_LIMIT": "3 per minute"})
    with LiveServer(app) as server:
        statuses = [call(server, "/api/query", {"question": "JSNA?"})[0] for _ in range(3)]
        status, headers, raw = call(server, "/api/query", {"question": "JSNA?"})
        assert statuses == [200, 200, 200] and status == 429
        assert int(headers["Retry-After"]) > 0
        data = json.loads(raw)
        assert data["error"]["code"] == "too_many_requests"
        check(spec, "/api/query", "post", 429, data)
        assert call(server, "/api/health")[0] == 200  # health is never limited


def test_every_way_of_asking_draws_on_one_budget(corpus_index_root):
    """Limits were per endpoint: a client that had used its questions on the API could
    ask as many again through GET, the chat page and the chat script."""
    app = create_app({"INDEX_DIR": str(corpus_index_root), "RATE_LIMIT": "3 per minute"})
    with LiveServer(app) as server:
        asked = [call(server, "/api/query", {"question": "JSNA?"})[0] for _ in range(3)]
        assert asked == [200, 200, 200]
        other_ways = [
            call(server, "/api/query?q=JSNA")[0],
            call(server, "/?q=JSNA")[0],
            call(server, "/turn", {"question": "JSNA?"})[0],
        ]
        assert other_ways == [429, 429, 429]
        # The chat script shows the reason where the answer would be: JSON, as the API's.
        status, headers, raw = call(server, "/turn", {"question": "JSNA?"})
        assert headers["Content-Type"].startswith("application/json")
        assert json.loads(raw)["error"]["code"] == "too_many_requests"
        # Feedback has a budget of its own (here: no such answer).
        assert call(server, "/api/feedback", {"answer_id": "x", "rating": "up"})[0] == 404


def test_x_forwarded_for_is_believed_only_from_trusted_proxies(corpus_index_root):
    def ask_as(server, address: str) -> int:
        return call(server, "/api/query?q=JSNA", headers={"X-Forwarded-For": address})[0]

    config = {"INDEX_DIR": str(corpus_index_root), "RATE_LIMIT": "1 per minute"}
    with LiveServer(create_app(config)) as server:  # whatever it claims, one client
        assert [ask_as(server, "203.0.113.1"), ask_as(server, "203.0.113.2")] == [200, 429]
    with LiveServer(create_app({**config, "TRUSTED_PROXIES": 1})) as server:
        asked = [ask_as(server, a) for a in ("203.0.113.1", "203.0.113.2", "203.0.113.1")]
        assert asked == [200, 200, 429]


def test_a_bad_limit_is_named_and_an_unreachable_store_does_not_stop_answers(
    corpus_index_root, caplog
):
    with pytest.raises(ValueError, match="CCP_RATE_LIMIT"):
        create_app({"INDEX_DIR": str(corpus_index_root), "RATE_LIMIT": "lots"})
    config = {
        "INDEX_DIR": str(corpus_index_root),
        "RATE_LIMIT": "1 per minute",
        "RATE_LIMIT_STORAGE": "redis://127.0.0.1:1/0",  # nothing listens there
    }
    client = create_app(config).test_client()
    assert [client.get("/api/query?q=JSNA").status_code for _ in range(2)] == [200, 200]
    assert any("rate limit not counted" in r.getMessage() for r in caplog.records)


def test_no_client_address_is_logged_when_limited(corpus_index_root, caplog):
    caplog.set_level(logging.INFO, logger="web.limits")
    config = {"INDEX_DIR": str(corpus_index_root), "RATE_LIMIT": "1 per minute"}
    with LiveServer(create_app({**config, "TRUSTED_PROXIES": 1})) as server:
        for _ in range(2):
            call(server, "/api/query?q=JSNA", headers={"X-Forwarded-For": "203.0.113.9"})
    limited = [r.getMessage() for r in caplog.records if r.name == "web.limits"]
    assert limited  # the 429 is logged,
    assert not [m for m in limited if "203.0.113.9" in m or "127.0.0.1" in m]  # not who


def test_the_description_gives_the_answer_id_and_the_admin_endpoints(corpus_index_root, spec):
    app = create_app({"INDEX_DIR": str(corpus_index_root), "ADMIN_TOKEN": "t0ken"})
    app.extensions["ccp_reindexer"].start = lambda: True  # no real update of a shared index
    admin = {"Authorization": "Bearer t0ken"}
    with LiveServer(app) as server:
        for path, method, status, headers in [
            ("/api/admin/status", "get", 200, admin),
            ("/api/admin/reindex", "post", 202, admin),
            ("/api/admin/status", "get", 401, {}),
        ]:
            got, _, raw = call(server, path, method=method.upper(), headers=headers)
            assert got == status
            check(spec, path, method, status, json.loads(raw))
        got, headers, _ = call(server, "/admin/report?format=csv", headers=admin)
        described = spec["paths"]["/admin/report"]["get"]["responses"]["200"]["content"]
        assert got == 200 and headers.get_content_type() in described
        _, answer = call_json(server, "/api/query", {"question": "What is a JSNA?"})
        status, data = call_json(server, "/api/feedback", {"answer_id": "<b>", "rating": "up"})
        assert status == 400 and data["error"]["code"] == "invalid_answer_id"
    request = Draft202012Validator(spec["components"]["schemas"]["FeedbackRequest"])
    assert request.is_valid({"answer_id": answer["answer_id"], "rating": "up"})
    assert not request.is_valid({"answer_id": "<b>", "rating": "up"})  # as the server says


def test_unanswered_report_from_the_cli_and_for_admins(tmp_path, corpus_index_root):
    db = tmp_path / "f.db"
    app = create_app(
        {"INDEX_DIR": str(corpus_index_root), "DB_PATH": str(db), "ADMIN_TOKEN": "t0ken"}
    )
    client = app.test_client()
    for q in (
        "How do I renew my passport?",
        "passport renewal fees?",
        "What is a JSNA?",
        "Where can I park at the museum?",
    ):
        client.post("/api/query", json={"question": q})
    done = run_python(
        "indexer.py",
        "report",
        "--db",
        str(db),
        "--out",
        str(tmp_path / "r"),
        "--index",
        str(corpus_index_root),
    )
    assert done.returncode == 0, done.stderr
    csv_text = (tmp_path / "r" / "unanswered.csv").read_text()
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("terms,count,not_covered")
    assert "passport" in lines[1] and ",2,2," in lines[1]  # the two passport questions group
    assert "JSNA" not in csv_text  # answered well: not a gap
    assert "<table>" in (tmp_path / "r" / "unanswered.html").read_text()

    assert client.get("/admin/report").status_code == 401
    page = client.get("/admin/report", headers={"Authorization": "Bearer t0ken"})
    assert page.status_code == 200 and b"passport" in page.data
    csv_response = client.get("/admin/report?format=csv", headers={"Authorization": "Bearer t0ken"})
    assert csv_response.mimetype == "text/csv"
    off = create_app({"INDEX_DIR": str(corpus_index_root), "DB_PATH": str(db)}).test_client()
    assert off.get("/admin/report", headers={"Authorization": "Bearer t0ken"}).status_code == 404


def test_unanswered_report_csv_never_starts_a_formula(tmp_path, corpus_index_root):
    app = create_app(
        {"INDEX_DIR": str(corpus_index_root), "DB_PATH": str(tmp_path / "f.db"), "ADMIN_TOKEN": "t"}
    )
    client = app.test_client()
    typed = ['=HYPERLINK("https://evil.example","zebra")', "+walrus", "-giraffe", "@SUM(okapi)"]
    for q in typed:
        client.post("/api/query", json={"question": q})
    response = client.get("/admin/report?format=csv", headers={"Authorization": "Bearer t"})
    examples = [row[5] for row in csv.reader(io.StringIO(response.text))][1:]
    assert sorted(examples) == sorted("'" + q for q in typed)  # shown as typed, never run


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_csv_text_cell_is_neutralised(start):
    gap = Gap((f"{start}terms",), [f"{start}1+1"], nearest={"/site/a": f"{start}title: s"})
    _, row = csv.reader(io.StringIO(to_csv([gap])))
    assert [row[0], row[5], row[6]] == [
        f"'{start}terms",
        f"'{start}1+1",
        f"'{start}title: s </site/a>",
    ]
