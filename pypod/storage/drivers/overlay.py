"""The overlay driver: one `diff` directory per layer, stacked by an overlay mount.

Layout under graph_root/overlay:
    <id>/diff      the layer's own files (whiteouts as 0/0 char devices, opaque xattrs)
    <id>/link      the layer's short name
    <id>/merged    mount point of the layer's chain
    l/<short>      symlink -> ../<id>/diff, so a lowerdir option of many layers stays short
    empty/         the bottom lower of a single-layer read-only mount (overlay needs two)
    .support       the cached probe verdict and its reason (see support.py)

Modes: "native" mounts kernel overlayfs with mount(2) (adding `userxattr` rootless, where the
opaque marks are user.overlay.opaque); "fuse" runs the mount program (fuse-overlayfs), which
reads the same layout, char-device whiteouts and either opaque xattr.
"""

from __future__ import annotations

import errno
import os
import shutil
import string
from collections.abc import Sequence

from pypod.errors import InvalidArgument, MissingComponent, StorageError
from pypod.host import processes
from pypod.log import get_logger
from pypod.storage.drivers import mount as m
from pypod.storage.drivers import support

log = get_logger(__name__)

_SHORT_CHARS = string.ascii_uppercase + string.digits
_PAGE = 4096


def _short_name() -> str:
    # os.urandom rather than secrets: no hmac/hashlib import on the container paths; 252 is
    # the largest multiple of 36 below 256, so rejecting the rest keeps the choice uniform
    out: list[str] = []
    while len(out) < 26:
        out += [_SHORT_CHARS[b % 36] for b in os.urandom(32) if b < 252]
    return "".join(out[:26])


def resolve_mount_program(value: str) -> str:
    """The absolute path of a configured overlay.mount_program; raises when unusable."""
    path = value if "/" in value else (processes.find_binary(value) or "")
    if path and os.access(path, os.X_OK):
        return path
    if os.path.basename(value) == support.FUSE_PROGRAM:
        raise MissingComponent(support.FUSE_PROGRAM, processes.PACKAGES[support.FUSE_PROGRAM])
    raise InvalidArgument(f"overlay.mount_program: cannot execute {value!r}")


class OverlayDriver:
    name = "overlay"
    whiteout_format = "overlay"
    supports_parallel_apply = True

    def __init__(
        self,
        graph_root: str,
        run_root: str,
        *,
        rootless: bool,
        mode: str,
        options: dict[str, str],
        reason: str = "",
    ) -> None:
        self.home = os.path.join(graph_root, "overlay")
        self.rootless = rootless
        self.mode = mode
        self.reason = reason
        program = options.get("mount_program") or support.FUSE_PROGRAM
        self.mount_program = resolve_mount_program(program) if mode == support.FUSE else ""
        self.mount_options = options.get("mountopt", "")
        # rootless overlay mounts use userxattr, so opaque dirs carry the user.* attribute
        self.opaque_xattr = "user.overlay.opaque" if rootless else "trusted.overlay.opaque"
        self.counts = m.MountCounts(os.path.join(run_root, "overlay-mounts"))
        for sub in ("l", "empty"):
            os.makedirs(os.path.join(self.home, sub), mode=0o700, exist_ok=True)

    def _dir(self, layer_id: str) -> str:
        return os.path.join(self.home, layer_id)

    def create(self, layer_id: str, parent: str | None, staging: str) -> str:
        layer = os.path.join(staging, "layer")
        diff = os.path.join(layer, "diff")
        os.makedirs(diff, mode=0o755)
        os.chmod(diff, 0o755)
        return diff

    def commit(self, layer_id: str, staging: str) -> None:
        layer = os.path.join(staging, "layer")
        short = _short_name()
        with open(os.path.join(layer, "link"), "w") as f:
            f.write(short)
        try:
            os.rename(layer, self._dir(layer_id))
        except OSError as exc:
            raise StorageError(f"cannot move layer {layer_id} into place: {exc}") from exc
        os.symlink(f"../{layer_id}/diff", os.path.join(self.home, "l", short))

    def remove(self, layer_id: str) -> None:
        path = self._dir(layer_id)
        merged = os.path.join(path, "merged")
        if m.is_mounted(merged):
            m.unmount(merged, detach=True)
        try:
            with open(os.path.join(path, "link")) as f:
                os.unlink(os.path.join(self.home, "l", f.read().strip()))
        except (FileNotFoundError, ValueError):
            pass
        shutil.rmtree(path, ignore_errors=True)

    def exists(self, layer_id: str) -> bool:
        return os.path.isdir(os.path.join(self._dir(layer_id), "diff"))

    def layer_path(self, layer_id: str) -> str:
        return os.path.join(self._dir(layer_id), "diff")

    def layer_ids(self) -> list[str]:
        return [n for n in os.listdir(self.home) if len(n) == 64]

    def cleanup(self) -> None:
        links = os.path.join(self.home, "l")
        for name in os.listdir(links):
            path = os.path.join(links, name)
            if not os.path.exists(path):  # dangling: its layer is gone
                os.unlink(path)
        for name in os.listdir(self.home):
            # ".probe-PID-HEX": only a dead prober's scratch dir; a live one is still mounting
            if name.startswith(".probe-") and not _prober_alive(name):
                shutil.rmtree(os.path.join(self.home, name), ignore_errors=True)

    def _link(self, layer_id: str) -> str:
        try:
            with open(os.path.join(self._dir(layer_id), "link")) as f:
                return f.read().strip()
        except FileNotFoundError as exc:
            raise StorageError(f"layer {layer_id} has no files in the overlay driver") from exc

    def _mount(self, chain: Sequence[str], target: str, label: str) -> None:
        rel = [f"l/{self._link(layer)}" for layer in chain]
        if len(rel) == 1:
            rel.append("empty")
        extra = ",userxattr" if self.rootless and self.mode == support.NATIVE else ""
        self._overlay(rel, extra, label, target, m.MS_RDONLY)

    def _overlay(self, rel: list[str], extra: str, label: str, target: str, flags: int) -> None:
        """Mount lower dirs rel (relative to the overlay home) plus options extra at target:
        through fuse-overlayfs, the kernel, or, when the options do not fit in a page,
        mount(8) with relative paths resolved from the home (it needs a chdir, so in its own
        process)."""
        if self.mount_options:
            extra += "," + self.mount_options
        if label:
            extra += f',context="{label}"'
        absolute = "lowerdir=" + ":".join(f"{self.home}/{r}" for r in rel) + extra
        if self.mode == support.FUSE:
            _clear_dead_fuse(target)
            processes.run([self.mount_program, "-o", absolute, target])
        elif len(absolute) < _PAGE:
            m.mount("overlay", target, "overlay", flags, absolute)
        else:
            opts = "lowerdir=" + ":".join(rel) + extra
            processes.run(["mount", "-t", "overlay", "overlay", "-o", opts, target], cwd=self.home)

    def _unmount(self, target: str) -> None:
        if self.mode == support.FUSE:
            support.unmount_fuse(target)
            return
        try:
            m.unmount(target)
        except StorageError:
            m.unmount(target, detach=True)

    def get(self, layer_id: str, chain: Sequence[str], mount_label: str = "") -> str:
        target = os.path.join(self._dir(layer_id), "merged")
        os.makedirs(target, exist_ok=True)
        self.counts.acquire(layer_id, target, lambda: self._mount(chain, target, mount_label))
        return target

    def put(self, layer_id: str, force: bool = False) -> bool:
        target = os.path.join(self._dir(layer_id), "merged")
        return self.counts.release(layer_id, force, lambda: self._unmount(target))

    def mounted(self) -> dict[str, str]:
        return self.counts.all()

    # container read-write layers (pypod/storage/containers.py keeps their directories) ----
    def mount_rw(
        self,
        chain: Sequence[str],
        upper: str,
        work: str,
        target: str,
        label: str = "",
        *,
        id_maps: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> None:
        """Mount chain (top first; empty for an image without layers) read-only under the
        writable upper/work directories at target. id_maps (uid and gid "container:host:size"
        maps of a container in a user namespace of its own): mount through fuse-overlayfs
        with uidmapping/gidmapping, which shows each file's owner shifted by the maps (and
        shifts back what the container writes), so the layers stay unshifted on disk."""
        if id_maps is not None:
            self._mount_mapped(chain, upper, work, target, label, id_maps)
            return
        rel = [f"l/{self._link(layer)}" for layer in chain] or ["empty"]
        extra = f",upperdir={upper},workdir={work}"
        if self.rootless and self.mode == support.NATIVE:
            extra += ",userxattr"
        elif self.mode == support.NATIVE:
            extra += _plain_upper_options()
        self._overlay(rel, extra, label, target, 0)

    def _mount_mapped(
        self, chain: Sequence[str], upper: str, work: str, target: str, label: str,
        id_maps: tuple[Sequence[str], Sequence[str]],
    ) -> None:  # fmt: skip
        program = self.mount_program or resolve_mount_program(support.FUSE_PROGRAM)
        lowers = [f"{self.home}/l/{self._link(layer)}" for layer in chain]
        lowers = lowers or [f"{self.home}/empty"]
        uids, gids = (":".join(m) for m in id_maps)
        opts = (f"lowerdir={':'.join(lowers)},upperdir={upper},workdir={work}"
                f",uidmapping={uids},gidmapping={gids}")  # fmt: skip
        if self.mount_options:
            opts += "," + self.mount_options
        if label:
            opts += f',context="{label}"'
        _clear_dead_fuse(target)
        processes.run([program, "-o", opts, target])

    def unmount_rw(self, target: str, *, fuse: bool = False) -> None:
        """fuse: the mount is an id-mapped one (fuse-overlayfs whatever the driver's mode)."""
        if fuse:
            support.unmount_fuse(target)
            return
        self._unmount(target)

    # `pypod info` -----------------------------------------------------------------------------
    def status(self) -> dict[str, str]:
        """graphStatus: Podman's four keys, then pypod's own: the mode and why."""
        fs = support.backing_filesystem(self.home)
        native = self.mode == support.NATIVE
        # rootless mounts cannot use metacopy: it needs trusted.* xattrs
        metacopy = native and not self.rootless and support.kernel_metacopy()
        status = {
            "Backing Filesystem": fs,
            "Native Overlay Diff": _bool(native and not metacopy),
            "Supports d_type": _bool(support.supports_d_type(fs)),
            "Using metacopy": _bool(metacopy),
            "Overlay Mode": "fuse-overlayfs" if self.mode == support.FUSE else "native",
            "Driver Reason": self.reason,
        }
        return dict(sorted(status.items()))  # Go prints a map's keys in order

    def info_options(self) -> dict[str, object]:
        """graphOptions: the mount program, when one is in use."""
        if not self.mount_program:
            return {}
        return {"overlay.mount_program": support.program_info(self.mount_program)}


def _plain_upper_options() -> str:
    """Keep the upper directory a plain layer diff: a kernel that defaults to metacopy or
    redirect_dir would leave data-less copies or renamed-directory pointers in it, which a
    commit cannot turn into a tar."""
    extra = ""
    for param in ("metacopy", "redirect_dir"):
        try:
            with open(f"/sys/module/overlay/parameters/{param}") as f:
                if f.read().strip() in ("Y", "on", "follow"):
                    extra += f",{param}=off"
        except OSError:
            continue
    return extra


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _clear_dead_fuse(target: str) -> None:
    """A fuse-overlayfs that died leaves its mount point answering ENOTCONN: detach it so the
    new mount can take its place."""
    try:
        os.stat(target)
    except OSError as exc:
        if exc.errno != errno.ENOTCONN:
            raise
        log.debug("%s: dead fuse mount, detaching", target)
        m.unmount(target, detach=True)


def _prober_alive(name: str) -> bool:
    from pypod.storage.staging import pid_alive

    try:
        return pid_alive(int(name.split("-")[1]))
    except (IndexError, ValueError):
        return False
