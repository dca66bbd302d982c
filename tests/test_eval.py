"""The quality gate: every part of the question sets must score at least its pinned
figures. Raise them in tests/eval/baseline.json when the assistant improves."""

import json
from pathlib import Path

import pytest

from assistant.evaluate import PARTS, evaluate, holds, load_questions

from .conftest import run_python

EVAL = Path(__file__).parent / "eval"
SETS = (EVAL / "questions.jsonl", EVAL / "blind.jsonl")
BASELINE = json.loads((EVAL / "baseline.json").read_text())
PINNED = [(part, metric) for part, figures in BASELINE.items() for metric in figures]


@pytest.fixture(scope="module")
def scores(corpus_index):
    return {p: s.to_json() for p, s in evaluate(corpus_index, load_questions(*SETS)).items()}


@pytest.mark.parametrize(("part", "metric"), PINNED)
def test_figure_does_not_fall_below_its_pinned_value(scores, part, metric):
    assert scores[part][metric] >= BASELINE[part][metric] - 1e-9, (
        f"{part} {metric} fell to {scores[part][metric]} from {BASELINE[part][metric]}"
    )


def test_every_key_fact_is_worded_as_in_its_section(corpus_index):
    """A fact the answering section does not hold could never be quoted: a labelling
    slip, not a fault of the assistant."""
    sections: dict[tuple[str, str | None], str] = {}
    for p in corpus_index.passages:
        key = (p.url.removesuffix(".html"), p.anchor)
        sections[key] = sections.get(key, "") + " " + p.text
    for q in load_questions(*SETS):
        if q.get("page"):
            text = sections[(q["page"], q["heading"])]
            for fact in q.get("facts", []):
                assert holds(text, fact), (q["id"], fact)


def test_eval_command_prints_each_part(corpus_index_root):
    done = run_python("indexer.py", "eval", "--index", str(corpus_index_root), "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert list(figures) == list(PARTS)  # every part, in order
    assert "blind-conversations" in PARTS
    assert sum(f["questions"] for f in figures.values()) >= 750
    assert figures["blind"]["questions"] + figures["blind-holdout"]["questions"] >= 150
