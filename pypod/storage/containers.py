"""Container read-write layers: create, mount, changes, diff/export tars, size, commit, remove.

    layers = ContainerLayers(store)
    layers.create(cid, image_id)          # RW layer over the image; holds the image's layers
    root = layers.mount(cid)              # ref-counted; the rootfs path for the bundle
    layers.unmount(cid) -> bool           # True when it was really unmounted
    layers.mounted(cid) -> str | None
    layers.changes(cid) -> [("A"|"C"|"D", "/path")]   # raw: the engine drops changes.INIT_PATHS
    layers.diff_tar(cid) -> BinaryIO      # OCI layer tar of the changes (streamed)
    layers.export_tar(cid) -> BinaryIO    # the whole rootfs (streamed; mounts while read)
    layers.size(cid) -> (rw_bytes, rootfs_bytes)
    layers.commit_layer(cid[, image_id]) -> Layer   # the changes as a layer over the image's top
    layers.remove(cid)                    # unmount, delete everything, release the image
    layers.userdata_dir(cid), layers.run_dir(cid), layers.exists(cid), layers.ids()

Layout (graph_root and run_root of the store):
    overlay-containers/<cid>/{diff,work,merged,layer.json}   overlay: upper, work, mount point
    vfs-containers/<cid>/{rootfs,layer.json}                 vfs: a full copy of the image tree
    containers/<cid>/userdata/     persistent: config.json bundle, logs, hosts, exit files
    run_root/containers/<cid>/     runtime: attach socket, pid files (gone after a reboot)
    run_root/container-mounts/<cid>   the mount reference count

layer.json names the image and its top layer, so mount() needs no container record. The image's
top layer is held for "container:<cid>" (Store.add_layer_user), so rmi cannot delete a layer a
container stands on. Every method works rootless too, inside pypod's user namespace (where the
store is opened): owners in changes and tars are the container's own ids.

Not safe against concurrent create/remove of the same cid: the engine holds the container's
lock around those; mount/unmount are safe (counted under flock).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

from pypod.errors import ContainerNotFound, StorageError
from pypod.log import get_logger
from pypod.storage import staging
from pypod.storage.drivers.mount import MountCounts

if TYPE_CHECKING:
    from pypod.storage.store import Store
    from pypod.storage.types import Layer

log = get_logger(__name__)

USER_PREFIX = "container:"
_META = "layer.json"


def layer_user(cid: str) -> str:
    """The layer-hold name of a container (Store.add_layer_user / release_holds)."""
    return USER_PREFIX + cid


class ContainerLayers:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.overlay = store.driver_name == "overlay"
        self.home = os.path.join(store.graph_root, f"{store.driver_name}-containers")
        self.counts = MountCounts(
            os.path.join(store.run_root, "container-mounts"), real_mounts=self.overlay
        )

    @property
    def driver(self):  # type: ignore[no-untyped-def]
        """Opened on first use (the Store opens its driver lazily: `ps` never needs it)."""
        return self.store.driver

    # paths ----------------------------------------------------------------------------------
    def _dir(self, cid: str) -> str:
        if not cid or "/" in cid or cid.startswith("."):
            raise StorageError(f"invalid container id {cid!r}")
        return os.path.join(self.home, cid)

    def _rootfs(self, cid: str) -> str:
        """vfs: the tree itself; overlay: the mount point."""
        return os.path.join(self._dir(cid), "merged" if self.overlay else "rootfs")

    def userdata_dir(self, cid: str) -> str:
        return os.path.join(self.store.graph_root, "containers", self._check(cid), "userdata")

    def run_dir(self, cid: str) -> str:
        return os.path.join(self.store.run_root, "containers", self._check(cid))

    def _check(self, cid: str) -> str:
        self._dir(cid)
        return cid

    def exists(self, cid: str) -> bool:
        return os.path.exists(os.path.join(self._dir(cid), _META))

    def ids(self) -> list[str]:
        """Container ids with a layer on disk (for cleaning up after crashed creates)."""
        try:
            return sorted(n for n in os.listdir(self.home) if not n.startswith("."))
        except FileNotFoundError:
            return []

    def _meta(self, cid: str) -> dict[str, Any]:
        try:
            with open(os.path.join(self._dir(cid), _META), encoding="utf-8") as f:
                data: dict[str, Any] = json.load(f)
                return data
        except FileNotFoundError as exc:
            raise ContainerNotFound(f"{cid}: no read-write layer for this container") from exc

    def _id_mapped(self, cid: str) -> bool:
        """The rootfs is mounted with id maps (through fuse-overlayfs)."""
        try:
            return bool(self._meta(cid).get("uid_map"))
        except ContainerNotFound:
            return False

    def _lowers(self, cid: str) -> list[str]:
        """Layer ids below the container, top first."""
        top = self._meta(cid).get("top_layer")
        return [layer.id for layer in self.store.layer_chain(top)] if top else []

    # create / remove ------------------------------------------------------------------------
    def create(
        self,
        cid: str,
        image_id: str | None,
        *,
        mount_label: str = "",
        uid_map: Sequence[str] = (),
        gid_map: Sequence[str] = (),
    ) -> None:
        """The container's RW layer over image_id (None: an empty rootfs), its userdata and
        run directories. On failure nothing is left (remove() undoes a partial create).
        uid_map/gid_map ("container:host:size"): a container in a user namespace of its own;
        its rootfs is then mounted with those maps (fuse-overlayfs uidmapping/gidmapping),
        so image files show their in-image owners inside."""
        top = self.store.image(image_id).top_layer if image_id else None
        path = self._dir(cid)
        if os.path.lexists(path):
            raise StorageError(f"container {cid} already has a read-write layer")
        if uid_map and not self.overlay:
            raise StorageError(
                "a container in a user namespace of its own (--userns) needs the overlay "
                f"storage driver (this store uses {self.store.driver_name})"
            )
        try:
            if top:
                self.store.add_layer_user(top, layer_user(cid))
            os.makedirs(self.home, mode=0o700, exist_ok=True)
            os.mkdir(path, 0o700)
            if uid_map:
                _make_searchable(path)
            if self.overlay:
                for sub in ("diff", "work", "merged"):
                    os.mkdir(os.path.join(path, sub), 0o755)
            else:
                self.driver.copy_layer(top, self._rootfs(cid))  # type: ignore[attr-defined]
            for directory in (self.userdata_dir(cid), self.run_dir(cid)):
                # 0711 parents: a container whose root is mapped to another id can still reach
                # its own directory, which the engine chowns to it
                os.makedirs(os.path.dirname(directory), mode=0o711, exist_ok=True)
                os.makedirs(directory, mode=0o700, exist_ok=True)
            meta: dict[str, object] = {
                "image": image_id, "top_layer": top, "mount_label": mount_label,
            }  # fmt: skip
            if uid_map:
                meta |= {"uid_map": list(uid_map), "gid_map": list(gid_map)}
            tmp = os.path.join(path, _META + ".tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(meta, f)
            os.rename(tmp, os.path.join(path, _META))  # last: its presence means "complete"
        except BaseException:
            self.remove(cid)
            raise

    def remove(self, cid: str) -> None:
        """Unmount, delete the RW layer and the container's directories, release the image's
        layers. Idempotent: missing parts are skipped."""
        path = self._dir(cid)
        self.unmount(cid, force=True)
        if self.overlay and os.path.ismount(self._rootfs(cid)):
            self.driver.unmount_rw(self._rootfs(cid), fuse=self._id_mapped(cid))  # type: ignore[attr-defined]
        staging.remove_tree(path)
        staging.remove_tree(os.path.join(self.store.graph_root, "containers", cid))
        staging.remove_tree(self.run_dir(cid))
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.counts.dir, cid))
        self.store.release_holds(layer_user(cid))

    # mounts ---------------------------------------------------------------------------------
    def mount(self, cid: str) -> str:
        """The container's rootfs, mounted (overlay) and counted; unmount() once per call."""
        meta = self._meta(cid)
        target = self._rootfs(cid)
        if self.overlay:
            path = self._dir(cid)
            chain = self._lowers(cid)
            label = meta.get("mount_label") or ""
            id_maps = (meta["uid_map"], meta["gid_map"]) if meta.get("uid_map") else None

            def do_mount() -> None:
                self.driver.mount_rw(  # type: ignore[attr-defined]
                    chain,
                    os.path.join(path, "diff"),
                    os.path.join(path, "work"),
                    target,
                    label,
                    id_maps=id_maps,
                )

            self.counts.acquire(cid, target, do_mount)
        else:
            self.counts.acquire(cid, target, lambda: None)
        return target

    def unmount(self, cid: str, force: bool = False) -> bool:
        """Drop one reference (all with force); True when the rootfs was unmounted."""
        target = self._rootfs(cid)

        def do_unmount() -> None:
            if self.overlay:
                self.driver.unmount_rw(target, fuse=self._id_mapped(cid))  # type: ignore[attr-defined]

        return self.counts.release(cid, force, do_unmount)

    def mounted(self, cid: str) -> str | None:
        """The rootfs path while it is mounted (counted), else None."""
        try:
            with open(os.path.join(self.counts.dir, cid), encoding="utf-8") as f:
                count, _, path = f.read().partition(" ")
        except FileNotFoundError:
            return None
        if not count.strip() or int(count) <= 0:
            return None
        if self.overlay and not os.path.ismount(path):
            return None  # gone behind our back (reboot, manual umount)
        return path

    # contents -------------------------------------------------------------------------------
    def _lower_dirs(self, cid: str) -> list[str]:
        return [self.store.layer_path(layer) for layer in self._lowers(cid)]

    def lower_dirs(self, cid: str) -> list[str]:
        """The image layers' directories under the container, top first, for reports: the
        same paths as _lower_dirs without opening the driver."""
        from pypod.storage.drivers import layer_dir

        root, name = self.store.graph_root, self.store.driver_name
        return [layer_dir(root, name, layer) for layer in self._lowers(cid)]

    def changes(self, cid: str) -> list[tuple[str, str]]:
        """[(kind, path)] like `podman diff` before it drops the engine's own files."""
        from pypod.storage import changes as ch

        if self.overlay:
            return ch.overlay_changes(os.path.join(self._dir(cid), "diff"), self._lower_dirs(cid))
        self._meta(cid)
        lowers = self._lower_dirs(cid)
        return ch.tree_changes(self._rootfs(cid), lowers[0] if lowers else None)

    def diff_tar(self, cid: str) -> BinaryIO:
        """The changes as an uncompressed OCI layer tar, streamed from the files."""
        from pypod.storage import difftar

        if self.overlay:
            self._meta(cid)
            entries = difftar.overlay_entries(os.path.join(self._dir(cid), "diff"))
        else:
            entries = difftar.change_entries(self._rootfs(cid), self.changes(cid))
        return difftar.as_file(difftar.write(entries))

    def export_tar(self, cid: str) -> BinaryIO:
        """The whole rootfs as a tar, like `podman export`. Mounted while the stream is read;
        close the stream to release the mount."""
        from pypod.storage import difftar

        root = self.mount(cid)

        def chunks():  # type: ignore[no-untyped-def]
            try:
                yield from difftar.write(difftar.tree_entries(root))
            finally:
                self.unmount(cid)

        return difftar.as_file(chunks())

    def size(self, cid: str) -> tuple[int, int]:
        """(SizeRw, SizeRootFs) as Podman computes them: the bytes of the RW layer's files,
        and the image layers' uncompressed sizes."""
        from pypod.storage import changes as ch

        self._meta(cid)
        if self.overlay:
            rw = ch.tree_size(os.path.join(self._dir(cid), "diff"))
        else:
            rw = ch.changes_size(self._rootfs(cid), self.changes(cid))
        rootfs = sum(self.store.layer(layer).diff_size for layer in self._lowers(cid))
        return rw, rootfs

    # commit ---------------------------------------------------------------------------------
    def commit_layer(
        self, cid: str, image_id: str | None = None, *, hold: str | None = None
    ) -> Layer:
        """Store the container's changes as a layer whose parent is the image's top layer. Its
        id is the chain id over the image's layers, so the engine writes an image whose
        rootfs.diff_ids are the image's plus layer.diff_digest. Reads the changes twice (once
        to learn the digest, once to store them): pause or stop the container first, or a
        change in between fails the commit with IntegrityError. With hold, the new layer is
        held for that user until the image is written (see Store.hold_layer)."""
        import hashlib

        from pypod.storage.db import chain_ids

        top = self._meta(cid).get("top_layer")
        if image_id is not None:  # the image the container was created from, normally
            top = self.store.image(image_id).top_layer
        digest = hashlib.sha256()
        with self.diff_tar(cid) as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        diff_id = "sha256:" + digest.hexdigest()
        layer_id = chain_ids(["sha256:" + top, diff_id])[-1] if top else diff_id[7:]
        with self.diff_tar(cid) as stream:
            return self.store.put_layer(layer_id, top, stream, diff_digest=diff_id, hold=hold)


def _make_searchable(path: str) -> None:
    """The container's root is another id, which must reach its mount point: give every
    directory from path up to / the search bit for all (as Podman's makeAccessible does);
    a directory we may not change is left as it is."""
    while True:
        try:
            mode = os.stat(path).st_mode & 0o7777
            if mode & 0o111 != 0o111:
                os.chmod(path, mode | 0o111)
        except OSError as exc:
            log.debug("cannot make %s searchable: %s", path, exc)
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent
