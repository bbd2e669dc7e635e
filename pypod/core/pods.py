"""Pods: a PodConfig record in the containers database (table `pods`) and PodStore over it.

A pod is a name, an optional infra container that owns the shared namespaces, and the
containers whose ContainerConfig.pod_id names it. Members are found by json_extract on their
configs (no second index to keep in sync). Per-pod exclusion across processes uses the same
fcntl lock files as containers (`with store.locked("pod-" + id)`).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from pypod import records
from pypod.core.containers import ContainerStore
from pypod.errors import Conflict, NameInUse, NotFound, PodNotFound, StorageError
from pypod.records import field, record

DEFAULT_SHARE = ("ipc", "net", "uts")
SHAREABLE = ("cgroup", "ipc", "net", "pid", "uts")


@record
class PodConfig:
    id: str
    name: str
    created: float
    labels: dict[str, str] = field(default_factory=dict)
    infra_id: str = ""  # "" for --infra=false
    share: tuple[str, ...] = DEFAULT_SHARE
    share_parent: bool = True
    cgroup_parent: str = ""  # what the pod's cgroup is made under ("" rootless on cgroup v1)
    cgroup_path: str = ""  # the pod's own cgroup, parent of its members' ("" when none)
    exit_policy: str = "continue"  # continue | stop
    restart_policy: str = ""
    hostname: str = ""
    # what the infra container was created with (pod inspect shows them)
    network: str = ""
    publish: tuple[str, ...] = ()
    dns: tuple[str, ...] = ()
    add_hosts: tuple[str, ...] = ()
    ip: str = ""
    mac: str = ""
    infra_image: str = ""
    infra_command: tuple[str, ...] = ()
    create_command: tuple[str, ...] = ()

    @property
    def short_id(self) -> str:
        return self.id[:12]

    def shares(self, ns: str) -> bool:
        return bool(self.infra_id) and ns in self.share

    def to_json(self) -> str:
        return json.dumps(records.asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> PodConfig:
        raw: dict[str, Any] = json.loads(text)
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})


def not_found(key: str) -> PodNotFound:
    return PodNotFound(f"no pod with name or ID {key} found: no such pod")


class PodStore:
    """Pod rows next to the containers (one database, one write lock)."""

    def __init__(self, containers: ContainerStore) -> None:
        self.containers = containers
        self.db = containers.db

    def create(self, pod: PodConfig) -> None:
        try:
            with self.db.write() as conn:
                row = conn.execute(
                    "SELECT id FROM pods WHERE id = ? OR name = ?", (pod.id, pod.name)
                ).fetchone()
                if row is not None and row[0] == pod.id:
                    raise Conflict(f"pod with ID {pod.id} already exists")
                if row is not None:
                    raise NameInUse(f"{pod.name}: pod already exists: that name is already in use")
                conn.execute(
                    "INSERT INTO pods(id, name, config, created) VALUES (?, ?, ?, ?)",
                    (pod.id, pod.name, pod.to_json(), pod.created),
                )
        except sqlite3.Error as exc:
            raise StorageError(f"container database: {exc}") from exc

    def set_config(self, pod: PodConfig) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE pods SET config = ? WHERE id = ?", (pod.to_json(), pod.id))

    def remove(self, pod_id: str) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM pods WHERE id = ?", (pod_id,))

    def get(self, pod_id: str) -> PodConfig:
        rows = self.db.query("SELECT config FROM pods WHERE id = ?", (pod_id,))
        if not rows:
            raise not_found(pod_id)
        return PodConfig.from_json(rows[0][0])

    def lookup(self, key: str) -> PodConfig:
        """By exact name, full id, or unique id prefix (as containers)."""
        if not key:
            raise not_found(key)
        rows = self.db.query("SELECT config FROM pods WHERE name = ? OR id = ?", (key, key))
        if not rows and all(c in "0123456789abcdef" for c in key):
            rows = self.db.query(
                "SELECT config FROM pods WHERE id >= ? AND id < ?", (key, key + "g")
            )
            if len(rows) > 1:
                raise Conflict(f"more than one result for pod ID {key}: {len(rows)}")
        if not rows:
            raise not_found(key)
        return PodConfig.from_json(rows[0][0])

    def exists(self, key: str) -> bool:
        try:
            self.lookup(key)
        except NotFound:
            return False
        return True

    def list(self) -> list[PodConfig]:
        rows = self.db.query("SELECT config FROM pods ORDER BY created")
        return [PodConfig.from_json(r[0]) for r in rows]

    def members(self, pod_id: str) -> list[str]:
        """Ids of the pod's containers (the infra container included), oldest first."""
        rows = self.db.query(
            "SELECT id FROM containers WHERE json_extract(config, '$.pod_id') = ? ORDER BY created",
            (pod_id,),
        )
        return [r[0] for r in rows]
