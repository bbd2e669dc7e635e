"""ContainerStore: container records and their state in SQLite, safe across processes.

Contract (implemented by the core-state helper; signatures are fixed, bodies to come):
- A container's config is written once (create) and never changed, except by rename/update
  (which rewrite it under the container's lock). Its state is replaced whole under the lock.
- Per-container exclusion across processes: `with store.locked(cid):` (an fcntl lock file under
  run_root/locks); inside it, `get()` re-syncs from the database.
- Names and ids are unique; create() fails with NameInUse for a taken name. 20 concurrent
  creates in separate processes all succeed with unique names/ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager

from pypod.core.model import ContainerConfig, ContainerState, VolumeConfig


class ContainerStore:
    @classmethod
    def open(cls, graph_root: str, run_root: str) -> ContainerStore:
        """The database lives at graph_root/containers.db; run-time files under run_root."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # containers ---------------------------------------------------------------------------
    def create(self, config: ContainerConfig, state: ContainerState) -> None:
        """Insert both rows in one transaction. NameInUse / Conflict on duplicates."""
        raise NotImplementedError

    def get(self, cid: str) -> tuple[ContainerConfig, ContainerState]:
        """By full id. ContainerNotFound."""
        raise NotImplementedError

    def lookup(self, key: str) -> str:
        """Full id from a name, full id or unique id prefix. ContainerNotFound (also for an
        ambiguous prefix, saying so)."""
        raise NotImplementedError

    def list(self) -> list[tuple[ContainerConfig, ContainerState]]:
        """All containers, newest first, in one query (fast at 1,000)."""
        raise NotImplementedError

    def set_state(self, cid: str, state: ContainerState) -> None:
        raise NotImplementedError

    def set_config(self, config: ContainerConfig) -> None:
        """rename/update only; the name index follows."""
        raise NotImplementedError

    def remove(self, cid: str) -> None:
        raise NotImplementedError

    def locked(self, cid: str) -> AbstractContextManager[None]:
        raise NotImplementedError

    def users_of_image(self, image_id: str) -> list[str]:
        """Container ids created from image_id (rmi refuses them without -f)."""
        raise NotImplementedError

    def dependents(self, cid: str) -> list[str]:
        """Containers whose config.dependencies include cid (rm --depend)."""
        raise NotImplementedError

    # exec sessions --------------------------------------------------------------------------
    def add_exec(self, cid: str, session_id: str, info: dict[str, object]) -> None:
        raise NotImplementedError

    def get_exec(self, session_id: str) -> tuple[str, dict[str, object]]:
        raise NotImplementedError

    def update_exec(self, session_id: str, info: dict[str, object]) -> None:
        raise NotImplementedError

    def remove_exec(self, session_id: str) -> None:
        raise NotImplementedError

    # volumes ----------------------------------------------------------------------------------
    def create_volume(self, volume: VolumeConfig) -> None:
        """Conflict ("volume with name X already exists") on a duplicate name."""
        raise NotImplementedError

    def volume(self, name: str) -> VolumeConfig:
        """VolumeNotFound. Accepts a unique name prefix like Podman."""
        raise NotImplementedError

    def volumes(self) -> list[VolumeConfig]:
        raise NotImplementedError

    def remove_volume(self, name: str) -> None:
        raise NotImplementedError

    def volume_users(self, name: str) -> list[str]:
        """Container ids whose mounts use the volume."""
        raise NotImplementedError

    def iter_ids(self) -> Iterator[str]:
        raise NotImplementedError
