"""How much of the every-key-fact measure the search leaves to the answer.

    python benchmarks/ceiling.py [--index index/]

For each standalone question of tests/eval/ with key facts, whether its answer holds
every key fact (as `indexer.py eval` counts it), and whether quoting the whole first
section retrieved, or the whole of the first three, would: the most that choosing
sentences better could reach without better ranking. Prints a row per part and ends
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
from collections import defaultdict

from assistant.answer import retrieve
from assistant.evaluate import PARTS, holds, load_questions, run
from assistant.index import load_current

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    args = parser.parse_args(argv)
    index = load_current(args.index)
    questions = load_questions(ROOT / "tests/eval/questions.jsonl", ROOT / "tests/eval/blind.jsonl")
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for outcome in run(index, questions):
        q = outcome.question
        if not q.get("page") or not q.get("facts") or q.get("follow_up_of"):
            continue
        hits = retrieve(q["question"], index, None, 3)[1]
        first = hits[0].passage.text if hits else ""
        three = " ".join(hit.passage.text for hit in hits)
        row = counts[q["part"]]
        row[0] += 1
        row[1] += outcome.facts
        row[2] += all(holds(first, fact) for fact in q["facts"])
        row[3] += all(holds(three, fact) for fact in q["facts"])
    figures = {}
    print(f"{'part':22} {'questions':>9} {'answers':>8} {'first section':>14} {'first three':>12}")
    order = sorted(counts, key=lambda p: PARTS.index(p) if p in PARTS else len(PARTS))
    for part in order:
        n, answers, first, three = counts[part]
        figures[part] = {
            "questions": n,
            "answers": round(answers / n, 3),
            "first_section": round(first / n, 3),
            "first_three_sections": round(three / n, 3),
        }
        f = figures[part]
        print(
            f"{part:22} {n:9d} {f['answers']:8.3f} {f['first_section']:14.3f} "
            f"{f['first_three_sections']:12.3f}"
        )
    print(json.dumps({"benchmark": "ceiling", "parts": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
