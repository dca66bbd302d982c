"""The quality gate: the development question set must score at least the pinned
figures. Raise them in tests/eval/baseline.json when the assistant improves."""

import json
from pathlib import Path

import pytest

from assistant.evaluate import evaluate, load_questions

from .conftest import run_python

EVAL = Path(__file__).parent / "eval"
BASELINE = json.loads((EVAL / "baseline.json").read_text())


@pytest.fixture(scope="module")
def scores(corpus_index):
    return evaluate(corpus_index, load_questions(EVAL / "questions.jsonl")).to_json()


@pytest.mark.parametrize("metric", sorted(BASELINE))
def test_metric_does_not_fall_below_its_pinned_value(scores, metric):
    assert scores[metric] >= BASELINE[metric] - 1e-9, (
        f"{metric} fell to {scores[metric]} from {BASELINE[metric]}"
    )


def test_eval_command_prints_the_figures(corpus_index_root):
    done = run_python("indexer.py", "eval", "--index", str(corpus_index_root), "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert set(BASELINE) <= set(figures) and figures["questions"] >= 500
