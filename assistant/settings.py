"""Settings, each declared once: its default, kind, allowed range, help text and
environment variable.

The fields of `Settings` are the table: the indexer, the answer code, the CLI, the web
app and the README's table all read a setting's default, range and help from here. The
values in force on a server are one frozen `Settings`, read by `Settings.read` from the
environment (and `web.create_app`'s mapping), kept as app.extensions["ccp_settings"].
A bad value (an unknown name, the wrong kind, out of range) is reported with its name
and range at start-up rather than failing later.

Where a value comes from, later winning:

1. the default declared here;
2. ``CCP_SETTINGS``, JSON holding answer and index settings by name, e.g.
   ``CCP_SETTINGS='{"min_coverage": 0.4}'``;
3. ``CCP_<NAME>``, one variable a setting, e.g. ``CCP_TOP_K=8``, ``CCP_INDEX_DIR=/srv/index``;
4. the mapping given to ``web.create_app`` (tests, embedding): its ``SETTINGS`` as (2),
   then its ``<NAME>`` keys as (3).
"""

from __future__ import annotations

import difflib
import json
import os
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

ENV_PREFIX = "CCP_"
BUNDLE = "SETTINGS"  # CCP_SETTINGS: JSON of answer and index settings by name

# What a setting is for. Answer and index settings may also be given in CCP_SETTINGS.
ANSWER, INDEX, SERVER = "answer", "index", "server"
KINDS = {"int": int, "float": float, "str": str}
KIND_NAMES = {int: "a whole number", float: "a number", str: "text"}


def _setting(default, help: str, low=None, high=None, *, group: str = SERVER):
    return field(default=default, metadata={"help": help, "low": low, "high": high, "group": group})


@dataclass(frozen=True)
class Settings:
    """The settings in force: every one declared here, once, with its default, range
    (low, high) and help; its environment variable is CCP_ and its name in capitals."""

    # How questions are answered.
    top_k: int = _setting(5, "passages retrieved for a question", 1, 20, group=ANSWER)
    answer_sentences: int = _setting(
        4, "most sentences in an answer, one more for each further part asked", 1, 8, group=ANSWER
    )
    answer_passages: int = _setting(
        3, "most passages an answer draws sentences from", 1, 8, group=ANSWER
    )
    min_coverage: float = _setting(
        0.3,
        "below this share of the question found in the best section, 'not covered'",
        0.0,
        1.0,
        group=ANSWER,
    )
    min_confidence: float = _setting(
        0.0,
        "below this calibrated confidence the answer is 'not covered'",
        0.0,
        1.0,
        group=ANSWER,
    )
    max_question_chars: int = _setting(1000, "longest question accepted", 10, 10000, group=ANSWER)
    # How the index is built (the indexer's options; the admin reindex reads them here).
    max_passage_words: int = _setting(
        250, "longer sections are split into parts", 50, 2000, group=INDEX
    )
    keep_versions: int = _setting(3, "index versions kept for rollback", 1, 50, group=INDEX)
    max_document_pages: int = _setting(
        2000,
        "a PDF with more pages is skipped (listed in the build summary)",
        1,
        100_000,
        group=INDEX,
    )
    max_document_bytes: int = _setting(
        50_000_000,
        "a PDF or Word document larger than this is skipped (listed in the build summary)",
        10_000,
        2_000_000_000,
        group=INDEX,
    )
    # The server.
    index_dir: str = _setting("index", "the index folder the app serves")
    site_dir: str = _setting(
        "",
        "folder of the site snapshot served under /site/ so citation links work; empty: "
        "the folder the index was built from, if it is still there",
    )
    base_url: str = _setting(
        "",
        "where citation links point: /site/ for the served snapshot, or the live site's "
        "address; empty: /site/ when a snapshot is served",
    )
    source_dir: str = _setting(
        "", "folder the admin reindex updates from; empty: the index's source"
    )
    admin_token: str = _setting("", "bearer token for /api/admin/*; empty turns the admin API off")
    reload_check_seconds: float = _setting(
        1.0, "seconds between checks for a new current index version", 0.0, 3600.0
    )
    search_kernel: str = _setting(
        "",
        "numpy: search without the compiled kernel even when numba (the `fast` extra) is "
        "installed, saving about 110 MB a process; empty: the kernel when numba is there. "
        "Read by every process that searches, the indexer included",
    )
    answer_cache: int = _setting(
        1000,
        "answers each process keeps to serve again when the same question is asked with "
        "the same conversation, filters and index version (the same answer, without "
        "working it out again); 0: off",
        0,
        1_000_000,
    )
    db_path: str = _setting(
        "feedback.sqlite3",
        "SQLite file for questions, answers and feedback (no personal data); empty: off",
    )
    db_url: str = _setting(
        "",
        "PostgreSQL for them instead (postgresql://user@host/db), shared by every machine, "
        "so `indexer.py report --db` on that URL sees all their questions; needs psycopg",
    )
    retention_days: float = _setting(
        90.0, "days questions, answers and feedback are kept", 0.0, 36500.0
    )
    cors_origins: str = _setting(
        "", "origins allowed to call the API from a browser, comma-separated (* for any)"
    )
    rate_limit: str = _setting(
        "60 per minute",
        "per-client limit on questions, and another on feedback (e.g. 60 per minute, or "
        "10/second; 1000/day); empty: none",
    )
    trusted_proxies: int = _setting(
        0,
        "reverse proxies in front that append the client's address to X-Forwarded-For; "
        "0 believes no such header. Set it only when every request comes through them, or "
        "a client can choose the address it is counted as",
        0,
        10,
    )
    max_content_length: int = _setting(
        64 * 1024,
        "largest request body in bytes; waitress refuses a larger one from its "
        "Content-Length alone",
        1024,
        1 << 30,
    )
    connection_limit: int = _setting(
        500,
        "waitress: connections open at once (each holds a file descriptor; raise "
        "`ulimit -n` before raising this)",
        1,
        100_000,
    )
    channel_timeout: int = _setting(
        30, "waitress: seconds a connection may send nothing before it is closed", 1, 3600
    )
    workers: int = _setting(
        0,
        "processes python -m web starts (its --workers wins); 0: one per core this process may use",
        0,
        64,
    )
    secret_key: str = _setting(
        "",
        "signs conversation_id tokens, which carry a conversation's subjects; empty: a new "
        "random key per server start. Several machines answering one service need the same",
    )
    rate_limit_storage: str = _setting(
        "memory://",
        "where rate-limit counts are kept (a storage URI of the `limits` library): this process's "
        "memory, or e.g. redis://host:6379/0 to share one limit across workers and machines",
    )

    def __post_init__(self) -> None:
        for name, setting in DECLARED.items():  # a float given as 90 is kept as 90.0
            object.__setattr__(self, name, setting.check(getattr(self, name)))

    @classmethod
    def read(
        cls, environ: Mapping[str, str] | None = None, given: Mapping[str, object] | None = None
    ) -> Settings:
        """The settings in force: the defaults, then `environ` (os.environ if None), then
        `given` (names without CCP_), as the module's docstring says. ValueError names a
        bad value, where it came from and what is allowed."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        values.update(_bundle(environ.get(ENV_PREFIX + BUNDLE), ENV_PREFIX + BUNDLE))
        for key, value in environ.items():
            if key.startswith(ENV_PREFIX) and key != ENV_PREFIX + BUNDLE:
                values[_from_env(key).name] = (value, key)
        given = given or {}
        values.update(_bundle(given.get(BUNDLE), BUNDLE))
        for key, value in given.items():
            if key.lower() in DECLARED:
                values[key.lower()] = (value, ENV_PREFIX + key.upper())
        return cls(**{name: DECLARED[name].check(v, where) for name, (v, where) in values.items()})


def _bundle(raw: object, where: str) -> dict[str, tuple[object, str]]:
    """The values in CCP_SETTINGS (JSON text, or a dict given to create_app)."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ValueError(f"{where} must be a JSON object, e.g. '{{\"top_k\": 8}}'") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be a JSON object, e.g. '{{\"top_k\": 8}}'")
    out = {}
    for name, value in raw.items():
        setting = DECLARED.get(name)
        if setting is None or setting.group == SERVER:
            bundled = [n for n, s in DECLARED.items() if s.group != SERVER]
            also = f" (set it as {setting.env})" if setting else _nearest(str(name), bundled)
            raise ValueError(
                f"unknown setting {name!r} in {where}{also}; it takes: {', '.join(bundled)}"
            )
        out[name] = (value, f"{name} in {where}")
    return out


def _from_env(key: str) -> Setting:
    """The setting environment variable `key` (CCP_...) sets."""
    setting = DECLARED.get(key.removeprefix(ENV_PREFIX).lower())
    if setting is None:
        known = [s.env for s in DECLARED.values()]
        raise ValueError(f"unknown setting {key}{_nearest(key, known)}; known: {', '.join(known)}")
    return setting


def _nearest(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


@dataclass(frozen=True)
class Setting:
    """One setting's declaration (a field of `Settings`)."""

    name: str
    kind: type  # int, float or str
    default: int | float | str
    help: str
    low: int | float | None = None
    high: int | float | None = None
    group: str = SERVER

    @property
    def env(self) -> str:
        """Its environment variable, e.g. CCP_TOP_K."""
        return ENV_PREFIX + self.name.upper()

    @property
    def allowed(self) -> str:
        """What it may be, in words: 'a whole number from 1 to 20'."""
        if self.low is None:
            return KIND_NAMES[self.kind]
        return f"{KIND_NAMES[self.kind]} from {shown(self.low)} to {shown(self.high)}"

    def check(self, value: object, where: str = "") -> int | float | str:
        """`value` as this setting's kind (text from the environment is converted), or
        ValueError naming `where` (default: the environment variable) and the range."""
        try:
            converted = self._convert(value)
        except (TypeError, ValueError):
            converted = None
        if converted is None or (
            self.low is not None and not self.low <= converted <= self.high  # NaN too
        ):
            raise ValueError(
                f"{where or self.env} must be {self.allowed} ({self.help}), got {value!r}"
            )
        return converted

    def _convert(self, value: object) -> int | float | str | None:
        if isinstance(value, bool):
            return None
        if self.kind is str:
            return value if isinstance(value, str) else None
        if isinstance(value, str):
            value = value.strip()
        if self.kind is int:
            if isinstance(value, int):
                return value
            return int(value) if isinstance(value, str) else None
        return float(value) if isinstance(value, int | float | str) else None


def shown(value: int | float | str) -> str:
    """A value as the README and --help show it: 90 rather than 90.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Declarations by name, in the order of `Settings` (not values: see `Settings.read`).
DECLARED: dict[str, Setting] = {
    f.name: Setting(f.name, KINDS[f.type], f.default, **f.metadata) for f in fields(Settings)
}
DEFAULTS = Settings()


def default(name: str) -> float | int:
    """The declared default of setting `name`, for code that runs without a server."""
    return DECLARED[name].default


def markdown_table() -> str:
    """The README's table of settings, made from the declarations."""
    rows = [
        "| variable | for | default | allowed | what it does |",
        "|---|---|---|---|---|",
    ]
    for s in DECLARED.values():
        value = f"`{shown(s.default)}`" if s.default != "" else "empty"
        allowed = f"{shown(s.low)} to {shown(s.high)}" if s.low is not None else KIND_NAMES[s.kind]
        help = s.help.replace("|", "/")
        rows.append(f"| `{s.env}` | {s.group} | {value} | {allowed} | {help} |")
    return "\n".join(rows) + "\n"


def plain_table() -> str:
    """The settings as `python -m web --help` lists them."""
    lines = []
    for s in DECLARED.values():
        value = shown(s.default) if s.default != "" else "empty"
        lines.append(f"  {s.env}: {s.allowed}, default {value}")
        lines += textwrap.wrap(s.help, 88, initial_indent=" " * 6, subsequent_indent=" " * 6)
    return "\n".join(lines)


README_START = "<!-- settings: made by `python scripts/settings_table.py`; do not edit -->"
README_END = "<!-- end of settings -->"


def with_table(readme: str) -> str:
    """The README's text with its table of settings made afresh."""
    start, end = readme.index(README_START), readme.index(README_END)
    return readme[: start + len(README_START)] + "\n" + markdown_table() + readme[end:]
