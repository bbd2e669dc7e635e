"""One SQLite connection shared by a process's threads, with the transaction rules pypod's two
databases (the image store's and the containers') both follow.

autocommit mode (isolation_level=None) so transactions are explicit: `write()` takes the write
lock up front (BEGIN IMMEDIATE) and `read()` gives one consistent snapshot; a 30 s busy timeout
lets concurrent pypod processes queue instead of failing. Subclasses create their schema.
"""

from __future__ import annotations

import _thread  # its RLock is threading's, without importing threading (~1 ms)
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pypod.errors import StorageError


class SqliteDB:
    label = "database"  # for messages: "store database", "container database"

    def __init__(self, path: str) -> None:
        self.lock = _thread.RLock()
        try:
            self.conn = sqlite3.connect(
                path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            self.conn.execute("PRAGMA busy_timeout = 30000")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.prepare()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the {self.label} {path}: {exc}") from exc

    def prepare(self) -> None:
        """Create or migrate the schema; called once per open, inside the error translation."""

    def set_wal(self) -> None:
        # Switching to WAL needs a moment of exclusive access; when many processes open a new
        # database at once the busy handler is not always consulted, so retry briefly.
        for attempt in range(100):
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError:
                if attempt == 99:
                    raise
                time.sleep(0.02)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction; BEGIN IMMEDIATE takes the write lock up front."""
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(f"{self.label} is busy: {exc}") from exc
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    self.conn.execute("ROLLBACK")
                    raise StorageError(f"{self.label}: {exc}") from exc

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot (nested uses join the outer one)."""
        with self.lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")

    def query(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple]:  # type: ignore[type-arg]
        """One statement, one implicit read snapshot."""
        with self.lock:
            try:
                return self.conn.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StorageError(f"{self.label}: {exc}") from exc

    def meta(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None
