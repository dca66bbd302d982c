"""HTTP throughput and latency of the production server, on loopback.

    python benchmarks/http.py [--seconds 5] [--workers 1 2]

Starts `python -m web` on the corpus index, then loads `POST /api/query` (a mix of the
development questions) and `GET /api/health` with 8 and 32 concurrent keep-alive
connections for a bounded time each, with one and with two server processes; then
loads queries while the index is updated and swapped ten times. Prints requests per
second, p50/p99 latency and errors for each, the query/health ratio, and one line of
JSON. The load comes from client processes on the same machine (2 cores here), so
absolute figures understate a server with cores of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on the path, where http.py would
# shadow the standard library's http package: look from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)


import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CLIENT_PROCESSES = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(port: int, kind: str, questions: list[str], threads: int, seconds: float, out):
    """One client process: `threads` keep-alive connections hitting one endpoint."""
    results = []
    deadline = time.monotonic() + seconds

    def run(offset: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies, errors, versions, n = [], 0, set(), offset
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                if kind == "health":
                    conn.request("GET", "/api/health")
                else:
                    body = json.dumps({"question": questions[n % len(questions)]})
                    conn.request("POST", "/api/query", body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                if response.status != 200:
                    errors += 1
                else:
                    versions.add(json.loads(data)["index_version"])
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            latencies.append(time.perf_counter() - started)
            n += 1
        results.append((latencies, errors, versions))

    workers = [threading.Thread(target=run, args=(i * 97,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put(
        (
            [x for r in results for x in r[0]],
            sum(r[1] for r in results),
            set().union(*(r[2] for r in results)),
        )
    )


def load(port: int, kind: str, questions: list[str], connections: int, seconds: float) -> dict:
    queue = multiprocessing.Queue()
    per = [
        connections // CLIENT_PROCESSES + (i < connections % CLIENT_PROCESSES)
        for i in range(CLIENT_PROCESSES)
    ]
    procs = [
        multiprocessing.Process(target=client, args=(port, kind, questions, n, seconds, queue))
        for n in per
        if n
    ]
    for p in procs:
        p.start()
    parts = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = [x for part in parts for x in part[0]]
    return {
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 2),
        "p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 2),
        "errors": sum(part[1] for part in parts),
        "requests": len(latencies),
        "versions": sorted(set().union(*(part[2] for part in parts))),
    }


def start_server(index: Path, workers: int, db: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {
        **os.environ,
        "CCP_DB_PATH": str(db),
        "CCP_RATE_LIMIT": "",
        "CCP_RELOAD_CHECK_SECONDS": "0.2",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "web",
            "--port",
            str(port),
            "--index",
            str(index),
            "--workers",
            str(workers),
            "--threads",
            "16",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    args = parser.parse_args(argv)
    lines = (ROOT / "tests/eval/questions.jsonl").read_text().splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    work = Path(tempfile.mkdtemp(prefix="ccp-http-"))
    site, index = work / "site", work / "index"
    shutil.copytree(ROOT / "corpus", site)
    subprocess.run(
        [sys.executable, "indexer.py", "build", "--source", str(site), "--index", str(index)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    figures: dict = {"benchmark": "http", "seconds": args.seconds, "runs": {}}
    try:
        for workers in args.workers:
            proc, port = start_server(index, workers, work / f"log-{workers}.db")
            try:
                for connections in (8, 32):
                    row = {
                        kind: load(port, kind, questions, connections, args.seconds)
                        for kind in ("query", "health")
                    }
                    row["query_to_health"] = round(row["query"]["rps"] / row["health"]["rps"], 3)
                    figures["runs"][f"workers={workers},connections={connections}"] = row
                    for kind in ("query", "health"):
                        r = row[kind]
                        print(
                            f"{workers} worker(s), {connections:2} connections, {kind:6}: "
                            f"{r['rps']:8.1f} req/s  p50 {r['p50_ms']:6.2f} ms  "
                            f"p99 {r['p99_ms']:7.2f} ms  errors {r['errors']}",
                            flush=True,
                        )
                    print(f"  query/health throughput: {row['query_to_health']:.2f}")
            finally:
                proc.terminate()
                proc.wait()
        figures["under_change"] = under_change(index, site, work, questions, args.seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures))
    return 0


def under_change(index: Path, site: Path, work: Path, questions: list[str], seconds: float):
    """Query load while the index is updated and swapped ten times."""
    proc, port = start_server(index, 1, work / "log-change.db")
    built = set()
    try:
        result: dict = {}
        loader = threading.Thread(
            target=lambda: result.update(load(port, "query", questions, 8, seconds * 3))
        )
        loader.start()
        page = site / "pilots" / "kent-pilot.html"
        for n in range(10):
            page.write_bytes(
                page.read_bytes().replace(b"</article>", f"<p>Edit {n}.</p></article>".encode())
            )
            done = subprocess.run(
                [
                    sys.executable,
                    "indexer.py",
                    "update",
                    "--source",
                    str(site),
                    "--index",
                    str(index),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            built.add(done.stdout.split("version ")[1].split()[0])
            time.sleep(seconds * 3 / 12)
        loader.join()
    finally:
        proc.terminate()
        proc.wait()
    versions = result.pop("versions")
    result.update(
        swaps=10,
        versions_seen=len(versions),
        all_from_complete_indexes=set(versions) <= built | {_first(index)},
    )
    print(
        f"under change (10 swaps): {result['rps']:.1f} req/s, errors {result['errors']}, "
        f"{len(versions)} index versions answered, all complete: "
        f"{result['all_from_complete_indexes']}"
    )
    return result


def _first(index: Path) -> str:
    return (index / "HISTORY").read_text().split()[0] if (index / "HISTORY").exists() else ""


if __name__ == "__main__":
    sys.exit(main())
