"""The command line as an editor uses it: real subprocesses."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from .conftest import FIXTURE_SITE, ROOT


def run(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_build_stats_and_ask(tmp_path):
    index = tmp_path / "index"
    built = run("indexer.py", "build", "--source", str(FIXTURE_SITE), "--index", str(index))
    assert built.returncode == 0, built.stderr
    assert "indexed 3 of 3 pages" in built.stdout

    stats = run("indexer.py", "stats", "--index", str(index))
    assert stats.returncode == 0, stats.stderr
    lines = dict(line.split(":", 1) for line in stats.stdout.strip().splitlines())
    assert lines["pages"].strip() == "3"
    assert int(lines["passages"]) >= 9 and int(lines["vocabulary"].split()[0]) > 50
    assert "(format 1)" in lines["index version"]

    asked = run("indexer.py", "ask", "How are outcomes checked at review?", "--index", str(index))
    assert asked.returncode == 0, asked.stderr
    assert "key performance indicators" in asked.stdout
    assert "guides/commissioning-cycle.html#review" in asked.stdout


def test_readable_errors_not_tracebacks(tmp_path):
    missing = run("indexer.py", "stats", "--index", str(tmp_path / "none"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: no index at") and "Traceback" not in missing.stderr
    no_source = run(
        "indexer.py", "build", "--source", str(tmp_path / "nope"), "--index", str(tmp_path / "i")
    )
    assert no_source.returncode == 2 and "does not exist" in no_source.stderr
    bad = run("indexer.py", "frobnicate")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_python_m_web_serves_on_the_production_server(fixture_index_root):
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "web", "--port", str(port), "--index", str(fixture_index_root)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    health = json.load(r)
                    server = r.headers["Server"]
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert health["status"] == "ok" and health["pages"] == 3
        assert server == "granian"  # the production server, not Flask's development one
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_two_workers_share_the_port_and_the_conversations(fixture_index_root, tmp_path):
    port = free_port()
    env = {**os.environ, "CCP_DB_PATH": str(tmp_path / "log.db")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "web",
            "--port",
            str(port),
            "--index",
            str(fixture_index_root),
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def post(question, conversation):
        body = json.dumps({"question": question, "conversation_id": conversation}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/query",
            body,
            {"Content-Type": "application/json", "Connection": "close"},
        )
        with urllib.request.urlopen(request, timeout=5) as r:
            return json.load(r)

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                post("What is the commissioning cycle?", "warm")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline
                time.sleep(0.2)
        workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
        assert len(workers.stdout.split()) == 2
        for n in range(6):  # new connections land on either worker
            post("What happens in the analyse step?", f"c{n}")
            follow = post("And in the review?", f"c{n}")
            assert follow["follow_up"] is True, follow
        # A worker that dies is replaced; the other answers meanwhile.
        dead = workers.stdout.split()[0]
        os.kill(int(dead), signal.SIGKILL)
        answered, deadline = False, time.monotonic() + 30
        while True:
            now = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
            if dead not in now.stdout.split() and not answered:
                assert post("What is the commissioning cycle?", "after")["citations"]
                answered = True
            if answered and len(now.stdout.split()) == 2:
                break
            assert time.monotonic() < deadline, "the dead worker was not replaced"
            time.sleep(0.2)
        for n in range(4):
            assert post("What happens in the analyse step?", f"d{n}")["citations"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True).returncode == 1
