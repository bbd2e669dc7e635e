"""Storage drivers: where a layer's files live and how a stack of layers is mounted.

A driver is small on purpose (as containers/storage's graphdriver): it prepares a staging
directory for a new layer, moves it into place, removes it, and mounts a chain of layers.
Extraction, tar-split and the records are the Store's job and shared by every driver.

- overlay.py   kernel overlayfs (userxattr when rootless), fuse-overlayfs as the fallback
- support.py   which overlay works here and why (probed once per graph root), info helpers
- vfs.py       a full copy per layer; works everywhere, slow and big
- mount.py     mount(2) through ctypes and run_root reference counts
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

from pypod.errors import InvalidArgument


def layer_dir(graph_root: str, driver_name: str, layer_id: str) -> str:
    """Driver.layer_path without opening the driver (which imports the mount helpers and may
    probe the host): for a read-only report such as container inspect's GraphDriver."""
    if driver_name == "overlay":
        return os.path.join(graph_root, "overlay", layer_id, "diff")
    return os.path.join(graph_root, "vfs", "dir", layer_id)


class Driver(Protocol):
    name: str
    whiteout_format: str  # "overlay": 0/0 char devices + opaque xattr; "vfs": deletions
    supports_parallel_apply: bool  # a layer can be extracted before its parent exists
    opaque_xattr: str
    reason: str  # why this driver (and mode) was chosen, for `pypod info`

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

    def status(self) -> dict[str, str]:
        """`pypod info` graphStatus: Podman's keys, plus "Driver Reason"."""
        ...

    def info_options(self) -> dict[str, object]:
        """`pypod info` graphOptions."""
        ...


DRIVERS = ("overlay", "vfs")
_PREFIXES = ("overlay.", "overlay2.", "vfs.", ".")


def parse_options(options: tuple[str, ...] | list[str]) -> dict[str, str]:
    """--storage-opt / storage.conf options as {key: value}, the driver prefix dropped:
    containers/storage accepts "overlay.mount_program", "overlay2.mount_program" and
    ".mount_program" alike (and "vfs.ignore_chown_errors" for vfs)."""
    out = {}
    for opt in options:
        key, _, value = opt.partition("=")
        key = key.strip().lower()
        for prefix in _PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix) :]
                break
        out[key] = value.strip()
    return out


def open_driver(
    name: str, graph_root: str, run_root: str, *, rootless: bool, options: dict[str, str]
) -> Driver:
    """name "" = overlay when it works here (kernel, else fuse-overlayfs), else vfs.
    options are parse_options() output."""
    reason = ""
    if name in ("", "overlay", "overlay2", "fuse-overlayfs"):
        from pypod.storage.drivers import overlay, support

        program = options.get("mount_program", "")
        found = support.detect(graph_root, rootless, program)
        if not found.mode and name:  # asked for overlay: a stale verdict must not refuse it
            found = support.detect(graph_root, rootless, program, fresh=True)
        if found.mode:
            return overlay.OverlayDriver(
                graph_root,
                run_root,
                rootless=rootless,
                mode=found.mode,
                options=options,
                reason=found.reason,
            )
        if name:
            raise InvalidArgument(f"overlay is not supported here: {found.reason}")
        name, reason = "vfs", f"overlay is not supported here: {found.reason}"
    if name == "vfs":
        from pypod.storage.drivers import vfs

        return vfs.VfsDriver(graph_root, run_root, reason=reason or _vfs_reason(graph_root))
    raise InvalidArgument(f"unknown storage driver {name!r} (known: {', '.join(DRIVERS)})")


def _vfs_reason(graph_root: str) -> str:
    """Why an existing vfs store is vfs: the overlay verdict cached when it was created, if
    that is what chose it."""
    from pypod.storage.drivers import support

    found = support.read_cache(os.path.join(graph_root, "overlay", support.CACHE_NAME))
    if found is not None and not found.mode:
        return f"overlay is not supported here: {found.reason}"
    return "vfs was configured (--storage-driver, STORAGE_DRIVER or storage.conf)"
