"""Storage drivers: where a layer's files live and how a stack of layers is mounted.

A driver is small on purpose (as containers/storage's graphdriver): it prepares a staging
directory for a new layer, moves it into place, removes it, and mounts a chain of layers.
Extraction, tar-split and the records are the Store's job and shared by every driver.

- overlay.py   kernel overlayfs (userxattr when rootless), fuse-overlayfs as the fallback
- vfs.py       a full copy per layer; works everywhere, slow and big
- mount.py     mount(2) through ctypes and run_root reference counts
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pypod.errors import InvalidArgument


class Driver(Protocol):
    name: str
    whiteout_format: str  # "overlay": 0/0 char devices + opaque xattr; "vfs": deletions
    supports_parallel_apply: bool  # a layer can be extracted before its parent exists
    opaque_xattr: str

    def create(self, layer_id: str, parent: str | None, staging: str) -> str:
        """Prepare staging/layer for a new layer; return the directory to extract into."""
        ...

    def commit(self, layer_id: str, staging: str) -> None:
        """Move staging/layer into place (one rename)."""
        ...

    def remove(self, layer_id: str) -> None: ...

    def exists(self, layer_id: str) -> bool: ...

    def layer_path(self, layer_id: str) -> str:
        """The directory holding the layer's own files."""
        ...

    def layer_ids(self) -> list[str]:
        """Every layer directory on disk (records or not), for orphan cleanup."""
        ...

    def get(self, layer_id: str, chain: Sequence[str], mount_label: str = "") -> str:
        """Mount chain (layer_id first, then its parents) read-only; ref-counted; the path."""
        ...

    def put(self, layer_id: str, force: bool = False) -> bool:
        """Drop one reference (all with force); True when it was unmounted."""
        ...

    def mounted(self) -> dict[str, str]: ...

    def cleanup(self) -> None:
        """Remove leftovers of crashed operations (dangling links, probe dirs)."""
        ...


DRIVERS = ("overlay", "vfs")


def open_driver(
    name: str, graph_root: str, run_root: str, *, rootless: bool, options: dict[str, str]
) -> Driver:
    """name "" = overlay when it works here, else vfs."""
    if name in ("", "overlay", "overlay2", "fuse-overlayfs"):
        from pypod.storage.drivers import overlay

        support = overlay.detect(graph_root, rootless, options)
        if support:
            return overlay.OverlayDriver(
                graph_root, run_root, rootless=rootless, mode=support, options=options
            )
        if name:
            raise InvalidArgument(
                "overlay is not supported here (no kernel overlay and no fuse-overlayfs)"
            )
        name = "vfs"
    if name == "vfs":
        from pypod.storage.drivers import vfs

        return vfs.VfsDriver(graph_root, run_root)
    raise InvalidArgument(f"unknown storage driver {name!r} (known: {', '.join(DRIVERS)})")
