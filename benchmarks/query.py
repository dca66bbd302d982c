"""Retrieval speed: our retriever, TF-IDF alone and hybrid, next to bm25s with its numba
and its numpy backend; one thread, no HTTP.

    python benchmarks/query.py [--sizes 10000 100000 1000000] [--queries 500] [--rounds 3]

Runs on the real corpus and on synthetic corpora of the given sizes, whose passages
are drawn from the corpus's own words at their own frequencies (40 to 120 words each).
Queries are the development question set, tokenised in advance for every system: for
bm25s with its tokeniser and the same Snowball stemmer, for ours analysed into terms
(and, for hybrid, with the question's vector). Each query is asked on its own, top 10,
in `--rounds` rounds that take the systems in turn; queries per second are the median
round's, latency p50/p99 over all rounds. bm25s's numba backend is JIT-compiled before
timing and called with one thread (its serial path); its numpy backend is called as its
documentation shows (`retrieve(tokens, k=10)`, no thread pool). "lexical" is our TF-IDF
search alone; "hybrid" is what the server runs (the compiled kernel when numba is
installed); "hybrid, NumPy" is the same search without numba; "from the question" is
hybrid timed from the raw question (analysis and the question's vector included). Also
measures the whole server's memory (RSS) serving a 100,000-passage index, with and
without the compiled kernel. Ends with one line of JSON.
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
from collections import Counter

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from assistant.build import build
from assistant.index import SearchIndex
from assistant.index.versions import load_current, publish
from assistant.models import Passage
from assistant.text import analyze


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


def time_rounds(systems: dict, queries: list[str], rounds: int) -> dict[str, dict]:
    """Time each system on every query, `rounds` times, taking the systems in turn."""
    for search in systems.values():
        for q in queries[:20]:  # warm caches (and bm25s's JIT)
            search(q)
    qps: dict[str, list[float]] = {name: [] for name in systems}
    latencies: dict[str, list[float]] = {name: [] for name in systems}
    for _ in range(rounds):
        for name, search in systems.items():
            times = []
            for q in queries:
                started = time.perf_counter()
                search(q)
                times.append(time.perf_counter() - started)
            qps[name].append(len(queries) / sum(times))
            latencies[name] += times
    return {
        name: {
            "qps": round(float(np.median(qps[name])), 1),
            "p50_ms": round(float(np.percentile(latencies[name], 50)) * 1000, 3),
            "p99_ms": round(float(np.percentile(latencies[name], 99)) * 1000, 3),
        }
        for name in systems
    }


def measure(passages: list[Passage], queries: list[str], rounds: int) -> dict:
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

    corpus = bm25s.tokenize(
        [f"{p.title} {p.text}" for p in passages], stemmer=stemmer, show_progress=False
    )
    peers, peer_build = {}, {}
    for backend in ("numba", "numpy"):
        started = time.perf_counter()
        peers[backend] = bm25s.BM25(k1=1.5, b=0.75, backend=backend)
        peers[backend].index(corpus, show_progress=False)
        peer_build[backend] = time.perf_counter() - started

    # Every system gets its queries tokenised in advance.
    tokenised = {
        q: bm25s.tokenize([q], stemmer=stemmer, show_progress=False, return_ids=False)
        for q in queries
    }
    terms = {q: Counter(analyze(q)) for q in queries}
    vectors = {q: hybrid.embed_query(q) for q in queries}
    numba, numpy = peers["numba"], peers["numpy"]
    systems = {
        "lexical": lambda q: lexical.search_terms(terms[q], 10),
        "hybrid": lambda q: hybrid.search_terms(terms[q], 10, vectors[q]),
        "hybrid_numpy": lambda q: hybrid._search_numpy(terms[q], 10, vectors[q], None),
        "hybrid_from_question": lambda q: hybrid.search(q, 10),
        "bm25s_numba": lambda q: numba.retrieve(
            tokenised[q], k=10, show_progress=False, n_threads=1
        ),
        "bm25s_numpy": lambda q: numpy.retrieve(tokenised[q], k=10, show_progress=False),
    }
    row = {"passages": len(passages), **time_rounds(systems, queries, rounds)}
    row["kernel"] = "numba" if hybrid._kernel is not None else "numpy"
    row["lexical"]["build_s"] = round(lexical_build, 1)
    row["hybrid"]["build_s"] = round(hybrid_build, 1)
    for backend in ("numba", "numpy"):
        row[f"bm25s_{backend}"]["build_s"] = round(peer_build[backend], 1)
        for ours in ("lexical", "hybrid", "hybrid_numpy", "hybrid_from_question"):
            ratio = row[ours]["qps"] / row[f"bm25s_{backend}"]["qps"]
            row[f"{ours}_to_{backend}"] = round(ratio, 3)
    row["build_ratio"] = round(hybrid_build / max(lexical_build, 1e-9), 2)
    qps = {name: row[name]["qps"] for name in systems}
    print(
        f"{len(passages):>9} passages, q/s: lexical {qps['lexical']:.0f} | hybrid "
        f"{qps['hybrid']:.0f} (p50 {row['hybrid']['p50_ms']:.3f} ms, p99 "
        f"{row['hybrid']['p99_ms']:.3f} ms; NumPy {qps['hybrid_numpy']:.0f}; from the "
        f"question {qps['hybrid_from_question']:.0f}) | bm25s numba "
        f"{qps['bm25s_numba']:.0f}, numpy {qps['bm25s_numpy']:.0f}",
        flush=True,
    )
    print(
        f"{'':>19}ours/numba: lexical {row['lexical_to_numba']:.2f}, hybrid "
        f"{row['hybrid_to_numba']:.2f} (NumPy {row['hybrid_numpy_to_numba']:.2f}, from the "
        f"question {row['hybrid_from_question_to_numba']:.2f}) | ours/numpy: lexical "
        f"{row['lexical_to_numpy']:.2f}, hybrid {row['hybrid_to_numpy']:.2f} | build "
        f"{hybrid_build:.1f}s vs {lexical_build:.1f}s without vectors ({row['build_ratio']:.2f}x)",
        flush=True,
    )
    return row


def server_rss_mb(passages: list[Passage], queries: list[str]) -> dict[str, float]:
    """Serve an index of `passages` with `python -m web`, with the compiled kernel (if
    numba is installed) and without it; return the RSS of all the server's processes
    after queries (pages they share are counted once in each)."""
    work = Path(tempfile.mkdtemp(prefix="ccp-rss-"))
    try:
        publish(SearchIndex.build(passages), work / "index")
        return {
            kernel: _serve_rss(work / "index", queries, kernel) for kernel in ("numba", "numpy")
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _serve_rss(index: Path, queries: list[str], kernel: str) -> float:
    """The server's RSS in MB with CCP_SEARCH_KERNEL=`kernel`."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CCP_DB_PATH": "", "CCP_RATE_LIMIT": "", "CCP_SEARCH_KERNEL": kernel}
    proc = subprocess.Popen(
        [sys.executable, "-m", "web", "--port", str(port), "--index", str(index)],
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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-rss", action="store_true", help="skip the server memory check")
    args = parser.parse_args(argv)
    lines = (ROOT / "tests/eval/questions.jsonl").read_text().splitlines()
    queries = [json.loads(line)["question"] for line in lines if line.strip()][: args.queries]

    work = Path(tempfile.mkdtemp(prefix="ccp-query-"))
    build(ROOT / "corpus", work / "index", progress=False)
    real = load_current(work / "index")
    shutil.rmtree(work, ignore_errors=True)
    results = {"corpus": measure(real.passages, queries, args.rounds)}
    for size in args.sizes:
        results[str(size)] = measure(synthetic(real.words, size), queries, args.rounds)
    figures = {"benchmark": "query", "queries": len(queries), "results": results}
    if not args.no_rss:
        rss = server_rss_mb(synthetic(real.words, 100_000), queries)
        figures["server_rss_mb_100k"] = rss
        print(
            f"server RSS serving 100,000 passages: {rss['numba']} MB with the compiled "
            f"kernel, {rss['numpy']} MB without (target under 300 MB)"
        )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
