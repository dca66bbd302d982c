"""What was asked, what was answered and what users thought of it, for editors.

Stored in SQLite: the question, the assistant's reading of it, whether it was answered,
its confidence, the cited or suggested sections, and thumbs up/down feedback with an
optional comment. Nothing about who asked (no IP address, no user id) is stored, and
records older than the retention period are deleted.

Recording never gets in the way of answering: writes are queued and made by one
background thread in batches, and a failure (a locked or full disk, a read-only file)
is logged and reported on /api/health while answers go out anyway. A record that cannot
be stored is dropped alone, and a writer thread that stops is started again by the next
write: one bad request must never end all recording.
"""

from __future__ import annotations

import atexit
import json
import logging
import queue
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from ..models import Answer

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    question TEXT NOT NULL,
    reading TEXT NOT NULL,
    no_answer INTEGER NOT NULL,
    confidence REAL NOT NULL,
    index_version TEXT NOT NULL,
    sections TEXT NOT NULL          -- JSON: [{"passage_id", "title", "section", "url"}]
);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS answers_created ON answers(created_at);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,            -- the random id the client holds
    updated_at REAL NOT NULL,
    readings TEXT NOT NULL          -- JSON: the last few readings, oldest first
);
"""
CONVERSATION_TTL = 3600  # a follow-up more than an hour later starts afresh
CONVERSATION_TURNS = 3
BATCH_SECONDS = 0.05  # queued records wait at most this long to be written
BATCH_SIZE = 500


class Logbook:
    def __init__(self, path: Path, retention_days: float = 90) -> None:
        self.path = path
        self.retention = retention_days * 86400
        self._lock = threading.Lock()
        self._last_purge = 0.0
        self._ready = False
        self._local = threading.local()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._starting = threading.Lock()  # guards (re)starting the writer, nothing else
        self._hurry = threading.Event()  # set when a flush waits: write without delay
        self.error: str | None = None  # the last storage failure, until a write succeeds
        self.dropped = 0  # records that could not be stored, since the process started
        self.dropped_reason = ""
        self.restarts = 0  # times the writer thread stopped and was started again
        self.stopped_reason = ""

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection (opened once per thread: opening costs more than
        most of what we do with it)."""
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
                db.executescript(SCHEMA)
                self._ready = True
            self._local.db = db
        return db

    def record_answer(self, answer: Answer, index_version: str) -> str:
        """Queue an answer to be stored; return its id, for feedback."""
        answer_id = uuid.uuid4().hex
        shown = answer.citations or answer.nearest
        sections = [
            {"passage_id": c.passage_id, "title": c.title, "section": c.section, "url": c.url}
            for c in shown
        ]
        row = (
            answer_id,
            time.time(),
            answer.question,
            answer.reading or answer.question,
            int(answer.no_answer),
            answer.confidence,
            index_version,
            json.dumps(sections),
        )
        self._enqueue("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        return answer_id

    def record_feedback(self, answer_id: str, rating: int, comment: str = "") -> bool | None:
        """Store feedback on an answer: True if stored, False if there is no such answer,
        None if storing failed."""
        self.flush()  # the answer may still be in the queue
        try:
            with self._lock, self._connect() as db:
                if (
                    db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone()
                    is None
                ):
                    return False
                db.execute(
                    "INSERT INTO feedback VALUES (?, ?, ?, ?)",
                    (answer_id, time.time(), rating, comment),
                )
            return True
        except sqlite3.Error as exc:
            self._failed(exc)
            return None

    def answers(self, since: float = 0.0) -> list[dict]:
        """Stored answers with their feedback, newest first."""
        self.flush()
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT a.*, COALESCE(SUM(f.rating = 1), 0) AS up, "
                "COALESCE(SUM(f.rating = -1), 0) AS down, "
                "GROUP_CONCAT(NULLIF(f.comment, ''), ' | ') AS comments "
                "FROM answers a LEFT JOIN feedback f ON f.answer_id = a.id "
                "WHERE a.created_at >= ? GROUP BY a.id ORDER BY a.created_at DESC",
                (since,),
            ).fetchall()
        return [{**dict(r), "sections": json.loads(r["sections"])} for r in rows]

    # Conversations live here too, so that every worker process (and every machine
    # sharing the file) can read a follow-up in context.

    def previous(self, conversation_id: str) -> list[str]:
        """The subjects of the conversation's recent answers, oldest first."""
        try:
            with self._connect() as db:
                row = db.execute(
                    "SELECT readings FROM conversations WHERE id = ? AND updated_at > ?",
                    (conversation_id, time.time() - CONVERSATION_TTL),
                ).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return []
        return json.loads(row[0]) if row else []

    def add(self, conversation_id: str, subject: str, previous: list[str]) -> None:
        """Remember an answer's subject after `previous`, the conversation so far."""
        readings = (previous + [subject])[-CONVERSATION_TURNS:]
        # Written at once, not queued: the follow-up may come next, to any worker.
        self._write(
            [
                (
                    "INSERT OR REPLACE INTO conversations VALUES (?, ?, ?)",
                    (conversation_id, time.time(), json.dumps(readings)),
                )
            ]
        )

    def purge(self) -> None:
        """Delete records older than the retention period (also done hourly by writes)."""
        self.flush()
        self._write(self._expired())

    def _expired(self) -> list[tuple[str, tuple]]:
        now = time.time()
        return [
            ("DELETE FROM answers WHERE created_at < ?", (now - self.retention,)),
            ("DELETE FROM conversations WHERE updated_at < ?", (now - CONVERSATION_TTL,)),
        ]

    def faults(self) -> list[str]:
        """What an operator should look at, for /api/health; empty when all is well.
        A stopped writer or a dropped record means a bug, so these stay reported."""
        faults = [self.error] if self.error else []
        writer = self._writer
        if writer is not None and not writer.is_alive():
            faults.append(
                f"the recording thread stopped ({self.stopped_reason}); "
                "it is started again by the next write"
            )
        elif self.restarts:
            faults.append(
                f"the recording thread stopped and was started again {self.restarts} "
                f"time(s) (last: {self.stopped_reason}); the records it was writing were lost"
            )
        if self.dropped:
            faults.append(
                f"{self.dropped} record(s) could not be stored and were dropped "
                f"(last: {self.dropped_reason})"
            )
        return faults

    def flush(self, timeout: float = 2.0) -> None:
        """Wait until everything queued so far has been written (or has failed)."""
        if self._writer is not None:
            self._ensure_writer()  # else queued records would wait for ever
            done = threading.Event()
            self._queue.put(done)
            self._hurry.set()
            done.wait(timeout)

    def _enqueue(self, sql: str, params: tuple) -> None:
        self._ensure_writer()
        self._queue.put((sql, params))

    def _ensure_writer(self) -> None:
        """Start the writer thread, or start it again if it has stopped. An answer
        only waits here when there is no writer, never for a commit."""
        writer = self._writer
        if writer is not None and writer.is_alive():
            return
        with self._starting:
            if self._writer is not None and self._writer.is_alive():
                return
            if self._writer is None:
                atexit.register(self.flush)
            else:
                self.restarts += 1
                log.error("restarting the recording thread (stopped: %s)", self.stopped_reason)
            self._writer = threading.Thread(target=self._write_loop, name="logbook", daemon=True)
            self._writer.start()

    def _write_loop(self) -> None:
        """Write queued records in batches. Nothing a record holds stops this (see
        _write); should anything else, the next write starts another thread."""
        try:
            while True:
                batch = self._next_batch()
                try:
                    writes = [item for item in batch if isinstance(item, tuple)]
                    if writes:
                        self._write(writes)
                finally:
                    for item in batch:  # release flush() even if this thread stops
                        if isinstance(item, threading.Event):
                            item.set()
        except BaseException as exc:  # only a thread's end: nothing to re-raise to
            self.stopped_reason = _describe(exc)
            log.critical("the recording thread stopped", exc_info=True)

    def _next_batch(self) -> list:
        batch = [self._queue.get()]
        # Let records gather for a moment (unless someone is waiting for them): a
        # commit costs several inserts, and waking for each record costs the threads
        # answering questions their turn.
        self._hurry.wait(BATCH_SECONDS)
        self._hurry.clear()
        while len(batch) < BATCH_SIZE:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if len(batch) == BATCH_SIZE:
            self._hurry.set()  # more are waiting
        return batch

    def _write(self, writes: list[tuple[str, tuple]]) -> None:
        """Commit the writes together. SQLite's and the file system's errors are about
        the file (locked, full, read-only): the batch is lost and the fault reported
        until a write succeeds. Any other error is about a record (text that cannot be
        encoded, say): the writes are then committed one by one and only those that
        fail are dropped."""
        if time.monotonic() - self._last_purge > 3600:
            self._last_purge = time.monotonic()
            writes = writes + self._expired()
        try:
            self._commit(writes)
        except (sqlite3.Error, OSError) as exc:
            self._failed(exc)
        except Exception:
            for write in writes:
                try:
                    self._commit([write])
                except (sqlite3.Error, OSError) as exc:
                    self._failed(exc)
                    return
                except Exception as exc:
                    self._drop(exc)

    def _commit(self, writes: list[tuple[str, tuple]]) -> None:
        with self._lock, self._connect() as db:
            for sql, params in writes:
                db.execute(sql, params)
        self.error = None

    def _failed(self, exc: Exception) -> None:
        self.error = f"recording to {self.path} failed: {exc}"
        log.error(self.error)

    def _drop(self, exc: Exception) -> None:
        self.dropped += 1
        self.dropped_reason = _describe(exc)
        log.error("dropped a record that could not be stored: %s", self.dropped_reason)


def _describe(exc: BaseException) -> str:
    """The exception as text that can go out as UTF-8: it may quote the bad record."""
    return f"{type(exc).__name__}: {exc}".encode("utf-8", "backslashreplace").decode("utf-8")
