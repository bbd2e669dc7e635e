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

from pypod.errors import StorageError
from pypod.host.sqlite import SqliteDB

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


class StateDB(SqliteDB):
    label = "container database"

    def prepare(self) -> None:
        self.set_wal()
        self._migrate()

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
