"""Pairs for a blind reader: the answers a change alters, old and new as A and B.

    python benchmarks/reader_pairs.py make BEFORE OUT [--parts tuning,blind,first] [--most 60]
    python benchmarks/reader_pairs.py tally OUT

`make` answers every question of the parts twice, with the working tree and with the
commit BEFORE (checked out into a temporary worktree, reading the same index), and
writes OUT/pairs.md, each changed answer's question with the two answers in an order
drawn at random, as the chat page shows them, and OUT/key.json, which is which. Give
pairs.md to a helper with the brief in tests/eval/blind-method/READER_BRIEF.md, who
writes OUT/verdicts.json; `tally` then counts the verdicts for the new and the old
answers. Decisions look only at the parts that decisions may look at (the default).
Each command ends with one line of JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on the path, where http.py would
# shadow the standard library's http package: look from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
import random
import subprocess
import tempfile

ROOT = Path(__file__).resolve().parent.parent
DECIDING = "tuning,blind,first"


def shown(answer) -> str:
    """An answer as the chat page shows it: lists and tables whole, terms before the
    glossary bodies they head, then the sources."""
    if answer.no_answer:
        lines = [answer.text]
    else:
        lines = []
        for s in answer.sentences:
            if s.kind == "list":
                more = f"\n  (and {s.more} more)" if s.more else ""
                text = s.lead + "\n" + "\n".join(f"  • {item}" for item in s.items) + more
            elif s.kind == "table":
                rows = "\n".join("  " + " | ".join(row) for row in s.rows)
                text = "Table: " + " | ".join(s.header) + "\n" + rows
            else:
                text = s.text
            if s.term:
                text = f"{s.term}: {text}"
            lines.append(text + " " + "".join(f"[{n}]" for n in s.citations))
    sources = [f"  [{c.n}] {c.title} — {c.section}" for c in answer.citations]
    return "\n".join(lines) + "\nSources:\n" + "\n".join(sources)


def render(index_dir: Path, parts: set[str], out: Path) -> None:
    """Every question of the parts and its answer as shown, by the code on sys.path."""
    from assistant.evaluate import load_questions, run
    from assistant.index import load_current

    eval_dir = ROOT / "tests" / "eval"
    questions = load_questions(eval_dir / "questions.jsonl", eval_dir / "blind.jsonl")
    questions = [q for q in questions if q["part"] in parts]
    outcomes = run(load_current(index_dir), questions)
    out.write_text(json.dumps({o.question["id"]: shown(o.result) for o in outcomes}))


def answers_of(tree: Path, index_dir: Path, parts: str, out: Path) -> dict[str, str]:
    """Render in a process that imports the assistant from `tree` (this file is loaded
    by its path: `tree`'s own benchmarks/ may not have it)."""
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('reader_pairs', {__file__!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        f"sys.path.insert(0, {str(tree)!r})\n"
        f"module.render(module.Path({str(index_dir)!r}), set({parts!r}.split(',')), "
        f"module.Path({str(out)!r}))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tree)
    return json.loads(out.read_text())


def make(before: str, out: Path, parts: str, most: int, index_dir: Path, seed: int) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = Path(tmp) / "before"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(old_tree), before],
            check=True,
            cwd=ROOT,
        )
        try:
            old = answers_of(old_tree, index_dir, parts, Path(tmp) / "old.json")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old_tree)], cwd=ROOT)
        new = answers_of(ROOT, index_dir, parts, Path(tmp) / "new.json")
    from assistant.evaluate import load_questions

    eval_dir = ROOT / "tests" / "eval"
    by_id = {
        q["id"]: q for q in load_questions(eval_dir / "questions.jsonl", eval_dir / "blind.jsonl")
    }
    changed = [i for i in old if old[i] != new.get(i)]
    rng = random.Random(seed)
    rng.shuffle(changed)
    key, blocks = {}, []
    for n, qid in enumerate(changed[:most], 1):
        q = by_id[qid]
        new_first = rng.random() < 0.5
        a, b = (new[qid], old[qid]) if new_first else (old[qid], new[qid])
        key[n] = {"id": qid, "A": "new" if new_first else "old"}
        before_q = by_id[q["follow_up_of"]]["question"] if q.get("follow_up_of") else None
        context = f'(Follow-up. The user first asked: "{before_q}")\n' if before_q else ""
        blocks.append(
            f"### Pair {n}\n{context}QUESTION: {q['question']}\n\n"
            f"--- ANSWER A ---\n{a}\n\n--- ANSWER B ---\n{b}\n"
        )
    (out / "pairs.md").write_text("\n".join(blocks), "utf-8")
    (out / "key.json").write_text(json.dumps(key, indent=1), "utf-8")
    return {"changed": len(changed), "pairs": len(key), "parts": parts.split(",")}


def tally(out: Path) -> dict:
    key = json.loads((out / "key.json").read_text())
    counts = {"new": 0, "old": 0, "same": 0}
    for verdict in json.loads((out / "verdicts.json").read_text()):
        better = verdict["better"]
        if better == "same":
            counts["same"] += 1
        else:
            a = key[str(verdict["pair"])]["A"]
            counts[a if better == "A" else ("old" if a == "new" else "new")] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("make", help="write pairs.md and key.json")
    made.add_argument("before", help="the commit to compare the working tree with")
    made.add_argument("out", type=Path)
    made.add_argument("--parts", default=DECIDING)
    made.add_argument("--most", type=int, default=60)
    made.add_argument("--index", type=Path, default=ROOT / "index")
    made.add_argument("--seed", type=int, default=0)
    counted = commands.add_parser("tally", help="count verdicts.json for new and old")
    counted.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if args.command == "make":
        figures = make(args.before, args.out, args.parts, args.most, args.index, args.seed)
        print(f"{figures['changed']} answers changed; {figures['pairs']} pairs in {args.out}")
    else:
        figures = tally(args.out)
        print(f"new {figures['new']}, old {figures['old']}, the same {figures['same']}")
    print(json.dumps({"benchmark": "reader_pairs", **figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
