"""How much of the every-key-fact measure the search leaves to the answer.

    python benchmarks/ceiling.py [--index index/]

For each standalone question of tests/eval/ with key facts, whether its answer holds
every key fact (as `indexer.py eval` counts it), and whether quoting the whole first
section retrieved, or the whole of the first three, would: the most that choosing
sentences better could reach without better ranking. And the other way round, whether
the answer composed as usual would hold them with the labelled answering section put
first among the passages found ("answering first"): what better ranking alone could
reach. Prints a row per part and ends with one line of JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on the path, where http.py would
# shadow the standard library's http package: look from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
from collections import defaultdict

from assistant.answer import compose, retrieve
from assistant.evaluate import PARTS, RANKED, answer_text, holds_every, load_questions, run
from assistant.index import load_current
from assistant.models import Hit

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    args = parser.parse_args(argv)
    index = load_current(args.index)
    questions = load_questions(ROOT / "tests/eval/questions.jsonl", ROOT / "tests/eval/blind.jsonl")
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    rows = {(p.url.removesuffix(".html"), p.anchor): i for i, p in enumerate(index.passages)}
    for outcome in run(index, questions):
        q = outcome.question
        if not q.get("page") or not q.get("facts") or q.get("follow_up_of"):
            continue
        query, hits = retrieve(q["question"], index, None, RANKED)
        first = hits[0].passage.text if hits else ""
        three = " ".join(hit.passage.text for hit in hits[:3])
        row = counts[q["part"]]
        row[0] += 1
        row[1] += outcome.facts
        row[2] += holds_every(first, q["facts"])
        row[3] += holds_every(three, q["facts"])
        answering = rows.get((q["page"], q["heading"]))
        row[4] += _holds_with_answering_first(index, q, query, hits, answering)
    figures = {}
    print(
        f"{'part':22} {'questions':>9} {'answers':>8} {'first section':>14} "
        f"{'first three':>12} {'answering first':>16}"
    )
    order = sorted(counts, key=lambda p: PARTS.index(p) if p in PARTS else len(PARTS))
    for part in order:
        n, answers, first, three, answering_first = counts[part]
        figures[part] = {
            "questions": n,
            "answers": round(answers / n, 3),
            "first_section": round(first / n, 3),
            "first_three_sections": round(three / n, 3),
            "answering_first": round(answering_first / n, 3),
        }
        f = figures[part]
        print(
            f"{part:22} {n:9d} {f['answers']:8.3f} {f['first_section']:14.3f} "
            f"{f['first_three_sections']:12.3f} {f['answering_first']:16.3f}"
        )
    print(json.dumps({"benchmark": "ceiling", "parts": figures}))
    return 0


def _holds_with_answering_first(
    index, question: dict, query, hits: list[Hit], answering: int | None
) -> bool:
    """Whether the usual answer holds every key fact once the answering section (its
    row) leads the passages found, the others kept in their order."""
    if answering is not None:
        best = hits[0].score if hits else 1.0
        rest = [hit for hit in hits if hit.row != answering][: RANKED - 1]
        hits = [Hit(index.passages[answering], best, answering), *rest]
    return holds_every(answer_text(compose(query, hits, index)), question["facts"])


if __name__ == "__main__":
    sys.exit(main())
