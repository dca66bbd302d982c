"""The command line as an editor uses it: real subprocesses."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import FIXTURE_SITE, ROOT, run_python


def test_build_stats_and_ask(tmp_path):
    index = tmp_path / "index"
    built = run_python("indexer.py", "build", "--source", str(FIXTURE_SITE), "--index", str(index))
    assert built.returncode == 0, built.stderr
    assert "indexed 3 of 3 pages" in built.stdout

    stats = run_python("indexer.py", "stats", "--index", str(index))
    assert stats.returncode == 0, stats.stderr
    lines = dict(line.split(":", 1) for line in stats.stdout.strip().splitlines())
    assert lines["pages"].strip() == "3"
    assert int(lines["passages"]) >= 9 and int(lines["vocabulary"].split()[0]) > 50
    assert "(format 2)" in lines["index version"]

    question = "How are outcomes checked at review?"
    asked = run_python("indexer.py", "ask", question, "--index", str(index))
    assert asked.returncode == 0, asked.stderr
    assert "key performance indicators" in asked.stdout
    assert "guides/commissioning-cycle.html#review" in asked.stdout


def test_readable_errors_not_tracebacks(tmp_path):
    missing = run_python("indexer.py", "stats", "--index", str(tmp_path / "none"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: no index at") and "Traceback" not in missing.stderr
    no_source = run_python(
        "indexer.py", "build", "--source", str(tmp_path / "nope"), "--index", str(tmp_path / "i")
    )
    assert no_source.returncode == 2 and "does not exist" in no_source.stderr
    bad = run_python("indexer.py", "frobnicate")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    short = run_python("indexer.py", "build", "--max-passage-words", "10", "--index", str(tmp_path))
    assert short.returncode == 2
    assert short.stderr.startswith("error: --max-passage-words must be a whole number from 50")


def test_the_indexer_takes_its_defaults_from_the_servers_settings(tmp_path, monkeypatch):
    def passages(*args: str) -> int:
        done = run_python("indexer.py", "stats", *args)
        assert done.returncode == 0, done.stderr
        return int(dict(line.split(":", 1) for line in done.stdout.splitlines())["passages"])

    source = ("--source", str(FIXTURE_SITE))
    default = tmp_path / "default"
    assert run_python("indexer.py", "build", *source, "--index", str(default)).returncode == 0
    monkeypatch.setenv("CCP_INDEX_DIR", str(tmp_path / "served"))
    monkeypatch.setenv("CCP_MAX_PASSAGE_WORDS", "50")
    built = run_python("indexer.py", "build", *source)  # into the folder the server serves
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "served" / "CURRENT").is_file()
    assert passages() > passages("--index", str(default))  # shorter passages, more of them
    monkeypatch.setenv("CCP_TOP_K", "0")
    bad = run_python("indexer.py", "stats")
    assert bad.returncode == 2 and bad.stderr.startswith("error: CCP_TOP_K must be")


def test_a_port_in_use_is_said_plainly_with_how_to_choose_another(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = run_python("-m", "web", "--port", str(port), "--index", str(tmp_path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: port {port} on 127.0.0.1 is already in use")
    assert "choose another port with --port" in done.stderr


def test_the_install_shows_its_progress(tmp_path):
    # run.sh installs through setup.sh; a venv whose "python" prints what pip would
    # print, unless told to be quiet, shows whether pip's progress reaches the user.
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    pip = tmp_path / ".venv" / "bin" / "python"
    pip.parent.mkdir(parents=True)
    pip.write_text('#!/bin/sh\ncase " $* " in *" -q "*) ;; *) echo "Collecting ($*)";; esac\n')
    pip.chmod(0o755)
    done = subprocess.run(
        ["sh", "-c", ". scripts/setup.sh"],
        cwd=tmp_path,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert "Installing CCP Assistant" in done.stdout
    assert "Collecting (-m pip install -e .)" in done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(*args: str, env: dict | None = None):
    """`python -m web` with `args` on a free port, once it answers; stopped after."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "web", "--port", str(port), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        yield proc, port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(("server", "header"), [(None, "ccp-assistant"), ("granian", "granian")])
def test_python_m_web_serves_on_a_production_server(fixture_index_root, server, header):
    choice = ["--server", server] if server else []  # waitress unless told
    with running("--index", str(fixture_index_root), *choice) as (_, port):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as r:
            health = json.load(r)
            assert r.headers["Server"] == header  # not Flask's development server
    assert health["status"] == "ok" and health["pages"] == 3


@pytest.mark.parametrize("server", ["waitress", "granian"])
def test_answers_on_a_kept_alive_connection_come_back_at_once(fixture_index_root, server):
    # Waitress is told to buffer each response and send it whole: nothing may be left
    # waiting in the buffer for its loop's next turn (up to a second).
    with running("--index", str(fixture_index_root), "--server", server) as (_, port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        started = time.monotonic()
        for i in range(20):
            body = json.dumps({"question": f"What did the pilot in Kent do? ({i})"})
            conn.request("POST", "/api/query", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            assert response.status == 200
            assert json.loads(response.read())["citations"]
        assert time.monotonic() - started < 2
        conn.close()


def test_waitress_buffers_responses_only_if_it_still_can(monkeypatch):
    from waitress.adjustments import Adjustments

    from web import DEFAULTS
    from web.__main__ import waitress_options

    assert waitress_options(2, DEFAULTS)["send_bytes"] >= 64 * 1024  # an answer in one send
    Adjustments(**waitress_options(2, DEFAULTS))  # accepted as it stands
    monkeypatch.delattr(Adjustments, "send_bytes")  # as when a release drops it
    assert "send_bytes" not in waitress_options(2, DEFAULTS)
    Adjustments(**waitress_options(2, DEFAULTS))


def test_a_client_that_stalls_mid_body_holds_up_no_one(fixture_index_root):
    """The default server reads a request in full before the app sees it."""
    with running("--index", str(fixture_index_root)) as (_, port):
        stalled = []
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(
                b"POST /api/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 50\r\n\r\n{"question"'
            )
            stalled.append(s)
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=10) as r:
            assert r.status == 200
        assert time.monotonic() - started < 2
        for s in stalled:
            s.close()


@pytest.mark.parametrize("server", ["waitress", "granian"])
def test_two_workers_share_the_port_and_the_conversations(fixture_index_root, tmp_path, server):
    args = ("--index", str(fixture_index_root), "--workers", "2", "--server", server)
    env = {"CCP_DB_PATH": str(tmp_path / "log.db")}
    with running(*args, env=env) as (proc, port):
        check_workers(proc, port)
    assert subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True).returncode == 1


@pytest.mark.parametrize("workers", [None, "1"])
def test_the_server_runs_one_process_per_core_unless_told(fixture_index_root, workers):
    from web.__main__ import cores

    env = {"CCP_WORKERS": workers} if workers else {}
    expected = int(workers or cores())
    with running("--index", str(fixture_index_root), env=env) as (proc, _):
        assert f"(waitress, {expected} process(es))" in proc.stdout.readline()
        assert len(workers_of(proc)) == (expected if expected > 1 else 0)  # 1: no fork
    assert cores() == len(os.sched_getaffinity(0))


def workers_of(proc: subprocess.Popen) -> list[str]:
    """The server's worker processes (not multiprocessing's resource tracker)."""
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
    workers = []
    for pid in children.stdout.split():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:  # it has just exited
            continue
        if b"resource_tracker" not in command:
            workers.append(pid)
    return workers


def check_workers(proc: subprocess.Popen, port: int) -> None:
    """Follow-ups read in context whichever worker answers; a dead worker replaced."""

    def post(question, conversation):
        body = json.dumps({"question": question, "conversation_id": conversation}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/query",
            body,
            {"Content-Type": "application/json", "Connection": "close"},
        )
        with urllib.request.urlopen(request, timeout=5) as r:
            return json.load(r)

    workers = workers_of(proc)
    assert len(workers) == 2
    for n in range(6):  # new connections land on either worker
        first = post("What happens in the analyse step?", f"c{n}")
        follow = post("And in the review?", first["conversation_id"])
        assert follow["follow_up"] is True, follow
    # A worker that dies is replaced; the other answers meanwhile.
    dead = workers[0]
    os.kill(int(dead), signal.SIGKILL)
    answered, deadline = False, time.monotonic() + 30
    while True:
        now = workers_of(proc)
        if dead not in now and not answered:
            try:
                assert post("What is the commissioning cycle?", "after")["citations"]
                answered = True
            except urllib.error.URLError:  # Granian may refuse for a moment while it respawns
                pass
        if answered and len(now) == 2:
            break
        assert time.monotonic() < deadline, "the dead worker was not replaced"
        time.sleep(0.2)
    for n in range(4):
        assert post("What happens in the analyse step?", f"d{n}")["citations"]
