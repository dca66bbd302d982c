"""Where the logbook's records are kept: an embedded SQLite file (the default) or a
PostgreSQL database that every machine of a deployment writes to, so that
`indexer.py report` sees all their questions.

A storage only runs statements; the queue, batching, retries and counting of dropped
records stay in `Logbook`, whichever storage it writes to. Writes are named, not SQL,
because the two dialects differ.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

# What a queued write does, and its parameters.
ANSWER = "answer"  # (id, created_at, question, reading, no_answer, confidence, version, sections)
FEEDBACK = "feedback"  # (answer_id, created_at, rating, comment)
FEEDBACK_AFTER_ANSWER = "feedback_after_answer"  # FEEDBACK's, then the answer's id
PURGE = "purge"  # (oldest created_at to keep,)
Write = tuple[str, tuple]

ANSWERS_TABLE = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    created_at {real} NOT NULL,
    question TEXT NOT NULL,
    reading TEXT NOT NULL,
    no_answer INTEGER NOT NULL,
    confidence {real} NOT NULL,
    index_version TEXT NOT NULL,
    sections TEXT NOT NULL          -- JSON: [{{"passage_id", "title", "section", "url"}}]
);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
    created_at {real} NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS answers_created ON answers(created_at);
"""
# In SQLite's placeholders; PostgresStorage turns each ? into %s.
STATEMENTS = {
    ANSWER: "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    FEEDBACK: "INSERT INTO feedback VALUES (?, ?, ?, ?)",
    # Feedback queued behind its answer: stored if the answer was.
    FEEDBACK_AFTER_ANSWER: (
        "INSERT INTO feedback SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM answers WHERE id = ?)"
    ),
    PURGE: "DELETE FROM answers WHERE created_at < ?",
}
ANSWERED = "SELECT 1 FROM answers WHERE id = ?"
ANSWERS = (
    "SELECT a.*, COALESCE(SUM({up}), 0) AS up, COALESCE(SUM({down}), 0) AS down, "
    "{concat} AS comments "
    "FROM answers a LEFT JOIN feedback f ON f.answer_id = a.id "
    "WHERE a.created_at >= ? GROUP BY a.id ORDER BY a.created_at DESC"
)


class Storage(Protocol):
    """What Logbook needs of a database."""

    where: str  # named in fault messages; never holds a password
    errors: tuple[type[Exception], ...]  # anything the database raises

    def connect(self) -> Any:
        """This thread's connection, opened once per thread."""

    def commit(self, db: Any, writes: list[Write]) -> None:
        """Run the writes in one transaction."""

    def add_feedback(self, db: Any, row: tuple) -> bool:
        """Store feedback if its answer is stored; False if it is not."""

    def answers(self, db: Any, since: float) -> list[dict]:
        """Stored answers since `since` with their feedback, newest first."""

    def is_fault(self, exc: Exception) -> bool:
        """A fault of the database (locked, full, unreachable), which may pass; any
        other error is about what a record holds."""


def open_storage(target: str | Path) -> Storage:
    """PostgreSQL for a postgresql:// URL, else the SQLite file at that path."""
    if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
        return PostgresStorage(target)
    return SqliteStorage(Path(target))


def _sections(rows: list[dict]) -> list[dict]:
    return [{**r, "sections": json.loads(r["sections"])} for r in rows]


class SqliteStorage:
    """One file on this machine, shared by its worker processes."""

    errors = (sqlite3.Error,)

    def __init__(self, path: Path) -> None:
        self.path, self.where = path, str(path)
        self._local = threading.local()
        self._ready = False

    def connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            if not self._ready:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=0.25)  # never hold up an answer long
            db.execute("PRAGMA foreign_keys = ON")
            # WAL: readers never block the writer; NORMAL: no fsync per answer (a power
            # cut may lose the last few records, never corrupt the file).
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            if not self._ready:
                db.executescript(ANSWERS_TABLE.format(real="REAL"))
                self._ready = True
            self._local.db = db
        return db

    def commit(self, db: sqlite3.Connection, writes: list[Write]) -> None:
        with db:
            for kind, params in writes:
                db.execute(STATEMENTS[kind], params)

    def add_feedback(self, db: sqlite3.Connection, row: tuple) -> bool:
        with db:
            if db.execute(ANSWERED, row[:1]).fetchone():
                db.execute(STATEMENTS[FEEDBACK], row)
                return True
        return False

    def answers(self, db: sqlite3.Connection, since: float) -> list[dict]:
        query = ANSWERS.format(
            up="f.rating = 1",
            down="f.rating = -1",
            concat="GROUP_CONCAT(NULLIF(f.comment, ''), ' | ')",
        )
        with db:
            cursor = db.execute(query, (since,))
            names = [d[0] for d in cursor.description]
            return _sections([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])

    def is_fault(self, exc: Exception) -> bool:
        return (
            isinstance(exc, sqlite3.OperationalError | OSError)
            or type(exc) is sqlite3.DatabaseError
        )


class PostgresStorage:
    """A PostgreSQL database (psycopg 3) shared by every machine. A broken connection is
    closed and opened again by the next write, which Logbook retries."""

    def __init__(self, url: str) -> None:
        import psycopg  # optional: pip install -e ".[scale]"

        self._psycopg = psycopg
        self.errors = (psycopg.Error,)
        self.url = url
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        if parts.port:
            netloc += f":{parts.port}"
        self.where = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        self._local = threading.local()
        self._ready = False

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    @staticmethod
    def _params(params: tuple) -> tuple:
        """PostgreSQL text cannot hold NUL, which SQLite stores and a question may carry:
        shown as U+FFFD rather than the record dropped."""
        return tuple(p.replace("\x00", "\ufffd") if isinstance(p, str) else p for p in params)

    def connect(self) -> Any:
        db = getattr(self._local, "db", None)
        if db is not None and db.closed:
            db = None
        if db is None:
            db = self._psycopg.connect(self.url, autocommit=True, connect_timeout=5)
            if not self._ready:
                with db.transaction():
                    # Machines starting together must not create the tables twice.
                    db.execute("SELECT pg_advisory_xact_lock(4242001)")
                    for statement in ANSWERS_TABLE.format(real="DOUBLE PRECISION").split(";"):
                        if statement.strip():
                            db.execute(statement)
                self._ready = True
            self._local.db = db
        return db

    def _guarded(self, db: Any, work) -> Any:
        try:
            with db.transaction():
                return work()
        except self._psycopg.OperationalError:
            db.close()  # opened again by the next connect()
            raise

    def commit(self, db: Any, writes: list[Write]) -> None:
        def work() -> None:
            for kind, params in writes:
                db.execute(self._sql(STATEMENTS[kind]), self._params(params))

        self._guarded(db, work)

    def add_feedback(self, db: Any, row: tuple) -> bool:
        def work() -> bool:
            if db.execute(self._sql(ANSWERED), row[:1]).fetchone():
                db.execute(self._sql(STATEMENTS[FEEDBACK]), self._params(row))
                return True
            return False

        return self._guarded(db, work)

    def answers(self, db: Any, since: float) -> list[dict]:
        from psycopg.rows import dict_row

        query = ANSWERS.format(
            up="(f.rating = 1)::int",
            down="(f.rating = -1)::int",
            concat="STRING_AGG(NULLIF(f.comment, ''), ' | ')",
        )

        def work() -> list[dict]:
            with db.cursor(row_factory=dict_row) as cursor:
                return cursor.execute(self._sql(query), (since,)).fetchall()

        return _sections(self._guarded(db, work))

    def is_fault(self, exc: Exception) -> bool:
        return isinstance(exc, self._psycopg.OperationalError | OSError)
