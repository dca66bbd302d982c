"""The peer our HTTP figures are measured against: Flask + bm25s (its numba backend, the
one a user who picks bm25s for speed picks), top 5 passages as JSON.

    python benchmarks/peer_service.py --index INDEX --port 8001 [--server waitress]
        [--workers 1] [--threads 2]

It serves the passages of our index (title, section and text, stemmed as in
benchmarks/retrieval.py) on `POST /api/query` with the same server, processes and
threads as `python -m web`, so the difference between the two is what our answering
costs over plain retrieval.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # as in http.py

import argparse  # noqa: E402
import os  # noqa: E402

import bm25s  # noqa: E402
from flask import Flask, jsonify, request  # noqa: E402
from nltk.stem.snowball import SnowballStemmer  # noqa: E402

from assistant import load_current  # noqa: E402
from web import DEFAULTS  # noqa: E402
from web.__main__ import run_granian, run_waitress, waitress_options  # noqa: E402

_stem = SnowballStemmer("english").stem


def stemmer(words: list[str]) -> list[str]:
    return [_stem(w) for w in words]


def create_app() -> Flask:
    """The peer app over the index at $PEER_INDEX (a factory, as Granian wants it)."""
    passages = load_current(Path(os.environ["PEER_INDEX"])).passages
    texts = [f"{p.title} {p.section} {p.text}" for p in passages]
    retriever = bm25s.BM25(k1=1.5, b=0.75, backend="numba")
    retriever.index(
        bm25s.tokenize(texts, stemmer=stemmer, show_progress=False), show_progress=False
    )
    app = Flask(__name__)

    @app.post("/api/query")
    def query():
        question = (request.get_json(silent=True) or {}).get("question", "")
        tokens = bm25s.tokenize([question], stemmer=stemmer, show_progress=False)
        k = min(5, len(passages))
        ids, scores = retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        results = [
            {"title": passages[i].title, "url": passages[i].url, "text": passages[i].text,
             "score": float(s)}
            for i, s in zip(ids[0], scores[0], strict=True) if s > 0
        ]  # fmt: skip
        return jsonify(results=results)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--server", choices=["waitress", "granian"], default="waitress")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    os.environ["PEER_INDEX"] = args.index
    threads = args.threads or (1 if args.server == "granian" else 2)
    if args.server == "granian":  # served as ours is (web/__main__.py)
        run_granian(
            "benchmarks.peer_service:create_app", args.host, args.port, args.workers, threads
        )
    else:
        options = waitress_options(threads, DEFAULTS)
        run_waitress(create_app(), args.host, args.port, args.workers, options)


if __name__ == "__main__":
    main()
