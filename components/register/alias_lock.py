"""A real lock for alias moves: a row lock in a small lock database, held across the read, the decision and
the alias write.

    with alias_lock("tuneline-assistant") as lock:   # waits while another promotion holds it
        champion = alias_version(name, "champion")   # read and decide under the lock
        lock.check()                                 # fencing check, right before the write
        client.set_registered_model_alias(...)

How it holds: acquiring runs `UPDATE tuneline_alias_locks SET fence = fence + 1 ...` in a transaction that stays
open until the block ends, so the database itself holds the lock (PostgreSQL a row lock, SQLite its write lock)
until commit. With SQLite an OS file lock (flock on `<lock db>.flock`) is taken first: waiters then queue in the
kernel and wake at once, instead of in SQLite's busy-wait steps of up to 100 ms. A holder that stalls (a GC pause, a slow tracking server, SIGSTOP) keeps the lock and the others
wait; no clock or delay is involved. A holder that dies loses it: the database rolls its transaction back when
the connection drops. `check()` runs a query on the holder's own connection before the write: if the database
ended the session (server restart, a killed backend), the check fails and nothing is written.

Where the lock lives (`TUNELINE_LOCK_URI` overrides): beside a SQLite tracking store, its own file
`<store>-locks.db` (never MLflow's database file, whose lock would block MLflow's writes); with a database
tracking URI (postgresql://...), a table of its own in that database; with an http(s) tracking server, a file in
the local cache, which excludes writers on this host only: point TUNELINE_LOCK_URI at a database every writer
reaches (e.g. the PostgreSQL behind the server) when promotions run from several hosts.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from components.common.settings import get_settings

log = logging.getLogger(__name__)
TABLE = "tuneline_alias_locks"
_ENGINES: dict[str, object] = {}


class AliasLockError(RuntimeError):
    """The alias lock could not be taken or was lost; nothing was written."""


def lock_database_uri() -> str:
    """The lock database for the current tracking URI (see the module docstring)."""
    settings = get_settings()
    explicit = os.environ.get("TUNELINE_LOCK_URI")
    if explicit:
        return explicit
    tracking = settings.tracking_uri
    if tracking.startswith("sqlite:///"):
        store = Path(tracking.removeprefix("sqlite:///"))
        return f"sqlite:///{store.with_name(store.stem + '-locks.db')}"
    if tracking.startswith("postgresql"):
        return tracking
    local = settings.cache / "alias-locks.db"
    local.parent.mkdir(parents=True, exist_ok=True)
    log.info("alias lock: %s (this host only; set TUNELINE_LOCK_URI for writers on several hosts)", local)
    return f"sqlite:///{local}"


def _engine(uri: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    if uri not in _ENGINES:
        # SQLite's own busy wait, for the rare write outside the lock (creating the table or the row)
        engine = create_engine(
            uri, poolclass=NullPool, connect_args={"timeout": 600} if uri.startswith("sqlite") else {}
        )
        with engine.begin() as conn:
            conn.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {TABLE} (name VARCHAR(256) PRIMARY KEY, "
                    "fence INTEGER NOT NULL, holder VARCHAR(512) NOT NULL, acquired_at VARCHAR(64) NOT NULL)"
                )
            )
        _ENGINES[uri] = engine
    return _ENGINES[uri]


@dataclass
class HeldLock:
    """The lock on one registered model's aliases, while held: `fence` grows by one with every holder."""

    name: str
    fence: int
    holder: str
    uri: str
    _conn: object

    def check(self) -> None:
        """Fencing check before a write: the lock row still says this holder, on this holder's open session."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            row = self._conn.execute(
                text(f"SELECT fence, holder FROM {TABLE} WHERE name = :n"), {"n": self.name}
            ).one()
        except SQLAlchemyError as exc:
            raise AliasLockError(
                f"lost the alias lock on {self.name} ({exc.__class__.__name__}); nothing was written"
            ) from exc
        if (row.fence, row.holder) != (self.fence, self.holder):
            raise AliasLockError(
                f"the alias lock on {self.name} is now held by {row.holder}; nothing was written"
            )


@contextmanager
def _file_lock(database: Path, wait: float) -> Iterator[None]:
    """flock on `<database>.flock` (released by the kernel if the process dies); AliasLockError after `wait` s."""
    fd = os.open(f"{database}.flock", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AliasLockError(
                        f"waited {wait:.0f} s for the alias lock ({database}): another alias change holds it "
                        "(a stopped or hung promotion?); nothing changed"
                    ) from None
                time.sleep(0.005)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _ensure_row(engine, name: str) -> None:
    """The lock row exists before anyone locks it."""
    from sqlalchemy import text

    with engine.begin() as conn:
        if not conn.execute(text(f"SELECT 1 FROM {TABLE} WHERE name = :n"), {"n": name}).first():
            conn.execute(
                text(
                    f"INSERT INTO {TABLE} (name, fence, holder, acquired_at) VALUES (:n, 0, '', '') "
                    "ON CONFLICT (name) DO NOTHING"
                ),
                {"n": name},
            )


@contextmanager
def alias_lock(name: str, wait_seconds: float | None = None) -> Iterator[HeldLock]:
    """Hold the alias lock on registered model `name` for the block; waits up to `wait_seconds` for it."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    uri = lock_database_uri()
    engine = _engine(uri)
    wait = float(os.environ.get("TUNELINE_LOCK_WAIT_S", "600")) if wait_seconds is None else wait_seconds
    holder = f"{socket.gethostname()}:{os.getpid()}"
    _ensure_row(engine, name)
    with ExitStack() as stack:
        if engine.dialect.name == "sqlite":
            stack.enter_context(_file_lock(Path(engine.url.database), wait))
        conn = stack.enter_context(
            engine.connect()
        )  # closed without a commit (an error): the fence rolls back
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"SET LOCAL lock_timeout = '{int(wait * 1000)}ms'"))
        elif engine.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        try:  # the transaction's first statement is a write: it waits for the lock, then holds it until commit
            conn.execute(
                text(f"UPDATE {TABLE} SET fence = fence + 1, holder = :h, acquired_at = :t WHERE name = :n"),
                {"h": holder, "t": datetime.now(UTC).isoformat(), "n": name},
            )
        except OperationalError as exc:
            raise AliasLockError(
                f"waited {wait:.0f} s for the alias lock on {name} ({uri}): another alias change holds it "
                "(a stopped or hung promotion?); nothing changed"
            ) from exc
        fence = conn.execute(text(f"SELECT fence FROM {TABLE} WHERE name = :n"), {"n": name}).scalar_one()
        yield HeldLock(name, int(fence), holder, uri, conn)
        conn.commit()
