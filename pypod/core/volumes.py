"""Named volumes with Podman's "local" driver.

A volume is a record in the container database plus a directory graph_root/volumes/<name>
whose _data subdirectory is what containers mount. With `-o type=... [-o device=] [-o o=]`
the _data directory is a mount point instead: the filesystem is mounted when the first user
mounts the volume and unmounted when the last one lets go (a reference count kept in the
volume's run state, which a reboot resets).

Two things happen on a volume's first use, as in Podman: its _data is filled with what the
image has at the mount point (copy-up, only while the volume is still empty) and handed to
the container's user (chown). The run state records both as done (NeedsCopyUp/NeedsChown).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import time
from typing import Any, BinaryIO

from pypod.core.containers import ContainerStore
from pypod.core.events import EventLog
from pypod.core.model import VolumeConfig
from pypod.errors import InvalidArgument, StorageError
from pypod.log import get_logger

log = get_logger(__name__)

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
# the local driver's options, lower-cased (Podman accepts UID/GID in either case)
LOCAL_OPTIONS = ("device", "type", "o", "uid", "gid", "size", "inodes", "noquota", "copy",
                 "nocopy")  # fmt: skip


def parse_options(options: dict[str, str]) -> tuple[dict[str, str], int, int]:
    """Validate -o options of the local driver; returns (options, uid, gid)."""
    out: dict[str, str] = {}
    uid = gid = -1
    for key, value in options.items():
        low = key.lower()
        if low not in LOCAL_OPTIONS:
            raise InvalidArgument(
                f"invalid mount option {key} for driver 'local': invalid argument"
            )
        if low in ("size", "inodes"):
            raise InvalidArgument(
                "volume options size and inodes not supported. "
                "Filesystem does not support Project Quota"
            )
        if low in ("uid", "gid"):
            try:
                number = int(value)
            except ValueError:
                raise InvalidArgument(f"cannot convert {key} {value} to integer") from None
            uid, gid = (number, gid) if low == "uid" else (uid, number)
        out[low if low in ("uid", "gid") else key] = value
    # Podman's o=uid=N,gid=N: the data directory's owner, kept in "o" and added as UID/GID
    mount_opts = []
    for opt in out.get("o", "").split(","):
        name, _, number = opt.partition("=")
        if name.lower() in ("uid", "gid") and number.isdigit():
            uid, gid = (int(number), gid) if name.lower() == "uid" else (uid, int(number))
            out[name.upper()] = number
        elif opt:
            mount_opts.append(opt)
    if ("device" in out or mount_opts) and "type" not in out:
        # Podman's rule: a device or mount options mean nothing without a filesystem type
        raise InvalidArgument("must provide mount type when specifying device or mount options")
    return out, uid, gid


class Volumes:
    """Volume records, directories and mounts. Every mutation takes the volume's lock."""

    def __init__(self, store: ContainerStore, graph_root: str, events: EventLog | None = None):
        self.store = store
        self.root = os.path.join(graph_root, "volumes")
        self.events = events

    def path(self, name: str) -> str:
        return os.path.join(self.root, name)

    def data_path(self, name: str) -> str:
        return os.path.join(self.root, name, "_data")

    def _emit(self, status: str, name: str) -> None:
        if self.events is not None:
            self.events.emit("volume", status, name=name)

    # create / remove ---------------------------------------------------------------------
    def create(
        self,
        name: str = "",
        *,
        driver: str = "local",
        options: dict[str, str] | None = None,
        labels: dict[str, str] | None = None,
        anonymous: bool = False,
    ) -> VolumeConfig:
        """A new volume (a random 64-hex name when name is ""). Conflict when it exists."""
        if driver not in ("local", ""):
            raise InvalidArgument(f"volume driver {driver!r} is not supported: only local")
        if not name:
            name = os.urandom(32).hex()  # as secrets.token_hex, without hashlib
        elif not NAME_RE.match(name):
            raise InvalidArgument(
                f"volume name {name!r} must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
            )
        opts, uid, gid = parse_options(options or {})
        volume = VolumeConfig(
            name=name,
            driver="local",
            created=time.time(),
            labels=dict(labels or {}),
            options=opts,
            anonymous=anonymous,
            uid=uid,
            gid=gid,
        )
        # The record first: a concurrent create of the same name loses here, before it could
        # touch the winner's directory.
        self.store.create_volume(volume)
        try:
            os.makedirs(self.root, mode=0o700, exist_ok=True)
            os.mkdir(self.path(name), 0o700)
            os.mkdir(self.data_path(name), 0o755)
            os.chmod(self.data_path(name), 0o755)  # whatever the umask
            if uid >= 0 or gid >= 0:
                os.chown(self.data_path(name), uid, gid)
        except OSError as exc:
            self.store.remove_volume(name)
            shutil.rmtree(self.path(name), ignore_errors=True)
            raise StorageError(f"creating volume directory for {name}: {exc}") from exc
        self._emit("create", name)
        return volume

    def remove(self, name: str) -> None:
        """Delete the record and the directory. The caller has checked that no container
        uses the volume (or removed those containers)."""
        with self.store.volume_locked(name):
            state = self.store.volume_state(name)
            if state.get("mounted"):
                self._umount(name)
            self.store.remove_volume(name)
        try:
            shutil.rmtree(self.path(name))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StorageError(f"removing volume {name} directory: {exc}") from exc
        self._emit("remove", name)

    # mounting ------------------------------------------------------------------------------
    @staticmethod
    def needs_mount(volume: VolumeConfig) -> bool:
        return bool(volume.options.get("type"))

    def mount(self, name: str) -> str:
        """Take a reference; mount the filesystem on the first one. Returns the host path
        containers bind-mount (the _data directory)."""
        volume = self.store.volume(name)
        with self.store.volume_locked(volume.name):
            state = self.store.volume_state(volume.name)
            count = int(state.get("mount_count", 0))
            if self.needs_mount(volume) and not state.get("mounted"):
                self._mount(volume)
                state["mounted"] = True
            state["mount_count"] = count + 1
            self.store.set_volume_state(volume.name, state)
        return self.data_path(volume.name)

    def unmount(self, name: str) -> None:
        """Drop a reference; unmount after the last one."""
        volume = self.store.volume(name)
        with self.store.volume_locked(volume.name):
            state = self.store.volume_state(volume.name)
            count = max(int(state.get("mount_count", 0)) - 1, 0)
            if count == 0 and state.get("mounted"):
                self._umount(volume.name)
                state["mounted"] = False
            state["mount_count"] = count
            self.store.set_volume_state(volume.name, state)

    def _mount(self, volume: VolumeConfig) -> None:
        from pypod.host import processes

        opts = volume.options
        argv = ["mount", "-t", opts["type"]]
        if opts.get("o"):
            argv += ["-o", opts["o"]]
        argv += [opts.get("device") or opts["type"], self.data_path(volume.name)]
        processes.run(argv, timeout=60)

    def _umount(self, name: str) -> None:
        from pypod.host.mounts import umount

        try:
            umount(self.data_path(name))
        except OSError as exc:
            if exc.errno not in (22, 2):  # EINVAL: not mounted; ENOENT: gone
                raise StorageError(f"unmounting volume {name}: {exc}") from exc

    # first use -------------------------------------------------------------------------------
    def state(self, name: str) -> dict[str, Any]:
        return self.store.volume_state(name)

    def populate_from(self, name: str, source: str) -> bool:
        """Copy-up: fill an empty volume from `source` (the image's directory at the mount
        point, a host path inside the container's rootfs), once. True when it copied."""
        volume = self.store.volume(name)
        if volume.options.get("nocopy") is not None and "copy" not in volume.options:
            return False
        with self.store.volume_locked(volume.name):
            state = self.store.volume_state(volume.name)
            if state.get("copied_up"):
                return False
            data = self.data_path(volume.name)
            # as Podman: only a non-empty directory at the mount point uses up the copy-up
            if not os.path.isdir(source) or os.path.islink(source) or not os.listdir(source):
                return False
            copied = False
            if not os.listdir(data):
                copy_tree(source, data)
                st = os.stat(source)
                os.chmod(data, stat.S_IMODE(st.st_mode))
                os.chown(data, st.st_uid, st.st_gid)
                copied = True
            state["copied_up"] = True
            self.store.set_volume_state(volume.name, state)
        return copied

    def chown_for(
        self, name: str, uid: int, gid: int, *, recursive: bool = False, like: str = ""
    ) -> None:
        """Hand the volume to the container's user (ids as this process sees them): on first
        use only the top directory, and, as Podman 4.3, with the owner and mode of `like` (the
        mount point in the container's rootfs) when that exists; nothing for a volume created
        with -o uid/gid. Recursively, every time, for the U option."""
        volume = self.store.volume(name)
        with self.store.volume_locked(volume.name):
            state = self.store.volume_state(volume.name)
            if not recursive and (state.get("chowned") or volume.uid >= 0 or volume.gid >= 0):
                return
            data = self.data_path(volume.name)
            if recursive:
                chown_tree(data, uid, gid)
            else:
                os.lchown(data, uid, gid)
                try:
                    st = os.lstat(like) if like else None
                except FileNotFoundError:
                    st = None
                if st is not None:
                    os.lchown(data, st.st_uid, st.st_gid)
                    os.chmod(data, stat.S_IMODE(st.st_mode))
            state["chowned"] = True
            self.store.set_volume_state(volume.name, state)

    # export / import ------------------------------------------------------------------------
    def export(self, name: str, out: BinaryIO) -> None:
        """A tar stream of the volume's content (entries relative to _data)."""
        import tarfile

        data = self.data_path(self.store.volume(name).name)
        with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for entry in sorted(os.listdir(data)):
                tar.add(os.path.join(data, entry), arcname=entry)

    def import_(self, name: str, source: BinaryIO) -> None:
        """Extract a (possibly compressed) tar stream into the volume, safely: no entry may
        land outside _data."""
        from pypod.image.compression import decompressed
        from pypod.storage.extract import ExtractOptions, extract

        volume = self.store.volume(name)
        with self.store.volume_locked(volume.name):
            extract(
                decompressed(source),
                self.data_path(volume.name),
                ExtractOptions(whiteout_format="vfs", ignore_chown_errors=True),
            )


def chown_tree(top: str, uid: int, gid: int) -> None:
    """top and everything below it owned by uid:gid (symlinks themselves, not their targets);
    nothing when top already is, as Podman's U does on a container's later starts (a large
    tree is not walked on every start)."""
    st = os.lstat(top)
    if (st.st_uid, st.st_gid) == (uid, gid):
        return
    for base, dirs, files in os.walk(top):
        for n in dirs + files:
            os.lchown(os.path.join(base, n), uid, gid)
    os.lchown(top, uid, gid)


def copy_tree(src: str, dst: str) -> None:
    """Copy src's content into the existing directory dst, keeping modes, owners, times and
    symlinks as they are (the copy-up of image content into a new volume)."""
    for entry in os.scandir(src):
        s, d = entry.path, os.path.join(dst, entry.name)
        st = entry.stat(follow_symlinks=False)
        if stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(s), d)
        elif stat.S_ISDIR(st.st_mode):
            os.mkdir(d)
            copy_tree(s, d)
        elif stat.S_ISREG(st.st_mode):
            shutil.copyfile(s, d, follow_symlinks=False)
        else:  # fifo, socket, device: recreate the node
            os.mknod(d, st.st_mode, st.st_rdev)
        os.lchown(d, st.st_uid, st.st_gid)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(d, stat.S_IMODE(st.st_mode))
        os.utime(d, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
