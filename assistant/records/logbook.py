"""What was asked, what was answered and what users thought of it, for editors.

Stored in SQLite, or PostgreSQL for several machines (storage.py): the question, the
assistant's reading of it, whether it was answered, its confidence, the cited or
suggested sections, and thumbs up/down feedback with an optional comment. Nothing
about who asked (no IP address, no user id) is stored, and records older than the
retention period are deleted.

Recording never gets in the way of answering: writes are queued and made by one
background thread in batches, and a failure (a locked or full disk, a read-only file)
is logged and reported on /api/health while answers go out anyway. A batch the file
will not take is tried again (RETRY_*) and only then dropped; the queue is bounded
(QUEUE_SIZE), and what does not fit is dropped. Every record dropped is counted on
/api/health. A record that cannot be stored is dropped alone, and a writer thread that
stops is started again by the next write: one bad request must never end all recording.
Feedback on an answer still waiting to be written waits behind it.
"""

from __future__ import annotations

import atexit
import json
import logging
import queue
import threading
import time
import uuid
from collections import Counter
from enum import Enum
from pathlib import Path

from ..models import Answer
from .storage import ANSWER, FEEDBACK_AFTER_ANSWER, PURGE, Storage, Write, open_storage

log = logging.getLogger(__name__)

BATCH_SECONDS = 0.05  # queued records wait at most this long to be written
BATCH_SIZE = 500
QUEUE_SIZE = 10_000  # records waiting to be written; any more are dropped
RETRY_FIRST = 0.1  # a batch the file would not take is tried again after this many s,
RETRY_MAX = 5.0  # then at doubling intervals up to this far apart,
RETRY_FOR = 60.0  # for this long; then its records are dropped
# An answer id not found that was given this recently may be waiting in the queue of
# another worker process: "try again", never "no such answer".
UNWRITTEN_FOR = 600.0
PURGE_EVERY = 3600.0

# Why records were dropped, as /api/health says it.
DROPPED = {
    "unstorable": "{n} record(s) could not be stored and were dropped (last: {last})",
    "queue_full": "{n} record(s) were dropped because {size} were already waiting to be written",
    "write_failed": (
        "{n} record(s) were dropped after writing them failed for {seconds:g} s (last: {last})"
    ),
}


class Feedback(Enum):
    """What became of feedback on an answer."""

    STORED = "stored"  # or queued behind its answer, to be stored with it
    NO_SUCH_ANSWER = "no such answer"
    TRY_LATER = "try later"  # it cannot be stored just now, or its answer not yet found


class Logbook:
    def __init__(
        self,
        target: Path | str | Storage,
        retention_days: float = 90,
        *,
        queue_size: int = QUEUE_SIZE,
        retry_for: float = RETRY_FOR,
    ) -> None:
        # A path or postgresql:// URL, or a storage made already.
        self.storage = target if hasattr(target, "commit") else open_storage(target)
        self.path: Path | None = getattr(self.storage, "path", None)  # SQLite's file
        self.retention = retention_days * 86400
        self.queue_size, self.retry_for = queue_size, retry_for
        self._lock = threading.Lock()
        self._last_purge = 0.0
        self._queue: queue.Queue = queue.Queue(queue_size)
        self._pending: set[str] = set()  # answers queued or being written, not yet stored
        self._writer: threading.Thread | None = None
        self._starting = threading.Lock()  # guards (re)starting the writer, nothing else
        self._hurry = threading.Event()  # set when a flush waits: write without delay
        self.error: str | None = None  # the last storage failure, until a write succeeds
        self.dropped: Counter[str] = Counter()  # records dropped since the start, by cause
        self._last_drop: dict[str, str] = {}
        self._tally = threading.Lock()  # guards the two above
        self.restarts = 0  # times the writer thread stopped and was started again
        self.stopped_reason = ""

    def _connect(self):
        """This thread's connection (opened once per thread: opening costs more than
        most of what we do with it)."""
        return self.storage.connect()

    def record_answer(self, answer: Answer, index_version: str) -> str | None:
        """Queue an answer to be stored; return its id, for feedback (None if the queue
        was full and it was dropped)."""
        answer_id = new_answer_id()
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
        self._pending.add(answer_id)  # before the writer can see it, and discard it
        if self._enqueue(ANSWER, row):
            return answer_id
        self._pending.discard(answer_id)
        return None

    def record_feedback(self, answer_id: str, rating: int, comment: str = "") -> Feedback:
        """Store feedback on an answer, or queue it behind its answer while that waits to
        be written (then it is stored with it)."""
        row = (answer_id, time.time(), rating, comment)
        if answer_id in self._pending:
            queued = self._enqueue(FEEDBACK_AFTER_ANSWER, (*row, answer_id))
            return Feedback.STORED if queued else Feedback.TRY_LATER
        try:
            with self._lock:
                if self.storage.add_feedback(self._connect(), row):
                    return Feedback.STORED
        except self.storage.errors as exc:
            self._failed(exc)
            return Feedback.TRY_LATER
        return Feedback.TRY_LATER if _given_lately(answer_id) else Feedback.NO_SUCH_ANSWER

    def answers(self, since: float = 0.0) -> list[dict]:
        """Stored answers with their feedback, newest first."""
        self.flush()
        return self.storage.answers(self._connect(), since)

    def purge(self) -> None:
        """Delete records older than the retention period (also done hourly by writes)."""
        self.flush()
        self._write(self._expired())

    def _expired(self) -> list[tuple[str, tuple]]:
        return [(PURGE, (time.time() - self.retention,))]

    def faults(self) -> list[str]:
        """What an operator should look at, for /api/health; empty when all is well.
        A stopped writer or a dropped record means a bug or lost records, so these stay
        reported."""
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
        with self._tally:
            dropped = [(cause, n, self._last_drop[cause]) for cause, n in self.dropped.items()]
        faults += [
            DROPPED[cause].format(n=n, last=last, size=self.queue_size, seconds=self.retry_for)
            for cause, n, last in dropped
        ]
        return faults

    def flush(self, timeout: float = 2.0) -> None:
        """Wait until everything queued so far has been written (or dropped)."""
        if self._writer is not None:
            self._ensure_writer()  # else queued records would wait for ever
            done, deadline = threading.Event(), time.monotonic() + timeout
            try:
                self._queue.put(done, timeout=timeout)
            except queue.Full:
                return
            self._hurry.set()
            done.wait(max(0.0, deadline - time.monotonic()))

    def _enqueue(self, kind: str, params: tuple) -> bool:
        """Queue a write; False, and the record counted as dropped, if the queue is full
        (never wait for room: an answer must not wait for the log)."""
        self._ensure_writer()
        try:
            self._queue.put_nowait((kind, params))
        except queue.Full:
            self._drop("queue_full", 1, "")
            return False
        return True

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
                writes = [item for item in batch if isinstance(item, tuple)]
                try:
                    if writes:
                        self._write_patiently(writes)
                    if time.monotonic() - self._last_purge > PURGE_EVERY:
                        self._last_purge = time.monotonic()
                        self._write(self._expired())
                finally:
                    # Stored or dropped, the answers are no longer pending; and flush()
                    # is released, even if this thread stops.
                    self._pending.difference_update(p[0] for kind, p in writes if kind == ANSWER)
                    for item in batch:
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

    def _write_patiently(self, writes: list[Write]) -> None:
        """Write, and while the file will not take the writes (locked, full, read-only)
        try again: after RETRY_FIRST seconds, then at doubling intervals of at most
        RETRY_MAX, for retry_for seconds; then drop what is left. Meanwhile new records
        wait in the queue."""
        delay, give_up = RETRY_FIRST, time.monotonic() + self.retry_for
        while writes := self._write(writes):
            if time.monotonic() + delay > give_up:
                self._drop("write_failed", len(writes), self.error or "")
                return
            time.sleep(delay)
            delay = min(2 * delay, RETRY_MAX)

    def _write(self, writes: list[Write]) -> list[Write]:
        """Commit the writes together; return those a fault of the file left unwritten
        (reported until a write succeeds), to be tried again. An error about a record
        instead (text that cannot be encoded, say) has the writes committed one by one,
        and only those that fail are dropped."""
        try:
            self._commit(writes)
            return []
        except Exception as exc:
            if self.storage.is_fault(exc):
                self._failed(exc)
                return writes
        for i, write in enumerate(writes):
            try:
                self._commit([write])
            except Exception as exc:
                if self.storage.is_fault(exc):
                    self._failed(exc)
                    return writes[i:]
                self._drop("unstorable", 1, _describe(exc))
        return []

    def _commit(self, writes: list[Write]) -> None:
        with self._lock:
            self.storage.commit(self._connect(), writes)
        self.error = None

    def _failed(self, exc: Exception) -> None:
        self.error = f"recording to {self.storage.where} failed: {exc}"
        log.error(self.error)

    def _drop(self, cause: str, count: int, last: str) -> None:
        with self._tally:
            before = self.dropped[cause]
            self.dropped[cause] += count
            self._last_drop[cause] = last
        # Logged at the 1st, 2nd, 4th, 8th... drop of each kind: a full queue would
        # otherwise write a line for every question.
        if before.bit_length() != (before + count).bit_length():
            message = DROPPED[cause].format(
                n=before + count, last=last, size=self.queue_size, seconds=self.retry_for
            )
            log.error("recording: %s", message)


def new_answer_id() -> str:
    """32 hex digits: the time in milliseconds, then 80 random bits. The time tells a
    recent answer not yet written (perhaps by another worker) from one never given."""
    return f"{time.time_ns() // 1_000_000:012x}{uuid.uuid4().hex[:20]}"


def _given_lately(answer_id: str) -> bool:
    try:
        given = int(answer_id[:12], 16) / 1000
    except ValueError:
        return False
    return len(answer_id) == 32 and abs(time.time() - given) < UNWRITTEN_FOR


def _describe(exc: BaseException) -> str:
    """The exception as text that can go out as UTF-8: it may quote the bad record."""
    return f"{type(exc).__name__}: {exc}".encode("utf-8", "backslashreplace").decode("utf-8")
