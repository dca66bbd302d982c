"""Several servers, as on several machines without sticky sessions, sharing a real
Redis (rate limits) and a real PostgreSQL (answers and feedback)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import psycopg
import pytest

from web import create_app

from .conftest import LiveServer, run_python
from .test_api import call, call_json
from .test_cli import running


@pytest.fixture()
def machines(corpus_index_root, redis_url, postgres_url):
    """Two servers on different ports with the setting a deployment gives each machine."""
    config = {
        "INDEX_DIR": str(corpus_index_root),
        "SECRET_KEY": "one key for every machine",
        "RATE_LIMIT": "4 per minute",
        "RATE_LIMIT_STORAGE": redis_url,
        "DB_URL": postgres_url,
    }
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # each test starts with fresh counts
    with psycopg.connect(postgres_url, autocommit=True) as db:  # and no records
        db.execute("DROP TABLE IF EXISTS feedback, answers")
    with LiveServer(create_app(config)) as one, LiveServer(create_app(config)) as two:
        yield one, two
    # Records are written in batches by each app's own thread: let them land now, or
    # the next test's fresh tables race with this test's last writes.
    for server in (one, two):
        server.app.extensions["ccp_logbook"].flush()


def test_two_servers_share_one_rate_limit(machines):
    one, two = machines
    asked = [call(server, "/api/query?q=JSNA")[0] for server in (one, two, one, two)]
    assert asked == [200, 200, 200, 200]
    assert call(one, "/api/query?q=JSNA")[0] == 429
    assert call(two, "/api/query?q=JSNA")[0] == 429


def test_a_follow_up_asked_of_the_other_server_is_read_in_context(machines):
    one, two = machines
    _, data = call_json(one, "/api/query", {"question": "Who led the Gloucestershire pilot?"})
    follow = {"question": "And when did it start?", "conversation_id": data["conversation_id"]}
    _, data = call_json(two, "/api/query", follow)
    assert data["follow_up"] is True and "2014" in data["answer"]


def give_feedback(server, answer_id: str, rating: str) -> int:
    """Feedback as a client gives it: again after a 503 (the answer is still waiting in
    the other machine's queue)."""
    for _ in range(50):
        status, _ = call_json(server, "/api/feedback", {"answer_id": answer_id, "rating": rating})
        if status != 503:
            return status
        time.sleep(0.1)
    return status


def test_answers_and_feedback_from_both_servers_land_in_one_database(
    machines, postgres_url, corpus_index_root, tmp_path
):
    one, two = machines
    _, first = call_json(one, "/api/query", {"question": "How do I renew my passport?"})
    _, second = call_json(two, "/api/query", {"question": "passport renewal fees?"})
    # Each answer's feedback given on the other server, and on its own.
    assert give_feedback(two, first["answer_id"], "down") == 201
    assert give_feedback(one, second["answer_id"], "up") == 201
    assert give_feedback(two, second["answer_id"], "down") == 201
    with psycopg.connect(postgres_url) as db:
        answers = db.execute("SELECT id FROM answers").fetchall()
        feedback = db.execute("SELECT answer_id, rating FROM feedback ORDER BY rating").fetchall()
    assert {a for (a,) in answers} >= {first["answer_id"], second["answer_id"]}
    assert sorted(feedback) == sorted(
        [(first["answer_id"], -1), (second["answer_id"], -1), (second["answer_id"], 1)]
    )
    # The report sees both machines' questions: one gap asked twice.
    out = tmp_path / "report"
    args = ("--db", postgres_url, "--out", str(out), "--index", str(corpus_index_root))
    done = run_python("indexer.py", "report", *args)
    assert done.returncode == 0, done.stderr
    lines = (out / "unanswered.csv").read_text().strip().splitlines()
    assert "passport" in lines[1] and ",2,2," in lines[1]


def test_text_postgresql_cannot_hold_is_stored_not_dropped(machines, postgres_url):
    """A NUL, which SQLite stores, in a question and a comment: PostgreSQL text refuses
    it, and the record was dropped as unstorable."""
    one, _ = machines
    _, data = call_json(one, "/api/query", {"question": "What is a JSNA?\x00"})
    body = {"answer_id": data["answer_id"], "rating": "down", "comment": "no\x00pe"}
    for _ in range(50):
        status, _ = call_json(one, "/api/feedback", body)
        if status != 503:
            break
        time.sleep(0.1)
    assert status == 201
    one.app.extensions["ccp_logbook"].flush()
    _, health = call_json(one, "/api/health")
    assert health["status"] == "ok", health
    with psycopg.connect(postgres_url) as db:
        row = db.execute(
            "SELECT a.question, f.comment FROM answers a JOIN feedback f ON f.answer_id = a.id "
            "WHERE a.id = %s",
            (data["answer_id"],),
        ).fetchone()
    assert row == ("What is a JSNA?\ufffd", "no\ufffdpe")


def test_separate_server_processes_share_the_limit_and_the_conversations(
    corpus_index_root, redis_url
):
    """`python -m web` twice, as on two machines (each with its own random keys), one of
    them with two workers: the limit counts one client once, and a follow-up goes on."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = {
        "CCP_SECRET_KEY": "one key for every machine",
        "CCP_RATE_LIMIT": "4 per minute",
        "CCP_RATE_LIMIT_STORAGE": redis_url,
        "CCP_DB_PATH": "",
    }
    index = ("--index", str(corpus_index_root))
    with running(*index, env=env) as (_, a), running(*index, "--workers", "2", env=env) as (_, b):
        one, two = (SimpleNamespace(url=f"http://127.0.0.1:{port}") for port in (a, b))
        _, data = call_json(one, "/api/query", {"question": "Who led the Gloucestershire pilot?"})
        follow = {"question": "And when did it start?", "conversation_id": data["conversation_id"]}
        _, data = call_json(two, "/api/query", follow)
        assert data["follow_up"] is True and "2014" in data["answer"]
        asked = [call(server, "/api/query?q=JSNA")[0] for server in (one, two)]
        assert asked == [200, 200]  # the third and fourth questions of four
        assert [call(s, "/api/query?q=JSNA")[0] for s in (one, two, two)] == [429, 429, 429]
