"""Settings, declared once with their default, allowed range and help text.

This table is the only place a setting's default lives: the indexer, the answer code,
the CLI and the web app all read it from here. The values in force on a server (the
table's defaults overlaid with CCP_SETTINGS) are `validated(...)`, kept by the web app
as app.config["SETTINGS"]. A bad value is reported with its name and range at start-up
rather than failing later.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: float | int
    low: float | int
    high: float | int
    help: str


# Declarations by name (not values: see `validated` for the values in force).
DECLARED = {
    s.name: s
    for s in (
        Setting("top_k", 5, 1, 20, "passages retrieved for a question"),
        Setting("answer_sentences", 4, 1, 8, "most sentences in an answer"),
        Setting("answer_passages", 3, 1, 8, "most passages an answer draws sentences from"),
        Setting(
            "min_coverage",
            0.3,
            0.0,
            1.0,
            "below this share of the question found in the best section, 'not covered'",
        ),
        Setting(
            "min_confidence",
            0.0,
            0.0,
            1.0,
            "below this calibrated confidence the answer is 'not covered'",
        ),
        Setting("max_question_chars", 1000, 10, 10000, "longest question accepted"),
        Setting("max_passage_words", 250, 50, 2000, "longer sections are split into parts"),
        Setting("keep_versions", 3, 1, 50, "index versions kept for rollback"),
        Setting(
            "max_document_pages",
            2000,
            1,
            100_000,
            "a PDF with more pages is skipped (listed in the build summary)",
        ),
        Setting(
            "max_document_bytes",
            50_000_000,
            10_000,
            2_000_000_000,
            "a PDF or Word document larger than this is skipped (listed in the build summary)",
        ),
    )
}


def default(name: str) -> float | int:
    """The declared default of setting `name`, for code that runs without a server."""
    return DECLARED[name].default


def validated(values: dict) -> dict:
    """Return defaults overlaid with `values`, each checked against its range."""
    out = {name: s.default for name, s in DECLARED.items()}
    for name, value in values.items():
        setting = DECLARED.get(name)
        if setting is None:
            raise ValueError(f"unknown setting {name!r}; known: {', '.join(DECLARED)}")
        kind = type(setting.default)
        try:
            value = kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"setting {name} must be a {kind.__name__}, got {value!r}") from None
        if not setting.low <= value <= setting.high:
            raise ValueError(
                f"setting {name}={value} is out of range {setting.low}..{setting.high} "
                f"({setting.help})"
            )
        out[name] = value
    return out
