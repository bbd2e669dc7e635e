"""ContainerStore: container records and their state in SQLite, safe across processes.

Contract:
- A container's config is written once (create) and never changed, except by rename/update
  (which rewrite it under the container's lock). Its state is replaced whole under the lock.
- Per-container exclusion across processes: `with store.locked(cid):` (an fcntl lock file under
  run_root/locks); inside it, `get()` re-syncs from the database.
- Names and ids are unique; create() fails with NameInUse for a taken name. 20 concurrent
  creates in separate processes all succeed with unique names/ids.
- After a reboot the run state in the database is stale: rebooted() says so and
  reset_after_reboot() turns it into what a fresh boot means (nothing runs, nothing mounted).
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

from pypod import records
from pypod.core import names
from pypod.core.db import StateDB, current_boot_id
from pypod.core.model import (
    ContainerBrief,
    ContainerConfig,
    ContainerState,
    Mount,
    Status,
    VolumeConfig,
)
from pypod.errors import (
    Conflict,
    ContainerNotFound,
    NameInUse,
    NotFound,
    StorageError,
    VolumeNotFound,
)

# What a fresh boot leaves of each status: no process runs, no runtime container exists.
_AFTER_REBOOT = {
    Status.RUNNING: Status.EXITED,
    Status.PAUSED: Status.EXITED,
    Status.STOPPED: Status.EXITED,
    Status.CREATED: Status.CONFIGURED,
    Status.REMOVING: Status.EXITED,
}


def _not_found(key: str) -> ContainerNotFound:
    return ContainerNotFound(f'no container with name or ID "{key}" found: no such container')


def _volume_to_json(v: VolumeConfig) -> str:
    return json.dumps(records.asdict(v), separators=(",", ":"))


def _volume_from_json(text: str) -> VolumeConfig:
    return VolumeConfig(**json.loads(text))


class ContainerStore:
    def __init__(self, db: StateDB, graph_root: str, run_root: str) -> None:
        self.db = db
        self.graph_root = graph_root
        self.run_root = run_root
        self.lock_dir = os.path.join(run_root, "locks")

    @classmethod
    def open(cls, graph_root: str, run_root: str) -> ContainerStore:
        """The database lives at graph_root/containers.db; run-time files under run_root."""
        try:
            os.makedirs(graph_root, mode=0o700, exist_ok=True)
            os.makedirs(os.path.join(run_root, "locks"), mode=0o700, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create {exc.filename}: {exc.strerror}") from exc
        return cls(StateDB(os.path.join(graph_root, "containers.db")), graph_root, run_root)

    def close(self) -> None:
        self.db.close()

    # containers ---------------------------------------------------------------------------
    def create(
        self, config: ContainerConfig, state: ContainerState, *, random_name: bool = False
    ) -> ContainerConfig:
        """Insert both rows in one transaction. NameInUse / Conflict on duplicates.
        With random_name, a taken name is replaced by a fresh random one (the race between
        choosing a free name and inserting it is lost only by the loser, who retries); the
        config actually stored is returned."""
        for _attempt in range(20):
            try:
                self._insert(config, state)
                return config
            except NameInUse:
                if not random_name:
                    raise
                config = records.replace(config, name=names.generate(self.name_taken))
        raise NameInUse(f"could not find a free random name for container {config.id[:12]}")

    def _insert(self, config: ContainerConfig, state: ContainerState) -> None:
        try:
            with self.db.write() as conn:
                row = conn.execute(
                    "SELECT id, name FROM containers WHERE id = ? OR name = ?",
                    (config.id, config.name),
                ).fetchone()
                if row is not None and row[0] == config.id:
                    raise Conflict(f"container with ID {config.id} already exists")
                if row is not None:
                    raise NameInUse(
                        f'the container name "{config.name}" is already in use by {row[0]}. '
                        "You have to remove that container to be able to reuse that name: "
                        "that name is already in use"
                    )
                conn.execute(
                    "INSERT INTO containers(id, name, config, image_id, created)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (config.id, config.name, config.to_json(), config.image_id, config.created),
                )
                conn.execute(
                    "INSERT INTO state(id, json) VALUES (?, ?)", (config.id, state.to_json())
                )
                self._index(conn, config)
        except sqlite3.Error as exc:
            raise StorageError(f"container database: {exc}") from exc

    @staticmethod
    def _index(conn: sqlite3.Connection, config: ContainerConfig) -> None:
        conn.execute("DELETE FROM container_volumes WHERE id = ?", (config.id,))
        conn.execute("DELETE FROM container_deps WHERE id = ?", (config.id,))
        volumes = {m.source for m in config.mounts if m.type == "volume"}
        conn.executemany(
            "INSERT INTO container_volumes(id, volume) VALUES (?, ?)",
            [(config.id, v) for v in sorted(volumes)],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO container_deps(id, dep) VALUES (?, ?)",
            [(config.id, d) for d in config.dependencies],
        )

    def name_taken(self, name: str) -> bool:
        return bool(self.db.query("SELECT 1 FROM containers WHERE name = ?", (name,)))

    def get(self, cid: str) -> tuple[ContainerConfig, ContainerState]:
        """By full id. ContainerNotFound."""
        rows = self.db.query(
            "SELECT c.config, s.json FROM containers c JOIN state s ON s.id = c.id WHERE c.id = ?",
            (cid,),
        )
        if not rows:
            raise _not_found(cid)
        return ContainerConfig.from_json(rows[0][0]), ContainerState.from_json(rows[0][1])

    def get_state(self, cid: str) -> ContainerState:
        rows = self.db.query("SELECT json FROM state WHERE id = ?", (cid,))
        if not rows:
            raise _not_found(cid)
        return ContainerState.from_json(rows[0][0])

    def lookup(self, key: str) -> str:
        """Full id from a name, full id or unique id prefix. ContainerNotFound (also for an
        ambiguous prefix, saying so)."""
        if not key:
            raise _not_found(key)
        rows = self.db.query(
            "SELECT id FROM containers WHERE name = ? OR id = ? ORDER BY (name = ?) DESC LIMIT 1",
            (key, key, key),
        )
        if rows:
            return str(rows[0][0])
        if not all(c in "0123456789abcdef" for c in key):
            raise _not_found(key)
        # ids are lower-case hex, so a range scan on the primary key is an exact prefix match
        rows = self.db.query(
            "SELECT id FROM containers WHERE id >= ? AND id < ? LIMIT 2", (key, key + "g")
        )
        if len(rows) > 1:
            raise ContainerNotFound(f'more than one result for container ID "{key}"')
        if not rows:
            raise _not_found(key)
        return str(rows[0][0])

    def list(self) -> list[tuple[ContainerConfig, ContainerState]]:
        """All containers, newest first, in one query (fast at 1,000)."""
        rows = self.db.query(
            "SELECT c.config, s.json FROM containers c JOIN state s ON s.id = c.id"
            " ORDER BY c.created DESC, c.id"
        )
        return [(ContainerConfig.from_json(c), ContainerState.from_json(s)) for c, s in rows]

    def newest(self) -> str | None:
        """The id of the most recently created container (--latest), None without any."""
        rows = self.db.query("SELECT id FROM containers ORDER BY created DESC, id LIMIT 1")
        return rows[0][0] if rows else None

    def list_brief(self) -> list[tuple[ContainerBrief, ContainerState]]:
        """All containers, newest first, with only what `ps` reads of each config: one
        json_extract per row in SQLite instead of a whole ContainerConfig in Python."""
        rows = self.db.query(
            "SELECT c.id, c.name, c.created, c.image_id, json_extract(c.config, '$.image_name',"
            " '$.entrypoint', '$.command', '$.labels', '$.mounts', '$.auto_remove', '$.pod_id',"
            " '$.network_mode', '$.ports', '$.networks'), s.json"
            " FROM containers c JOIN state s ON s.id = c.id"
            " ORDER BY c.created DESC, c.id"
        )
        out = []
        loads = json.loads
        for cid, name, created, image_id, brief, state in rows:
            image_name, entry, cmd, labels, mounts, auto_remove, pod, net, ports, nets = loads(
                brief
            )
            out.append((
                ContainerBrief(
                    id=cid, name=name, created=created, image_id=image_id, image_name=image_name,
                    entrypoint=tuple(entry or ()), command=tuple(cmd or ()), labels=labels or {},
                    mounts=tuple(
                        Mount(**{**m, "options": tuple(m["options"])}) for m in mounts or ()
                    ),
                    auto_remove=bool(auto_remove), pod_id=pod or "", network_mode=net or "none",
                    ports=tuple(ports or ()), networks=tuple(nets or ()),
                ),
                ContainerState.from_json(state),
            ))  # fmt: skip
        return out

    def list_states(self) -> dict[str, ContainerState]:
        """Only the states (cheaper than list() when configs are not needed)."""
        rows = self.db.query("SELECT id, json FROM state")
        return {cid: ContainerState.from_json(s) for cid, s in rows}

    def set_state(self, cid: str, state: ContainerState) -> None:
        with self.db.write() as conn:
            cur = conn.execute("UPDATE state SET json = ? WHERE id = ?", (state.to_json(), cid))
            if cur.rowcount == 0:
                raise _not_found(cid)

    def set_config(self, config: ContainerConfig) -> None:
        """rename/update only; the name index follows."""
        try:
            with self.db.write() as conn:
                row = conn.execute(
                    "SELECT id FROM containers WHERE name = ? AND id != ?",
                    (config.name, config.id),
                ).fetchone()
                if row is not None:
                    raise NameInUse(
                        f'the container name "{config.name}" is already in use by {row[0]}. '
                        "You have to remove that container to be able to reuse that name: "
                        "that name is already in use"
                    )
                cur = conn.execute(
                    "UPDATE containers SET name = ?, config = ?, image_id = ? WHERE id = ?",
                    (config.name, config.to_json(), config.image_id, config.id),
                )
                if cur.rowcount == 0:
                    raise _not_found(config.id)
                self._index(conn, config)
        except sqlite3.Error as exc:
            raise StorageError(f"container database: {exc}") from exc

    def remove(self, cid: str) -> None:
        with self.db.write() as conn:
            cur = conn.execute("DELETE FROM containers WHERE id = ?", (cid,))
            if cur.rowcount == 0:
                raise _not_found(cid)
            for table in ("state", "container_volumes", "container_deps"):
                conn.execute(f"DELETE FROM {table} WHERE id = ?", (cid,))
            conn.execute("DELETE FROM exec_sessions WHERE container = ?", (cid,))
        # A process still waiting on the old lock file re-syncs and finds no container.
        with suppress(FileNotFoundError):
            os.unlink(self._lock_path(cid))

    def _lock_path(self, key: str) -> str:
        return os.path.join(self.lock_dir, key + ".lock")

    def locked(self, cid: str) -> AbstractContextManager[None]:
        return self._flock(self._lock_path(cid))

    def volume_locked(self, name: str) -> AbstractContextManager[None]:
        return self._flock(self._lock_path("volume-" + name))

    @contextmanager
    def _flock(self, path: str) -> Iterator[None]:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor drops the lock

    def users_of_image(self, image_id: str) -> list[str]:
        """Container ids created from image_id (rmi refuses them without -f)."""
        rows = self.db.query("SELECT id FROM containers WHERE image_id = ?", (image_id,))
        return [r[0] for r in rows]

    def dependents(self, cid: str) -> list[str]:
        """Containers whose config.dependencies include cid (rm --depend)."""
        return [r[0] for r in self.db.query("SELECT id FROM container_deps WHERE dep = ?", (cid,))]

    # reboots ----------------------------------------------------------------------------------
    def rebooted(self) -> bool:
        """True when the host booted since the run state was last reset."""
        return self.db.meta("boot_id") != current_boot_id()

    def reset_after_reboot(self) -> list[str]:
        """Reset stale run state once per boot (the first caller wins; later ones find the
        boot id current and do nothing). Returns the ids whose state changed."""
        boot = current_boot_id()
        changed: list[str] = []
        with self.db.write() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'boot_id'").fetchone()
            if row is not None and row[0] == boot:
                return changed
            for cid, text in conn.execute("SELECT id, json FROM state").fetchall():
                st = ContainerState.from_json(text)
                status = _AFTER_REBOOT.get(st.status, st.status)
                new = records.replace(
                    st, status=status, pid=0, conmon_pid=0, mountpoint="", mount_count=0,
                    boot_id=boot,
                )  # fmt: skip
                if new != st:
                    conn.execute("UPDATE state SET json = ? WHERE id = ?", (new.to_json(), cid))
                    changed.append(cid)
            conn.execute("DELETE FROM exec_sessions")
            conn.execute("UPDATE volumes SET state = '{}'")
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('boot_id', ?)", (boot,))
        return changed

    # exec sessions --------------------------------------------------------------------------
    def add_exec(self, cid: str, session_id: str, info: dict[str, object]) -> None:
        with self.db.write() as conn:
            if conn.execute("SELECT 1 FROM containers WHERE id = ?", (cid,)).fetchone() is None:
                raise _not_found(cid)
            conn.execute(
                "INSERT INTO exec_sessions(id, container, info) VALUES (?, ?, ?)",
                (session_id, cid, json.dumps(info)),
            )

    def get_exec(self, session_id: str) -> tuple[str, dict[str, object]]:
        rows = self.db.query(
            "SELECT container, info FROM exec_sessions WHERE id = ?", (session_id,)
        )
        if not rows:
            raise NotFound(f"no exec session with ID {session_id} found: no such exec session")
        return rows[0][0], json.loads(rows[0][1])

    def execs_of(self, cid: str) -> dict[str, dict[str, object]]:
        rows = self.db.query("SELECT id, info FROM exec_sessions WHERE container = ?", (cid,))
        return {sid: json.loads(info) for sid, info in rows}

    def update_exec(self, session_id: str, info: dict[str, object]) -> None:
        with self.db.write() as conn:
            cur = conn.execute(
                "UPDATE exec_sessions SET info = ? WHERE id = ?", (json.dumps(info), session_id)
            )
            if cur.rowcount == 0:
                raise NotFound(f"no exec session with ID {session_id} found: no such exec session")

    def remove_exec(self, session_id: str) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM exec_sessions WHERE id = ?", (session_id,))

    # volumes ----------------------------------------------------------------------------------
    def create_volume(self, volume: VolumeConfig) -> None:
        """Conflict ("volume with name X already exists") on a duplicate name."""
        try:
            with self.db.write() as conn:
                conn.execute(
                    "INSERT INTO volumes(name, config, created, state) VALUES (?, ?, ?, '{}')",
                    (volume.name, _volume_to_json(volume), volume.created),
                )
        except sqlite3.IntegrityError as exc:
            raise Conflict(
                f"volume with name {volume.name} already exists: volume already exists"
            ) from exc

    def volume(self, name: str) -> VolumeConfig:
        """VolumeNotFound. Accepts a unique name prefix like Podman."""
        return _volume_from_json(self._volume_row(name)[1])

    def _volume_row(self, name: str) -> tuple[str, str, str]:
        rows = self.db.query("SELECT name, config, state FROM volumes WHERE name = ?", (name,))
        if not rows and name:
            # a prefix match (names may hold any character, so no range trick here)
            rows = self.db.query(
                "SELECT name, config, state FROM volumes WHERE substr(name, 1, ?) = ? LIMIT 2",
                (len(name), name),
            )
            if len(rows) > 1:
                raise VolumeNotFound(
                    f"more than one result for volume name {name}: volume already exists"
                )
        if not rows:
            raise VolumeNotFound(f'no volume with name "{name}" found: no such volume')
        return rows[0][0], rows[0][1], rows[0][2]

    def volumes(self) -> list[VolumeConfig]:
        rows = self.db.query("SELECT config FROM volumes ORDER BY name")
        return [_volume_from_json(r[0]) for r in rows]

    def volume_state(self, name: str) -> dict[str, Any]:
        """Run-time facts about a volume (mount count, mount point, copy-up done); reset to
        {} after a reboot. Exact name."""
        rows = self.db.query("SELECT state FROM volumes WHERE name = ?", (name,))
        if not rows:
            raise VolumeNotFound(f'no volume with name "{name}" found: no such volume')
        state: dict[str, Any] = json.loads(rows[0][0])
        return state

    def volume_states(self) -> dict[str, dict[str, Any]]:
        return {n: json.loads(s) for n, s in self.db.query("SELECT name, state FROM volumes")}

    def set_volume_state(self, name: str, state: dict[str, Any]) -> None:
        with self.db.write() as conn:
            cur = conn.execute(
                "UPDATE volumes SET state = ? WHERE name = ?", (json.dumps(state), name)
            )
            if cur.rowcount == 0:
                raise VolumeNotFound(f'no volume with name "{name}" found: no such volume')

    def remove_volume(self, name: str) -> None:
        with self.db.write() as conn:
            cur = conn.execute("DELETE FROM volumes WHERE name = ?", (name,))
            if cur.rowcount == 0:
                raise VolumeNotFound(f'no volume with name "{name}" found: no such volume')
        with suppress(FileNotFoundError):
            os.unlink(self._lock_path("volume-" + name))

    def volume_users(self, name: str) -> list[str]:
        """Container ids whose mounts use the volume."""
        rows = self.db.query("SELECT id FROM container_volumes WHERE volume = ?", (name,))
        return [r[0] for r in rows]

    def volumes_in_use(self) -> set[str]:
        return {r[0] for r in self.db.query("SELECT DISTINCT volume FROM container_volumes")}

    def iter_ids(self) -> Iterator[str]:
        yield from (r[0] for r in self.db.query("SELECT id FROM containers ORDER BY created"))
