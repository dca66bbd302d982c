"""Ranking quality of the assistant's retriever next to bm25s, on IR test collections.

    python benchmarks/retrieval.py [--collection DIR ...]

Defaults to Cranfield and CISI in ../shared/benchmarks. Any collection in BEIR's layout
(corpus.jsonl, queries.jsonl, qrels/test.tsv) works too. Every system sees the same
documents and queries; a document's title is indexed as a title (as the corpus pages'
titles are) and its text as text. Ours runs twice with exactly the settings the
assistant serves with: TF-IDF alone ("lexical") and fused with the passage vectors
("hybrid", what the server runs). Prints nDCG@10, MRR@10 and Recall@100 per system and
collection, then one line of JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on the path, where http.py would
# shadow the standard library's http package: look from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
import math
import time

import bm25s
from nltk.stem.snowball import SnowballStemmer

from assistant.index import SearchIndex
from assistant.models import Passage
from benchmarks.collections_io import load

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks"
DEFAULT_COLLECTIONS = [SHARED / "cranfield", SHARED / "cisi"]


def ndcg_at(ranked: list[str], gains: dict[str, int], k: int = 10) -> float:
    dcg = sum(gains.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mrr_at(ranked: list[str], gains: dict[str, int], k: int = 10) -> float:
    return next((1 / (i + 1) for i, d in enumerate(ranked[:k]) if gains.get(d, 0) > 0), 0.0)


def recall_at(ranked: list[str], gains: dict[str, int], k: int = 100) -> float:
    return len(set(ranked[:k]) & set(gains)) / len(gains)


def evaluate(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    n = len(qrels)
    return {
        "ndcg@10": sum(ndcg_at(runs.get(q, []), g) for q, g in qrels.items()) / n,
        "mrr@10": sum(mrr_at(runs.get(q, []), g) for q, g in qrels.items()) / n,
        "recall@100": sum(recall_at(runs.get(q, []), g) for q, g in qrels.items()) / n,
    }


def run_ours(docs, queries, hybrid: bool) -> tuple[dict[str, list[str]], float]:
    passages = [
        Passage(id=d, url=d, title=title, heading_path=(), anchor=None, text=text, sentences=())
        for d, (title, text) in docs.items()
    ]
    index = SearchIndex.build(passages)
    started = time.perf_counter()
    runs = {
        q: [h.passage.id for h in index.search(text, 100, hybrid=hybrid)]
        for q, text in queries.items()
    }
    return runs, time.perf_counter() - started


def run_bm25s(docs, queries) -> tuple[dict[str, list[str]], float]:
    stem = SnowballStemmer("english").stem
    stemmer = lambda words: [stem(w) for w in words]  # noqa: E731
    ids = list(docs)
    corpus = [f"{title} {text}" for title, text in docs.values()]
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index(
        bm25s.tokenize(corpus, stemmer=stemmer, show_progress=False), show_progress=False
    )
    qids = list(queries)
    tokens = bm25s.tokenize([queries[q] for q in qids], stemmer=stemmer, show_progress=False)
    started = time.perf_counter()
    results, _ = retriever.retrieve(tokens, k=min(100, len(ids)), show_progress=False)
    took = time.perf_counter() - started
    return {q: [ids[i] for i in row] for q, row in zip(qids, results, strict=True)}, took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--collection",
        type=Path,
        action="append",
        help="collection folder (repeatable); default Cranfield and CISI",
    )
    args = parser.parse_args(argv)
    figures: dict[str, dict] = {}
    for path in args.collection or DEFAULT_COLLECTIONS:
        docs, queries, qrels = load(path)
        queries = {q: t for q, t in queries.items() if q in qrels}
        row = {}
        runners = (
            ("lexical", lambda d, q: run_ours(d, q, hybrid=False)),
            ("hybrid", lambda d, q: run_ours(d, q, hybrid=True)),
            ("bm25s", run_bm25s),
        )
        for name, runner in runners:
            runs, took = runner(docs, queries)
            row[name] = {k: round(v, 4) for k, v in evaluate(runs, qrels).items()}
            row[name]["seconds"] = round(took, 3)
        figures[path.name] = row
        print(f"{path.name}: {len(docs)} documents, {len(queries)} judged queries")
        for name, m in row.items():
            print(
                f"  {name:7} nDCG@10 {m['ndcg@10']:.4f}  MRR@10 {m['mrr@10']:.4f}  "
                f"Recall@100 {m['recall@100']:.4f}"
            )
        for name in ("lexical", "hybrid"):
            ratio = row[name]["ndcg@10"] / max(row["bm25s"]["ndcg@10"], 1e-9)
            print(f"  {name}/bm25s nDCG@10 ratio {ratio:.3f}")
            row[f"{name}_ndcg_ratio"] = round(ratio, 4)
    print(json.dumps({"benchmark": "retrieval", "collections": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
