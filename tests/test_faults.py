"""Faults while serving: the server keeps answering, logs the fault, and says so."""

import dataclasses
import json
import shutil
import sqlite3
import time
from contextlib import contextmanager

import pytest

from assistant import answer
from assistant.build import build
from assistant.index.versions import current_dir
from assistant.records.logbook import Logbook
from web import create_app

from .conftest import FIXTURE_SITE, LiveServer
from .test_api import call, call_json
from .test_index import edited_copy


def serve(tmp_path, **config):
    root = tmp_path / "index"
    build(FIXTURE_SITE, root, progress=False)
    app = create_app(
        {
            "INDEX_DIR": str(root),
            "RELOAD_CHECK_SECONDS": 0.01,
            "DB_PATH": str(tmp_path / "log.db"),
            **config,
        }
    )
    return root, app


def health_soon(server, status, deadline=5.0):
    stop = time.monotonic() + deadline
    while True:
        _, health = call_json(server, "/api/health")
        if health["status"] == status or time.monotonic() > stop:
            return health
        time.sleep(0.05)


def ask(server):
    return call_json(server, "/api/query", {"question": "What happens in the review step?"})


def rate(server, answer_id):
    return call(server, "/api/feedback", {"answer_id": answer_id, "rating": "up"})


@contextmanager
def locked(path):
    """The log's file locked for writing, as another process may hold it."""
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        blocker.rollback()
        blocker.close()


def test_index_deleted_while_serving(tmp_path, caplog):
    root, app = serve(tmp_path)
    with LiveServer(app) as server:
        version = health_soon(server, "ok")["index_version"]
        shutil.rmtree(root)
        health = health_soon(server, "degraded")
        assert health["index_version"] == version and "no index at" in health["faults"][0]
        status, data = ask(server)
        assert status == 200 and data["index_version"] == version and not data["no_answer"]
        build(FIXTURE_SITE, root, progress=False)
        assert health_soon(server, "ok")["status"] == "ok"
    assert "index fault" in caplog.text


def test_damaged_new_version_is_not_loaded(tmp_path):
    root, app = serve(tmp_path)
    with LiveServer(app) as server:
        version = health_soon(server, "ok")["index_version"]
        damaged = root / "versions" / "20990101T000000Z-damaged"
        shutil.copytree(current_dir(root), damaged)
        (damaged / "matrix.npz").write_bytes(b"truncated")
        (root / "CURRENT").write_text(damaged.name + "\n")
        health = health_soon(server, "degraded")
        assert "damaged" in health["faults"][0] and health["index_version"] == version
        status, data = ask(server)
        assert status == 200 and data["index_version"] == version


def test_served_files_removed_under_the_server(tmp_path):
    root, app = serve(tmp_path)
    with LiveServer(app) as server:
        health_soon(server, "ok")
        (current_dir(root) / "manifest.json").unlink()
        health = health_soon(server, "degraded")
        assert "serving it from memory" in health["faults"][0]
        assert ask(server)[0] == 200


def truncate_passages(version):
    passages = version / "passages.jsonl"
    passages.write_bytes(passages.read_bytes()[:-100])


def delete_matrix(version):
    (version / "matrix.npz").unlink()


@pytest.mark.parametrize("damage", [truncate_passages, delete_matrix])
def test_damage_on_disk_is_reported_and_a_restart_serves_the_newest_whole_version(tmp_path, damage):
    root = tmp_path / "index"
    older = build(FIXTURE_SITE, root, progress=False).version
    newer = build(edited_copy(tmp_path), root, progress=False).version
    config = {"INDEX_DIR": str(root), "RELOAD_CHECK_SECONDS": 0.01, "DB_PATH": ""}
    with LiveServer(create_app(config)) as server:
        assert health_soon(server, "ok")["index_version"] == newer
        damage(current_dir(root))
        health = health_soon(server, "degraded")
        assert health["index_version"] == newer and "damaged on disk" in health["faults"][0]
        assert ask(server)[0] == 200  # still served from memory

    with LiveServer(create_app(config)) as server:  # restarted
        status, health = call_json(server, "/api/health")
        assert status == 200 and health["status"] == "degraded"
        assert health["index_version"] == older
        assert f"{newer} is damaged" in health["faults"][0]
        assert f"serving the older version {older}" in health["faults"][0]
        status, data = ask(server)
        assert status == 200 and data["index_version"] == older and not data["no_answer"]


def test_locked_question_log_does_not_hold_up_answers(tmp_path):
    _, app = serve(tmp_path)
    logbook = app.extensions["ccp_logbook"]
    with LiveServer(app) as server:
        answer_id = ask(server)[1]["answer_id"]  # creates the database
        logbook.flush()
        with locked(tmp_path / "log.db"):
            started = time.monotonic()
            status, data = ask(server)
            assert status == 200 and not data["no_answer"]
            assert time.monotonic() - started < 0.5  # recording happens off the request
            health = health_soon(server, "degraded")
            assert "locked" in " ".join(health["faults"])
            status, headers, raw = rate(server, answer_id)  # stored: its feedback cannot be
            assert status == 503 and int(headers["Retry-After"]) > 0
            assert json.loads(raw)["error"]["code"] == "feedback_unavailable"
        ask(server)
        assert health_soon(server, "ok")["status"] == "ok"


def test_full_disk_when_recording(tmp_path, monkeypatch):
    _, app = serve(tmp_path)
    logbook = app.extensions["ccp_logbook"]

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(logbook, "_connect", full)
    logbook.retry_for = 0  # give up at once: this test is about what health says
    client = app.test_client()
    response = client.post("/api/query", json={"question": "What happens at review?"})
    assert response.status_code == 200 and not response.json["no_answer"]
    logbook.flush()
    health = client.get("/api/health").json
    assert health["status"] == "degraded" and "disk is full" in health["faults"][0]
    assert json.dumps(health)  # still plain JSON


def test_a_question_that_is_not_text_does_not_stop_recording(tmp_path):
    _, app = serve(tmp_path)
    with LiveServer(app) as server:
        status, data = call_json(server, "/api/query", b'{"question": "commissioning \\ud800"}')
        assert status == 400 and data["error"]["code"] == "invalid_question"
        answer_id = ask(server)[1]["answer_id"]
        started = time.monotonic()
        status, _ = call_json(server, "/api/feedback", {"answer_id": answer_id, "rating": "up"})
        assert status == 201 and time.monotonic() - started < 1
        assert health_soon(server, "ok")["status"] == "ok"


def test_a_record_that_cannot_be_stored_is_dropped_alone(tmp_path):
    _, app = serve(tmp_path)
    logbook = app.extensions["ccp_logbook"]
    index = app.extensions["ccp_index_holder"].index
    good = answer("What happens in the review step?", index)
    bad = dataclasses.replace(good, question="review \ud800")  # what validation now refuses
    ids = [logbook.record_answer(a, index.version) for a in (good, bad, good)]
    logbook.flush()
    stored = {row["id"] for row in logbook.answers()}
    assert ids[0] in stored and ids[2] in stored and ids[1] not in stored
    client = app.test_client()
    answer_id = client.post("/api/query", json={"question": "What happens at review?"}).json[
        "answer_id"
    ]
    response = client.post("/api/feedback", json={"answer_id": answer_id, "rating": "up"})
    assert response.status_code == 201
    health = client.get("/api/health").json
    assert health["status"] == "degraded"
    assert "1 record(s) could not be stored" in health["faults"][0]
    assert "\\ud800" in health["faults"][0]  # shown escaped: the reply is UTF-8


def test_a_stopped_recording_thread_is_started_again(tmp_path, monkeypatch):
    _, app = serve(tmp_path)
    logbook = app.extensions["ccp_logbook"]
    connect = logbook._connect

    def stop_the_thread():  # once: a fault no `except Exception` catches
        monkeypatch.setattr(logbook, "_connect", connect)
        raise SystemExit("stopped by the test")

    with LiveServer(app) as server:
        ask(server)
        logbook.flush()
        monkeypatch.setattr(logbook, "_connect", stop_the_thread)
        ask(server)
        health = health_soon(server, "degraded")
        assert "recording thread stopped (SystemExit: stopped by the test)" in health["faults"][0]
        answer_id = ask(server)[1]["answer_id"]  # starts the writer again
        status, _ = call_json(server, "/api/feedback", {"answer_id": answer_id, "rating": "up"})
        assert status == 201
        _, health = call_json(server, "/api/health")
        assert health["status"] == "degraded"
        assert "stopped and was started again 1 time(s)" in health["faults"][0]


def test_answers_given_while_the_log_is_locked_are_written_once_it_is_free(tmp_path):
    """A batch the file would not take was lost, and feedback on one of its answers
    was told there was no such answer."""
    _, app = serve(tmp_path)
    logbook = app.extensions["ccp_logbook"]
    with LiveServer(app) as server:
        ask(server)
        logbook.flush()  # the database exists
        with locked(tmp_path / "log.db"):
            answer_id = ask(server)[1]["answer_id"]
            assert "locked" in " ".join(health_soon(server, "degraded")["faults"])
            assert rate(server, answer_id)[0] == 201  # kept with its answer, to be written
        assert health_soon(server, "ok")["status"] == "ok"
        stored = {a["id"]: a for a in logbook.answers()}
    assert stored[answer_id]["up"] == 1


def test_feedback_on_an_answer_another_worker_has_not_written_yet(tmp_path):
    """With several workers, feedback may reach one that does not hold the answer."""
    root, app = serve(tmp_path)
    other = create_app({"INDEX_DIR": str(root), "DB_PATH": str(tmp_path / "log.db")})
    with LiveServer(app) as one, LiveServer(other) as two:
        for server, worker in ((one, app), (two, other)):
            ask(server)
            worker.extensions["ccp_logbook"].flush()  # each has the file open
        with locked(tmp_path / "log.db"):
            answer_id = ask(one)[1]["answer_id"]
            status, headers, _ = rate(two, answer_id)
            assert status == 503 and int(headers["Retry-After"]) > 0  # not "no such answer"
        app.extensions["ccp_logbook"].flush()
        assert rate(two, answer_id)[0] == 201


def test_a_full_queue_drops_new_records_and_says_so(tmp_path):
    _, app = serve(tmp_path)
    logbook = app.extensions["ccp_logbook"] = Logbook(tmp_path / "log.db", queue_size=2)
    with LiveServer(app) as server:
        ask(server)
        logbook.flush()
        with locked(tmp_path / "log.db"):
            first = ask(server)[1]["answer_id"]
            health_soon(server, "degraded")  # the writer holds it, trying again
            ids = [ask(server)[1]["answer_id"] for _ in range(4)]
            assert all(ids[:2]) and ids[2:] == [None, None]  # no feedback on those
            faults = " ".join(call_json(server, "/api/health")[1]["faults"])
            assert "2 record(s) were dropped because 2 were already waiting" in faults
        stored = {a["id"] for a in logbook.answers()}
    assert {first, *ids[:2]} <= stored


def test_writes_the_file_will_not_take_are_dropped_in_the_end_and_counted(tmp_path):
    _, app = serve(tmp_path)
    logbook = app.extensions["ccp_logbook"] = Logbook(tmp_path / "log.db", retry_for=0.3)
    with LiveServer(app) as server:
        ask(server)
        logbook.flush()
        with locked(tmp_path / "log.db"):
            ask(server)
            logbook.flush()  # tried for 0.3 s, then dropped
        faults = " ".join(call_json(server, "/api/health")[1]["faults"])
    assert "1 record(s) were dropped after writing them failed for 0.3 s" in faults
    assert "database is locked" in faults
