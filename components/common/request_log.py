"""The request log: every served request, and the feedback people give on it, in a SQL database.

    log = RequestLog("sqlite:///requests.db", redact_kinds=["email", "phone"])   # or a postgresql:// URL
    log.record(RequestRecord(id="chatcmpl-1", version="3", route="champion", messages=[...], answer="..."))
    log.add_feedback("chatcmpl-1", rating="down", preferred="A better answer")  # -> ("recorded", row)
    rows = log.requests(since=time.time() - 86400)                              # dicts, oldest first

Serving calls `record` on the request path: it only puts the record on a queue; one writer thread redacts
PII and inserts, so the database never adds latency to an answer. `flush()` waits for the queue to drain
(feedback does that first, so feedback on an answer given a moment ago finds it). The same tables are
read by `tuneline feedback export` and `tuneline report online|drift`. SQLite is the default (one file,
WAL mode, safe across threads); any SQLAlchemy URL works, e.g. PostgreSQL in production.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

log = logging.getLogger("tuneline.request_log")
ROUTES = ("champion", "canary", "shadow")
RATINGS = ("up", "down")

metadata = sa.MetaData()
requests_table = sa.Table(
    "requests",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # the completion id the client saw
    sa.Column("created_at", sa.Float, nullable=False, index=True),  # epoch seconds
    sa.Column("model", sa.String(200), nullable=False),  # registered model name
    sa.Column("version", sa.String(32), nullable=False),  # registry version that answered
    sa.Column("route", sa.String(16), nullable=False),  # champion | canary | shadow
    sa.Column("user", sa.String(200)),  # the request's `user` / session id (routing key), if any
    sa.Column("messages", sa.Text, nullable=False),  # JSON list of {role, content}, redacted
    sa.Column("answer", sa.Text, nullable=False),  # redacted
    sa.Column("prompt_tokens", sa.Integer, nullable=False, default=0),
    sa.Column("completion_tokens", sa.Integer, nullable=False, default=0),
    sa.Column("latency_ms", sa.Float, nullable=False, default=0.0),
    sa.Column("finish_reason", sa.String(32)),
    sa.Column("shadow_of", sa.String(64), index=True),  # a shadow answer: id of the request it mirrors
    sa.Column("redactions", sa.Integer, nullable=False, default=0),  # PII spans replaced before writing
    sa.Column(
        "routing", sa.String(200)
    ),  # why this model answered a routed request: rule:..., similarity:0.81
)
ADDED_COLUMNS = {"routing": "VARCHAR(200)"}  # columns added after the first release: added to older logs
feedback_table = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("completion_id", sa.String(64), sa.ForeignKey("requests.id"), nullable=False, unique=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("rating", sa.String(8)),  # up | down | null (only a preferred answer)
    sa.Column("comment", sa.Text),
    sa.Column("preferred", sa.Text),  # an answer a person wrote instead, redacted
)


@dataclass
class RequestRecord:
    """One answered request, as serving hands it over (before redaction)."""

    id: str
    version: str
    route: str
    messages: list[dict[str, str]]
    answer: str
    model: str = ""
    user: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    finish_reason: str | None = None
    shadow_of: str | None = None
    routing: str | None = None
    created_at: float = field(default_factory=time.time)


def add_missing_columns(engine: sa.Engine) -> None:
    """A log written by an older tuneline lacks the newer columns: add them (nullable), keep every row."""
    present = {c["name"] for c in sa.inspect(engine).get_columns("requests")}
    with engine.begin() as conn:
        for name, kind in ADDED_COLUMNS.items():
            if name not in present:
                conn.execute(sa.text(f"ALTER TABLE requests ADD COLUMN {name} {kind}"))


class UnknownCompletion(KeyError):
    """Feedback names a completion id that is not in the log (never served, or purged)."""


class RequestLog:
    """Durable request + feedback store with a background writer; see the module docstring."""

    def __init__(
        self,
        url: str,
        redact_kinds: Iterable[str] = (),
        allowed_email_domains: Iterable[str] = (),
        retention_days: float | None = None,
        max_queue: int = 10_000,
    ):
        self.url = url
        self.redact_kinds = tuple(redact_kinds)
        self.allowed_email_domains = tuple(allowed_email_domains)
        self.retention_days = retention_days
        self.engine = make_engine(url)
        metadata.create_all(self.engine)
        add_missing_columns(self.engine)
        self.dropped = 0  # records refused because the queue was full (the database is too slow or down)
        self.write_errors = 0
        self._queue: queue.Queue[RequestRecord | None] = queue.Queue(maxsize=max_queue)
        self._thread: threading.Thread | None = None
        self._last_purge = 0.0

    # -- writing ------------------------------------------------------------------------------------
    def start(self) -> RequestLog:
        if self._thread is None:
            self._thread = threading.Thread(target=self._write_loop, name="tuneline-request-log", daemon=True)
            self._thread.start()
        return self

    def record(self, entry: RequestRecord) -> None:
        """Queue a request for writing; never blocks (a full queue drops the record and counts it)."""
        if self._thread is None:
            self.start()
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            self.dropped += 1

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every queued record is written (or `timeout` passes)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)

    def close(self) -> None:
        if self._thread is not None:
            self.flush()
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None
        self.engine.dispose()

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            batch = [first]
            while len(batch) < 256:  # insert what has piled up in one transaction
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                rows = [self._row(entry) for entry in batch if entry is not None]
                if rows:
                    with self.engine.begin() as conn:
                        conn.execute(requests_table.insert(), rows)
                self._maybe_purge()
            except Exception:
                self.write_errors += len(batch)
                log.exception("could not write %d request log rows to %s", len(batch), safe_url(self.url))
            finally:
                for _ in batch:
                    self._queue.task_done()
            if any(entry is None for entry in batch):
                return

    def _row(self, entry: RequestRecord) -> dict[str, Any]:
        row = asdict(entry)
        messages, found_in_messages = self.redact(entry.messages)
        answer, found_in_answer = self.redact(entry.answer)
        user, found_in_user = self.redact(entry.user)
        row.update(
            messages=json.dumps(messages, ensure_ascii=False),
            answer=answer,
            user=user,
            redactions=found_in_messages + found_in_answer + found_in_user,
        )
        return row

    def redact(self, value: Any) -> tuple[Any, int]:
        """Replace configured PII kinds in every string of `value`; returns the copy and how many spans."""
        if not self.redact_kinds or value is None:
            return value, 0
        from components.common.pii import redact_record

        redacted, findings = redact_record(value, self.redact_kinds, self.allowed_email_domains)
        return redacted, len(findings)

    def _maybe_purge(self) -> None:
        if self.retention_days is not None and time.time() - self._last_purge > 3600:
            self.purge(time.time() - self.retention_days * 86400)

    def purge(self, before: float) -> int:
        """Delete requests (and their feedback) older than `before` (epoch s); returns rows deleted."""
        self._last_purge = time.time()
        old = sa.select(requests_table.c.id).where(requests_table.c.created_at < before)
        with self.engine.begin() as conn:
            conn.execute(feedback_table.delete().where(feedback_table.c.completion_id.in_(old)))
            return conn.execute(requests_table.delete().where(requests_table.c.created_at < before)).rowcount

    # -- feedback -----------------------------------------------------------------------------------
    def add_feedback(
        self,
        completion_id: str,
        rating: str | None = None,
        comment: str | None = None,
        preferred: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """Store feedback on a logged completion: ("recorded" | "unchanged" | "updated", the row).

        Sending the same feedback twice changes nothing; different feedback on the same id replaces it
        (a person changed their mind). Raises UnknownCompletion for an id that is not in the log.
        """
        if rating is not None and rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
        if rating is None and not preferred:
            raise ValueError("feedback needs a rating, a preferred answer, or both")
        self.flush()  # an answer given a moment ago may still be on the queue
        preferred, _ = self.redact(preferred)
        comment, _ = self.redact(comment)
        values = {"rating": rating, "comment": comment, "preferred": preferred}
        with self.engine.begin() as conn:
            if (
                conn.execute(
                    sa.select(requests_table.c.id).where(requests_table.c.id == completion_id)
                ).first()
                is None
            ):
                raise UnknownCompletion(completion_id)
            where = feedback_table.c.completion_id == completion_id
            existing = conn.execute(sa.select(feedback_table).where(where)).mappings().first()
            if existing is None:
                conn.execute(
                    feedback_table.insert().values(
                        completion_id=completion_id, created_at=time.time(), **values
                    )
                )
                status = "recorded"
            elif all(existing[k] == v for k, v in values.items()):
                status = "unchanged"
            else:
                conn.execute(feedback_table.update().where(where).values(created_at=time.time(), **values))
                status = "updated"
            row = conn.execute(sa.select(feedback_table).where(where)).mappings().one()
        return status, dict(row)

    # -- reading ------------------------------------------------------------------------------------
    def requests(
        self, since: float | None = None, until: float | None = None, routes: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """Logged requests (messages decoded), oldest first, each with its feedback (or None)."""
        query = joined_select()
        if since is not None:
            query = query.where(requests_table.c.created_at >= since)
        if until is not None:
            query = query.where(requests_table.c.created_at < until)
        if routes is not None:
            query = query.where(requests_table.c.route.in_(list(routes)))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(requests_table.c.created_at)).mappings().all()
        return [{**row, "messages": json.loads(row["messages"])} for row in rows]

    def get(self, completion_id: str) -> dict[str, Any] | None:
        """One logged request with its feedback, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(joined_select().where(requests_table.c.id == completion_id)).mappings().first()
        return None if row is None else {**row, "messages": json.loads(row["messages"])}


def joined_select() -> sa.Select:
    """Requests left-joined with their feedback (rating, comment, preferred, feedback_at)."""
    return sa.select(
        requests_table,
        feedback_table.c.rating,
        feedback_table.c.comment,
        feedback_table.c.preferred,
        feedback_table.c.created_at.label("feedback_at"),
    ).select_from(requests_table.outerjoin(feedback_table))


def make_engine(url: str) -> sa.Engine:
    """An engine for `url`; SQLite gets WAL mode and cross-thread use (writer thread + request handlers)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable url>"
