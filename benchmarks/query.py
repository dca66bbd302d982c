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
measures the whole server's memory (RSS) serving 100,000 passages, of words drawn one
by one and of the corpus's real sentences, with and without the compiled kernel. Ends
with one line of JSON.
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


def server_rss_mb(corpus_index: Path, words: dict[str, int], queries: list[str]) -> dict:
    """Serve 100,000 passages with `python -m web`, with the compiled kernel (if numba
    is installed) and without it, and return the server's memory after queries (see
    _serve_rss). Two kinds of passage: drawn word by word as the speed figures' are
    (short, with no sentences: the figures before 2026-12-05 were of these alone), and
    made of the corpus's real sentences, 3 to 8 each with their titles and headings
    (benchmarks/http.py), which hold what real passages hold and take more memory."""
    from benchmarks.http import synthetic_index

    work = Path(tempfile.mkdtemp(prefix="ccp-rss-"))
    try:
        publish(SearchIndex.build(synthetic(words, 100_000)), work / "words")
        synthetic_index(corpus_index, 100_000, work / "sentences")
        return {
            kind: {kernel: _serve_rss(work / kind, queries, kernel) for kernel in KERNELS}
            for kind in ("words", "sentences")
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


KERNELS = ("numba", "numpy")


def _serve_rss(index: Path, queries: list[str], kernel: str) -> dict:
    """The server's memory in MB with CCP_SEARCH_KERNEL=`kernel` (the default server:
    a parent that loads the index and one worker per core forked from it): the largest
    process's RSS, the sum of the processes' RSS (pages they share counted in each, as
    figures before 2026-12-05 were) and of their PSS (each page once)."""
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
        memory = [_memory_kb(pid) for pid in _process_tree(proc.pid)]
        return {
            "processes": len(memory),
            "rss_max": round(max(rss for rss, _ in memory) / 1024, 1),
            "rss_sum": round(sum(rss for rss, _ in memory) / 1024, 1),
            "pss_sum": round(sum(pss for _, pss in memory) / 1024, 1),
        }
    finally:
        proc.terminate()
        proc.wait()


def _process_tree(pid: int) -> list[int]:
    """The server's process and its workers (Granian runs the app in a child)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid] + [p for child in children for p in _process_tree(int(child))]


def _memory_kb(pid: int) -> tuple[int, int]:
    """A process's resident set and its proportional share of it (a page shared by n
    processes counts 1/n in each: the sum over processes is the memory they use)."""
    fields = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    )
    return int(fields["Rss"].split()[0]), int(fields["Pss"].split()[0])


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
    try:
        build(ROOT / "corpus", work / "index", progress=False)
        real = load_current(work / "index")
        results = {"corpus": measure(real.passages, queries, args.rounds)}
        for size in args.sizes:
            results[str(size)] = measure(synthetic(real.words, size), queries, args.rounds)
        figures = {"benchmark": "query", "queries": len(queries), "results": results}
        if not args.no_rss:
            rss = figures["server_rss_mb_100k"] = server_rss_mb(work / "index", real.words, queries)
            for kind, kernels in rss.items():
                for kernel, mb in kernels.items():
                    print(
                        f"server serving 100,000 passages of {kind}, {kernel}: largest "
                        f"process RSS {mb['rss_max']} MB (target under 300 MB); "
                        f"{mb['processes']} processes, RSS {mb['rss_sum']} MB in all, "
                        f"PSS {mb['pss_sum']} MB"
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
