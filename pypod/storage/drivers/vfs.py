"""The vfs driver: every layer is a complete tree (a copy of its parent plus its diff).

No mounts and no kernel features, so it works anywhere; the price is disk space and a copy
per layer (reflinked where the filesystem can). Layers must be applied in order.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence

from pypod.errors import StorageError
from pypod.host import processes
from pypod.storage.drivers.mount import MountCounts


class VfsDriver:
    name = "vfs"
    whiteout_format = "vfs"
    supports_parallel_apply = False
    opaque_xattr = ""

    def __init__(self, graph_root: str, run_root: str, *, reason: str = "") -> None:
        self.reason = reason
        self.home = os.path.join(graph_root, "vfs", "dir")
        self.counts = MountCounts(os.path.join(run_root, "vfs-mounts"), real_mounts=False)
        os.makedirs(self.home, mode=0o700, exist_ok=True)

    def _dir(self, layer_id: str) -> str:
        return os.path.join(self.home, layer_id)

    def create(self, layer_id: str, parent: str | None, staging: str) -> str:
        layer = os.path.join(staging, "layer")
        if parent is None:
            os.mkdir(layer, 0o755)
            os.chmod(layer, 0o755)
            return layer
        if not self.exists(parent):
            raise StorageError(f"vfs: parent layer {parent} is not stored yet")
        # cp -a keeps owners, modes, times, xattrs, devices and hard links; reflinks are free
        processes.run(["cp", "-a", "--reflink=auto", "--", self._dir(parent), layer], timeout=None)
        return layer

    def commit(self, layer_id: str, staging: str) -> None:
        try:
            os.rename(os.path.join(staging, "layer"), self._dir(layer_id))
        except OSError as exc:
            raise StorageError(f"cannot move layer {layer_id} into place: {exc}") from exc

    def remove(self, layer_id: str) -> None:
        shutil.rmtree(self._dir(layer_id), ignore_errors=True)

    def exists(self, layer_id: str) -> bool:
        return os.path.isdir(self._dir(layer_id))

    def layer_path(self, layer_id: str) -> str:
        return self._dir(layer_id)

    def layer_ids(self) -> list[str]:
        return [n for n in os.listdir(self.home) if len(n) == 64]

    def cleanup(self) -> None:
        return None

    def get(self, layer_id: str, chain: Sequence[str], mount_label: str = "") -> str:
        path = self._dir(layer_id)  # already the complete tree: only counted
        self.counts.acquire(layer_id, path, lambda: None)
        return path

    def put(self, layer_id: str, force: bool = False) -> bool:
        return self.counts.release(layer_id, force, lambda: None)

    def mounted(self) -> dict[str, str]:
        return self.counts.all()

    def copy_layer(self, layer_id: str | None, target: str) -> None:
        """A container's writable tree: a full copy of layer_id's tree (empty when None)."""
        if layer_id is None:
            os.mkdir(target, 0o755)
            return
        processes.run(
            ["cp", "-a", "--reflink=auto", "--", self._dir(layer_id), target], timeout=None
        )

    def status(self) -> dict[str, str]:
        # Podman's vfs reports no status at all; pypod adds only why it is vfs
        return {"Driver Reason": self.reason} if self.reason else {}

    def info_options(self) -> dict[str, object]:
        return {}
