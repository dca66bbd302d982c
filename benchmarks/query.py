"""Retrieval speed: our retriever, TF-IDF alone and hybrid, next to bm25s; one thread,
no HTTP.

    python benchmarks/query.py [--sizes 10000 100000 1000000] [--queries 500]

Runs on the real corpus and on synthetic corpora of the given sizes, whose passages
are drawn from the corpus's own words at their own frequencies (40 to 120 words each).
Queries are the development question set. Every system indexes the same passages and
answers the same queries, each query on its own, for queries per second and latency
p50/p99: ours from the raw question (analysis, and for hybrid the question's vector,
included), bm25s from queries tokenised in advance. "lexical" is the TF-IDF search
alone, as served before hybrid search; "hybrid" is what the server runs now. Build
times compare an index with passage vectors to one without. Also measures the whole
server's memory (RSS) serving a 100,000-passage index. Ends with one line of JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on the path, where http.py would
# shadow the standard library's http package: look from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from assistant.build import build
from assistant.index import SearchIndex
from assistant.index.versions import load_current, publish
from assistant.models import Passage


def synthetic(words: dict[str, int], n: int, seed: int = 7) -> list[Passage]:
    rng = np.random.default_rng(seed)
    vocab = np.array(list(words))
    p = np.array(list(words.values()), dtype=float)
    p /= p.sum()
    lengths = rng.integers(40, 121, size=n)
    drawn = rng.choice(len(vocab), size=int(lengths.sum()), p=p)
    passages, start = [], 0
    for i, length in enumerate(lengths):
        text = " ".join(vocab[drawn[start : start + length]])
        start += length
        passages.append(
            Passage(f"s{i}", f"s/{i // 100}.html", f"Page {i // 100}", (), None, text, ())
        )
    return passages


def time_queries(search, queries: list[str]) -> dict:
    for q in queries[:20]:  # warm caches
        search(q)
    latencies = []
    for q in queries:
        started = time.perf_counter()
        search(q)
        latencies.append(time.perf_counter() - started)
    total = sum(latencies)
    return {
        "qps": round(len(queries) / total, 1),
        "p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 3),
        "p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 3),
    }


def measure(passages: list[Passage], queries: list[str]) -> dict:
    import bm25s
    from nltk.stem.snowball import SnowballStemmer

    started = time.perf_counter()
    lexical = SearchIndex.build(passages, with_vectors=False)
    lexical_build = time.perf_counter() - started
    started = time.perf_counter()
    hybrid = SearchIndex.build(passages)
    hybrid_build = time.perf_counter() - started
    stem = SnowballStemmer("english").stem

    def stemmer(words):
        return [stem(w) for w in words]

    started = time.perf_counter()
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    corpus = [f"{p.title} {p.text}" for p in passages]
    retriever.index(
        bm25s.tokenize(corpus, stemmer=stemmer, show_progress=False), show_progress=False
    )
    bm25_build = time.perf_counter() - started

    # bm25s gets its queries tokenised in advance (its tokeniser is not timed); ours
    # is timed from the raw question, analysis included.
    tokenised = {
        q: bm25s.tokenize([q], stemmer=stemmer, show_progress=False, return_ids=False)
        for q in queries
    }

    def bm25_search(q):
        return retriever.retrieve(tokenised[q], k=10, show_progress=False, n_threads=1)

    row = {
        "passages": len(passages),
        "lexical": {
            **time_queries(lambda q: lexical.search(q, 10, hybrid=False), queries),
            "build_s": round(lexical_build, 1),
        },
        "hybrid": {
            **time_queries(lambda q: hybrid.search(q, 10), queries),
            "build_s": round(hybrid_build, 1),
        },
        "bm25s": {**time_queries(bm25_search, queries), "build_s": round(bm25_build, 1)},
    }
    row["hybrid_to_lexical"] = round(row["hybrid"]["qps"] / row["lexical"]["qps"], 3)
    row["hybrid_to_bm25s"] = round(row["hybrid"]["qps"] / row["bm25s"]["qps"], 3)
    row["build_ratio"] = round(hybrid_build / max(lexical_build, 1e-9), 2)
    print(
        f"{len(passages):>9} passages: lexical {row['lexical']['qps']:8.1f} q/s | hybrid "
        f"{row['hybrid']['qps']:8.1f} q/s (p50 {row['hybrid']['p50_ms']:.2f} ms, p99 "
        f"{row['hybrid']['p99_ms']:.2f} ms) | bm25s {row['bm25s']['qps']:8.1f} q/s | "
        f"hybrid/lexical {row['hybrid_to_lexical']:.2f}, hybrid/bm25s "
        f"{row['hybrid_to_bm25s']:.2f} | build {hybrid_build:.1f}s vs {lexical_build:.1f}s "
        f"({row['build_ratio']:.2f}x)",
        flush=True,
    )
    return row


def server_rss_mb(passages: list[Passage], queries: list[str]) -> float:
    """Serve an index of `passages` with `python -m web`; return the RSS of all its
    processes after queries (pages they share are counted once in each)."""
    work = Path(tempfile.mkdtemp(prefix="ccp-rss-"))
    try:
        publish(SearchIndex.build(passages), work / "index")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "CCP_DB_PATH": "", "CCP_RATE_LIMIT": ""}
        proc = subprocess.Popen(
            [sys.executable, "-m", "web", "--port", str(port), "--index", str(work / "index")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    urllib.request.urlopen(url + "/api/health", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            for q in queries[:100]:
                body = json.dumps({"question": q}).encode()
                request = urllib.request.Request(
                    url + "/api/query", body, {"Content-Type": "application/json"}
                )
                urllib.request.urlopen(request, timeout=10).read()
            return round(sum(_rss_kb(pid) for pid in _process_tree(proc.pid)) / 1024, 1)
        finally:
            proc.terminate()
            proc.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _process_tree(pid: int) -> list[int]:
    """The server's process and its workers (Granian runs the app in a child)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid] + [p for child in children for p in _process_tree(int(child))]


def _rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--no-rss", action="store_true", help="skip the server memory check")
    args = parser.parse_args(argv)
    lines = (ROOT / "tests/eval/questions.jsonl").read_text().splitlines()
    queries = [json.loads(line)["question"] for line in lines if line.strip()][: args.queries]

    work = Path(tempfile.mkdtemp(prefix="ccp-query-"))
    build(ROOT / "corpus", work / "index", progress=False)
    real = load_current(work / "index")
    shutil.rmtree(work, ignore_errors=True)
    results = {"corpus": measure(real.passages, queries)}
    for size in args.sizes:
        results[str(size)] = measure(synthetic(real.words, size), queries)
    figures = {"benchmark": "query", "queries": len(queries), "results": results}
    if not args.no_rss:
        figures["server_rss_mb_100k"] = server_rss_mb(synthetic(real.words, 100_000), queries)
        print(
            f"server RSS serving 100,000 passages: {figures['server_rss_mb_100k']} MB "
            "(target under 300 MB)"
        )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
