"""How far to trust an answer: a probability that it holds what was asked.

The evidence an answer is composed from (how much of the question its best passage
covers, how close that passage is in meaning, whether the first sentence states the
kind of answer asked for...) is mapped to a probability by a logistic model fitted on
the question sets' tuning parts, where each answer is known to hold its key facts or
not, and checked on the validation parts that the fit never saw (see
`benchmarks/calibration.py` and the reliability diagram in BENCHMARKS.md). The model's
few numbers live in `calibration.json` beside this file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

CALIBRATION = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True, slots=True)
class Evidence:
    """What composing an answer found; the features of the calibration model."""

    coverage: float  # share of the question's weight found in the best passage
    relatedness: float  # cosine similarity of the question and the best passage
    states_kind: float  # 1 when the first sentence states the kind of answer asked for
    from_best: float  # 1 when the answer opens with the best-ranked passage
    follow_up: float  # 1 for a follow-up question
    wordiness: float  # log(1 + the question's content words): long questions wrap context
    unfamiliar: float  # share of the question's terms the guidance never uses
    first_score: float  # how well the first piece quoted matches the question

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def values(self) -> list[float]:
        # Not dataclasses.astuple, which deep-copies each value: this runs every answer.
        return [getattr(self, name) for name in _NAMES]


_NAMES = tuple(Evidence.names())


@lru_cache(maxsize=1)
def _model() -> tuple[tuple[float, ...], float] | None:
    try:
        data = json.loads(CALIBRATION.read_text("utf-8"))
    except FileNotFoundError:
        return None
    if data.get("features") != Evidence.names():
        return None  # fitted on other features: refit with benchmarks/calibration.py
    return tuple(data["weights"]), float(data["bias"])


def calibrated() -> bool:
    """True when a fitted model is present, so confidence is a probability."""
    return _model() is not None


def probability(evidence: Evidence) -> float:
    """The chance that an answer with this evidence holds what was asked; without a
    fitted model, the coverage itself (not a probability: the page shows no figure)."""
    model = _model()
    if model is None:
        return evidence.coverage
    weights, bias = model
    z = bias + sum(w * x for w, x in zip(weights, evidence.values(), strict=True))
    return 1 / (1 + math.exp(-z))
