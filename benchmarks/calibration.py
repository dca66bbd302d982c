"""Fit the answer confidence and draw its reliability diagram.

    python benchmarks/calibration.py [--index index/] [--plot docs/reliability.png] [--write]

Answers every question of tests/eval/, as `indexer.py eval` does. Each answered
question with key facts is an example: the evidence its answer was composed from (see
assistant/answer/confidence.py) and whether the answer text holds every key fact. A
logistic model is fitted on the parts decisions may look at (tuning, blind) and judged
on the parts no decision looks at (validation and the held-out blind parts): within each band of
confidence, the share of answers that held their facts should match the band. With
--write the model is saved to assistant/answer/calibration.json. Ends with one line
of JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on the path, where http.py would
# shadow the standard library's http package: look from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json

import numpy as np

from assistant.answer.confidence import CALIBRATION, Evidence
from assistant.evaluate import load_questions, run
from assistant.index import load_current

ROOT = Path(__file__).resolve().parent.parent
FIT_ON = ("tuning", "blind")
JUDGED_ON = (
    "validation",
    "blind-holdout",
    "blind-holdout-2",
    "blind-holdout-3",
    "blind-holdout-4",
    "blind-holdout-5",
)
BANDS = np.linspace(0, 1, 6)  # five bands of confidence


def examples(index, questions) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per part: evidence rows and whether each answer held its key facts."""
    rows: dict[str, tuple[list, list]] = {}
    for outcome in run(index, questions, min_confidence=0.0):
        q = outcome.question
        if outcome.result.no_answer or not q.get("facts"):
            continue
        x, y = rows.setdefault(q["part"], ([], []))
        x.append(outcome.result.evidence.values())
        y.append(float(outcome.facts))
    return {p: (np.array(x), np.array(y)) for p, (x, y) in rows.items()}


def reliability(p: np.ndarray, y: np.ndarray) -> list[dict]:
    out = []
    for low, high in zip(BANDS[:-1], BANDS[1:], strict=True):
        inside = (p >= low) & ((p < high) | (high == 1.0))
        if inside.any():
            out.append(
                {
                    "band": f"{low:.1f}-{high:.1f}",
                    "answers": int(inside.sum()),
                    "mean_confidence": round(float(p[inside].mean()), 3),
                    "held_facts": round(float(y[inside].mean()), 3),
                }
            )
    return out


def calibration_error(p: np.ndarray, y: np.ndarray) -> float:
    """Expected calibration error: the answers-weighted gap between confidence and
    the share that held their facts, over the bands."""
    bins = reliability(p, y)
    return round(
        sum(b["answers"] * abs(b["mean_confidence"] - b["held_facts"]) for b in bins)
        / max(len(p), 1),
        4,
    )


def plot(judged: dict[str, tuple[np.ndarray, np.ndarray]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfectly calibrated")
    for name, (p, y) in judged.items():
        bins = reliability(p, y)
        ax.plot(
            [b["mean_confidence"] for b in bins],
            [b["held_facts"] for b in bins],
            marker="o",
            label=f"{name} ({len(p)} answers)",
        )
        for b in bins:
            ax.annotate(
                str(b["answers"]),
                (b["mean_confidence"], b["held_facts"]),
                textcoords="offset points",
                xytext=(4, -10),
                fontsize=7,
            )
    ax.set_xlabel("confidence given")
    ax.set_ylabel("share of answers holding every key fact")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title("Answer confidence, on parts it was not fitted on", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "reliability.png")
    parser.add_argument("--write", action="store_true", help=f"save the model to {CALIBRATION}")
    args = parser.parse_args(argv)
    from sklearn.linear_model import LogisticRegression

    index = load_current(args.index)
    questions = load_questions(ROOT / "tests/eval/questions.jsonl", ROOT / "tests/eval/blind.jsonl")
    parts = examples(index, questions)
    x = np.vstack([parts[p][0] for p in FIT_ON if p in parts])
    y = np.concatenate([parts[p][1] for p in FIT_ON if p in parts])
    model = LogisticRegression(C=1.0).fit(x, y)
    weights = [round(float(w), 4) for w in model.coef_[0]]
    bias = round(float(model.intercept_[0]), 4)
    if args.write:
        CALIBRATION.write_text(
            json.dumps(
                {
                    "features": Evidence.names(),
                    "weights": weights,
                    "bias": bias,
                    "fitted_on": list(FIT_ON),
                    "answers": int(len(y)),
                },
                indent=2,
            )
            + "\n",
            "utf-8",
        )
    judged = {}
    figures = {
        "benchmark": "calibration",
        "weights": dict(zip(Evidence.names(), weights, strict=True)),
        "bias": bias,
        "parts": {},
    }
    for name in (*FIT_ON, *JUDGED_ON):
        if name not in parts:
            continue
        px, py = parts[name]
        p = model.predict_proba(px)[:, 1]
        if name in JUDGED_ON:
            judged[name] = (p, py)
        figures["parts"][name] = {
            "answers": int(len(py)),
            "held_facts": round(float(py.mean()), 3),
            "mean_confidence": round(float(p.mean()), 3),
            "calibration_error": calibration_error(p, py),
            "bands": reliability(p, py),
        }
        print(
            f"{name}: {len(py)} answers, {py.mean():.2f} held every key fact, "
            f"mean confidence {p.mean():.2f}, calibration error {calibration_error(p, py):.3f}"
        )
        for b in figures["parts"][name]["bands"]:
            print(
                f"  {b['band']}: {b['answers']:3} answers, confidence {b['mean_confidence']:.2f},"
                f" held {b['held_facts']:.2f}"
            )
    plot(judged, args.plot)
    print(f"reliability diagram: {args.plot}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
