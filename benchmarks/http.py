"""HTTP throughput and latency of the production servers, on loopback.

    python benchmarks/http.py [--seconds 5] [--workers 1 2] [--servers waitress granian]
        [--rounds 2] [--no-change] [--passages 100000]

Starts `python -m web` on the corpus index with each server, then loads `POST /api/query`
(a mix of the development questions, each asked once first to warm up) and
`GET /api/health` with 8 and 32 concurrent keep-alive connections for a bounded time
each, with one and with two server processes. Beside ours it starts the peer service
(benchmarks/peer_service.py: Flask + bm25s top 5, on the same passages) with the same
server, processes and threads, and loads them in alternation, `--rounds` times each,
with the same questions. Ours runs twice: `query` with no answers kept
(CCP_ANSWER_CACHE=0), every question worked out as the peer works out every one, the
comparison that counts; and `cached` as it runs by default, where every question of the
mix, asked once in the warm-up, is served again from the answers kept (web/answers.py).
Then it loads queries on the default server while the index is updated and swapped ten
times. With `--passages N`, ours and the peer serve N synthetic passages instead, each a few
of the corpus's sentences drawn at random under the title and heading of the first, so
that questions find passages worth answering from, as they do on the corpus (and there
is no load under updates).
Prints requests per second, p50/p99 latency, the server CPU a request took and errors
for each, the query/health, query/peer and cached/peer ratios, and one line of
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

from assistant.index import SearchIndex
from assistant.index.versions import current_version, load_current, publish
from assistant.models import Passage

ROOT = Path(__file__).resolve().parent.parent
CLIENT_PROCESSES = 2
QUESTIONS = [
    json.loads(line)["question"]
    for line in (ROOT / "tests/eval/questions.jsonl").read_text().splitlines()
    if line.strip()
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Connection:
    """A keep-alive HTTP/1.1 connection that reads only what the figures need (status,
    X-Index-Version, a Content-Length body): a client as light as we can make it in
    Python, since it shares the machine's cores with the server it measures."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def exchange(self, request: bytes) -> tuple[int, bytes | None]:
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        length, version = None, None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"x-index-version":
                version = value.strip()
        if length is None:
            raise http.client.HTTPException("no Content-Length")
        while len(self.buffer) < length:
            self._receive()
        self.buffer = self.buffer[length:]
        return int(head[9:12]), version

    def _receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def requests_for(kind: str, questions: list[str]) -> list[bytes]:
    """The raw requests a client sends, made before the clock starts."""
    if kind == "health":
        return [b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"]
    out = []
    for question in questions:
        body = json.dumps({"question": question}).encode()
        out.append(
            b"POST /api/query HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
    return out


def client(port, kind, questions, threads, seconds, stop, out):
    """One client process: `threads` keep-alive connections hitting one endpoint until
    `seconds` pass or `stop` is set."""
    requests = requests_for(kind, questions)
    results = []
    started = time.monotonic()
    deadline = started + seconds

    def run(offset: int):
        conn = Connection(port)
        latencies, errors, versions, n = [], 0, set(), offset
        while time.monotonic() < deadline and not (stop and stop.is_set()):
            sent = time.perf_counter()
            try:
                status, version = conn.exchange(requests[n % len(requests)])
                if status != 200:
                    errors += 1
                else:
                    versions.add(version.decode() if version else None)
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = Connection(port)
            latencies.append(time.perf_counter() - sent)
            n += 1
        conn.close()
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
            (started, time.monotonic()),
        )
    )


def load(
    port: int, kind: str, questions: list[str], connections: int, seconds: float, stop=None
) -> dict:
    return summarise(load_parts(port, kind, questions, connections, seconds, stop))


def load_parts(
    port: int, kind: str, questions: list[str], connections: int, seconds: float, stop=None
) -> list:
    """Each client process's latencies, errors, versions and (start, end) times."""
    queue = multiprocessing.Queue()
    per = [
        connections // CLIENT_PROCESSES + (i < connections % CLIENT_PROCESSES)
        for i in range(CLIENT_PROCESSES)
    ]
    procs = [
        multiprocessing.Process(
            target=client, args=(port, kind, questions, n, seconds, stop, queue)
        )
        for n in per
        if n
    ]
    for p in procs:
        p.start()
    parts = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return parts


def summarise(parts: list, loads: int = 1) -> dict:
    """Figures over the client processes' parts of `loads` loads made one after another
    (each load's processes are consecutive in `parts`)."""
    latencies = [x for part in parts for x in part[0]]
    per = len(parts) // loads
    elapsed = sum(
        max(part[3][1] for part in group) - min(part[3][0] for part in group)
        for group in (parts[i : i + per] for i in range(0, len(parts), per))
    )
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 2),
        "p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 2),
        "errors": sum(part[1] for part in parts),
        "requests": len(latencies),
        "versions": sorted(set().union(*(part[2] for part in parts))),
    }


def start_server(
    index: Path,
    server: str,
    workers: int,
    db: Path,
    threads: int | None = None,
    answer_cache: int | None = 0,
) -> tuple[subprocess.Popen, int]:
    """Our server; by default with no answers kept (CCP_ANSWER_CACHE=0), so every
    question is worked out as the peer works out every one; None keeps the default."""
    port = free_port()
    env = {
        **os.environ,
        "CCP_DB_PATH": str(db),
        "CCP_RATE_LIMIT": "",
        "CCP_RELOAD_CHECK_SECONDS": "0.2",
    }
    if answer_cache is not None:
        env["CCP_ANSWER_CACHE"] = str(answer_cache)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "web",
            "--port",
            str(port),
            "--index",
            str(index),
            "--server",
            server,
            "--workers",
            str(workers),
            *(["--threads", str(threads)] if threads else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    health = requests_for("health", [])[0]
    for _ in range(300):
        try:
            conn = Connection(port)
            status, _ = conn.exchange(health)
            conn.close()
            if status == 200:
                warm_up(port, workers)
                return proc, port
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def start_peer(
    index: Path, server: str, workers: int, threads: int | None = None
) -> tuple[subprocess.Popen, int]:
    """The peer service with the same server, processes and threads as ours."""
    port = free_port()
    command = [sys.executable, str(ROOT / "benchmarks" / "peer_service.py"), "--index"]
    command += [str(index), "--port", str(port), "--server", server, "--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            warm_up(port)  # answers once it has started
            break
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
    else:
        proc.kill()
        raise SystemExit("the peer service did not start")
    if workers > 1:
        warm_up(port, workers)  # bm25s compiles its code in each process
    return proc, port


def alternate(
    services: dict[str, tuple[subprocess.Popen, int]], questions: list[str], connections: int, args
) -> dict:
    """Load each service in turn, `args.rounds` times, so a drift in the machine's
    speed falls on both alike; with the server CPU each request took."""
    parts: dict[str, list] = {name: [] for name in services}
    cpu: dict[str, float] = dict.fromkeys(services, 0.0)
    for _ in range(args.rounds):
        for name, (proc, port) in services.items():
            before = tree_cpu(proc.pid)
            parts[name] += load_parts(port, "query", questions, connections, args.seconds)
            cpu[name] += tree_cpu(proc.pid) - before
    return {name: with_cpu(summarise(p, args.rounds), cpu[name]) for name, p in parts.items()}


def tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by a process and its descendants (a
    server's workers), from /proc: what a request costs the server, however busy the
    machine, which requests a second are not (the client shares the cores)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    todo = [pid]
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # gone meanwhile
    return total


def with_cpu(figures: dict, cpu_seconds: float) -> dict:
    figures["cpu_ms"] = round(cpu_seconds / max(figures["requests"], 1) * 1000, 3)
    return figures


def warm_up(port: int, workers: int = 1) -> None:
    """Ask every question once in each server process, so figures show a server in its
    steady state: the first time a passage is cited its sentences are analysed, and
    the first time a section is offered its question is answered, then kept. Processes
    race to accept connections, so with several the questions go over 4 connections a
    process at once, each asking all of them: one process taking them all is a 1 in
    2^7 chance at two processes."""
    requests = requests_for("query", QUESTIONS)

    def ask_all() -> None:
        conn = Connection(port)
        for request in requests:
            conn.exchange(request)
        conn.close()

    if workers == 1:
        ask_all()
        return
    failed: list[BaseException] = []

    def ask_all_or_note() -> None:
        try:
            ask_all()
        except (OSError, http.client.HTTPException) as exc:
            failed.append(exc)

    threads = [threading.Thread(target=ask_all_or_note) for _ in range(4 * workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        raise failed[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--servers", nargs="*", default=["waitress", "granian"])
    parser.add_argument("--threads", type=int, help="app threads a process (default: as served)")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of ours and the peer")
    parser.add_argument("--no-change", action="store_true", help="skip the load under updates")
    parser.add_argument("--passages", type=int, help="serve this many synthetic passages")
    args = parser.parse_args(argv)
    questions = QUESTIONS
    work = Path(tempfile.mkdtemp(prefix="ccp-http-"))
    site, index = work / "site", work / "index"
    shutil.copytree(ROOT / "corpus", site)
    subprocess.run(
        [sys.executable, "indexer.py", "build", "--source", str(site), "--index", str(index)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    if args.passages:
        index = synthetic_index(index, args.passages, work / "synthetic")
        args.no_change = True
    figures: dict = {"benchmark": "http", "seconds": args.seconds, "runs": {}, "under_change": {}}
    figures["passages"] = len(load_current(index).passages)
    try:
        for server in args.servers:
            for workers in args.workers:
                proc, port = start_server(
                    index, server, workers, work / f"{server}-{workers}.db", args.threads
                )
                kept, kept_port = start_server(
                    index, server, workers, work / f"{server}-{workers}-kept.db", args.threads, None
                )
                peer, peer_port = start_peer(index, server, workers, args.threads)
                try:
                    for connections in (8, 32):
                        services = {
                            "query": (proc, port),
                            "cached": (kept, kept_port),
                            "peer": (peer, peer_port),
                        }
                        row = alternate(services, questions, connections, args)
                        before = tree_cpu(proc.pid)
                        row["health"] = load(port, "health", questions, connections, args.seconds)
                        with_cpu(row["health"], tree_cpu(proc.pid) - before)
                        row["query_to_health"] = round(
                            row["query"]["rps"] / row["health"]["rps"], 3
                        )
                        row["query_to_peer"] = round(row["query"]["rps"] / row["peer"]["rps"], 3)
                        row["cached_to_peer"] = round(row["cached"]["rps"] / row["peer"]["rps"], 3)
                        key = f"{server},workers={workers},connections={connections}"
                        figures["runs"][key] = row
                        for kind in ("query", "cached", "peer", "health"):
                            r = row[kind]
                            print(
                                f"{server:8} {workers} worker(s), {connections:2} connections, "
                                f"{kind:6}: {r['rps']:8.1f} req/s  p50 {r['p50_ms']:6.2f} ms  "
                                f"p99 {r['p99_ms']:7.2f} ms  server CPU {r['cpu_ms']:5.2f} ms/req  "
                                f"errors {r['errors']}",
                                flush=True,
                            )
                        print(
                            f"  query/health throughput: {row['query_to_health']:.2f}  "
                            f"query/peer: {row['query_to_peer']:.2f}  "
                            f"cached/peer: {row['cached_to_peer']:.2f}",
                            flush=True,
                        )
                finally:
                    for p in (proc, kept, peer):
                        p.terminate()
                        p.wait()
            if not args.no_change:
                figures["under_change"][server] = under_change(index, site, work, server, questions)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures))
    return 0


def synthetic_index(corpus_index: Path, size: int, directory: Path, seed: int = 7) -> Path:
    """An index of `size` passages of 3 to 8 of the corpus's sentences each, drawn at
    random (the first sentence's title and heading kept), published at `directory`.
    Passages of the corpus's words drawn one by one (benchmarks/query.py) time search
    well, but no question finds an answer in them: answering would be timed on
    declines."""
    real = load_current(corpus_index).passages
    sentences = [(p, p.text[a:b]) for p in real for a, b in p.sentences]
    rng = np.random.default_rng(seed)
    passages = []
    for i, count in enumerate(rng.integers(3, 9, size=size)):
        drawn = [sentences[j] for j in rng.integers(0, len(sentences), size=count)]
        source = drawn[0][0]
        text, spans = "", []
        for _, sentence in drawn:
            start = len(text) + (1 if text else 0)
            text = f"{text} {sentence}" if text else sentence
            spans.append((start, start + len(sentence)))
        passages.append(
            Passage(
                f"s{i}", f"s/{i // 10}.html#s{i}", source.title, source.heading_path,
                f"s{i}", text, tuple(spans),
            )
        )  # fmt: skip
    publish(SearchIndex.build(passages), directory)
    return directory


def under_change(index: Path, site: Path, work: Path, server: str, questions: list[str]) -> dict:
    """Query load from before the first of ten index updates until after the last."""
    proc, port = start_server(index, server, 1, work / f"{server}-change.db", answer_cache=None)
    built = {current_version(index)}  # serving when the load starts
    stop = multiprocessing.Event()
    try:
        result: dict = {}
        loader = threading.Thread(
            target=lambda: result.update(load(port, "query", questions, 8, 600, stop))
        )
        loader.start()
        time.sleep(1)
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
            time.sleep(0.5)  # the server looks for a new version every 0.2 s
        stop.set()
        loader.join()
    finally:
        proc.terminate()
        proc.wait()
    versions = result.pop("versions")
    result.update(
        swaps=10,
        versions_seen=len(versions),
        all_from_complete_indexes=set(versions) <= built,
    )
    print(
        f"{server} under change (10 swaps): {result['rps']:.1f} req/s, "
        f"errors {result['errors']}, "
        f"{len(versions)} index versions answered, all complete: "
        f"{result['all_from_complete_indexes']}"
    )
    return result


if __name__ == "__main__":
    sys.exit(main())
