"""The container state database: one SQLite file per store (graph_root/containers.db).

Connection rules as the image store's (storage/db.py): WAL so readers never wait for the
writer, busy_timeout so concurrent processes queue instead of failing, BEGIN IMMEDIATE for every
write so two writers never deadlock upgrading a read lock. The schema grows by migrations keyed
on PRAGMA user_version: each step runs once, inside the write lock, whatever process gets there
first.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pypod.errors import StorageError

# Append only: a released step is never edited, a new one is added after it.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE containers (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, config TEXT NOT NULL,
        image_id TEXT NOT NULL, created REAL NOT NULL);
    CREATE INDEX containers_image ON containers(image_id);
    CREATE INDEX containers_created ON containers(created);
    CREATE TABLE state (id TEXT PRIMARY KEY REFERENCES containers(id), json TEXT NOT NULL);
    -- derived from the config at create/set_config, so "who uses X" is one indexed query
    CREATE TABLE container_volumes (id TEXT NOT NULL, volume TEXT NOT NULL,
        PRIMARY KEY (id, volume));
    CREATE INDEX container_volumes_volume ON container_volumes(volume);
    CREATE TABLE container_deps (id TEXT NOT NULL, dep TEXT NOT NULL, PRIMARY KEY (id, dep));
    CREATE INDEX container_deps_dep ON container_deps(dep);
    CREATE TABLE exec_sessions (id TEXT PRIMARY KEY, container TEXT NOT NULL,
        info TEXT NOT NULL);
    CREATE INDEX exec_sessions_container ON exec_sessions(container);
    CREATE TABLE volumes (name TEXT PRIMARY KEY, config TEXT NOT NULL, created REAL NOT NULL,
        state TEXT NOT NULL DEFAULT '{}');
    """,
    # pods (issue 4): the pod record; members name it in their config's pod_id
    """
    CREATE TABLE pods (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, config TEXT NOT NULL,
        created REAL NOT NULL);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)

Row = tuple  # type: ignore[type-arg]


def current_boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return ""


def image_user_counts(path: str) -> dict[str, int]:
    """{image id: number of containers created from it} from the database at path, in one
    query and without the container model (`images` shows the count for every image). No
    database yet means no containers: nothing is created or migrated for a read."""
    if not os.path.exists(path):
        return {}
    try:
        conn = sqlite3.connect(path, timeout=30.0)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the container database {path}: {exc}") from exc
    try:
        rows = conn.execute("SELECT image_id, COUNT(*) FROM containers GROUP BY image_id")
        return {image_id: count for image_id, count in rows}
    except sqlite3.OperationalError:
        return {}  # created this instant by another process, schema not written yet
    finally:
        conn.close()


class StateDB:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.RLock()
        try:
            self.conn = sqlite3.connect(
                path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            self.conn.execute("PRAGMA busy_timeout = 30000")
            self._set_wal()
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the container database {path}: {exc}") from exc

    def _set_wal(self) -> None:
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

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        with self.write() as conn:
            # re-read under the write lock: another process may have migrated meanwhile
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in MIGRATIONS[version:]:
                for stmt in step.split(";"):
                    if stmt.strip():
                        conn.execute(stmt)
            if version == 0:
                conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('boot_id', ?)",
                    (current_boot_id(),),
                )
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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
                raise StorageError(f"container database is busy: {exc}") from exc
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
                    raise StorageError(f"container database: {exc}") from exc

    def query(self, sql: str, args: tuple[object, ...] = ()) -> list[Row]:
        """One statement, one implicit read snapshot."""
        with self.lock:
            try:
                return self.conn.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StorageError(f"container database: {exc}") from exc

    def meta(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None
