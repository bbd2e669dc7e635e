"""Which overlay this host can do, and why: probed once per graph root, then cached.

The order is containers/storage's: kernel overlayfs ("native"; rootless it needs the
`userxattr` option, Linux >= 5.11), else fuse-overlayfs (the mount program; /dev/fuse must be
usable), else nothing (the caller falls back to vfs). A probe is a real mount of two lower
layers, an upper and a work directory in a scratch directory of the graph root, because only
the mount itself tells whether the backing filesystem, the kernel and the user namespace all
agree. The verdict and its reason go to graph_root/overlay/.support (JSON) so later commands
pay nothing and `pypod info` can say why a driver was chosen.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sys

from pypod.errors import PypodError
from pypod.host import processes
from pypod.log import get_logger
from pypod.records import record
from pypod.storage.drivers import mount as m

log = get_logger(__name__)

NATIVE = "native"
FUSE = "fuse"
CACHE_NAME = ".support"
FUSE_PROGRAM = "fuse-overlayfs"

# statfs(2) f_type -> the names containers/storage prints as "Backing Filesystem"
_FS_MAGIC = {
    0xEF53: "extfs",
    0x58465342: "xfs",
    0x9123683E: "btrfs",
    0x01021994: "tmpfs",
    0x794C7630: "overlayfs",
    0x2FC12FC1: "zfs",
    0x6969: "nfs",
    0x65735546: "fuse",
    0xF2F52010: "f2fs",
    0x73717368: "squashfs",
    0x858458F6: "ramfs",
    0x52654973: "reiserfs",
    0x5346544E: "ntfs",
}
# filesystems whose readdir always fills d_type (xfs only when formatted with ftype=1, the
# default since xfsprogs 3.2.3, so it is assumed)
_D_TYPE_FS = {"extfs", "xfs", "btrfs", "tmpfs", "overlayfs", "zfs", "f2fs", "ramfs", "fuse"}


@record
class OverlaySupport:
    mode: str  # NATIVE, FUSE or "" (no overlay here)
    reason: str  # one line for `pypod info` and error messages


def detect(
    graph_root: str, rootless: bool, mount_program: str = "", *, fresh: bool = False
) -> OverlaySupport:
    """What overlay works in graph_root. A configured mount_program wins without a probe;
    otherwise the cached verdict is used unless fresh asks to probe again."""
    home = os.path.join(graph_root, "overlay")
    os.makedirs(home, mode=0o700, exist_ok=True)
    if mount_program:
        return OverlaySupport(mode=FUSE, reason=f"overlay.mount_program={mount_program} is set")
    cache_file = os.path.join(home, CACHE_NAME)
    if not fresh:
        found = read_cache(cache_file)
        if found is not None:
            return found
    result = probe(home, rootless)
    tmp = f"{cache_file}.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"mode": result.mode, "reason": result.reason}, f)
    os.replace(tmp, cache_file)
    log.debug("overlay support in %s: %s (%s)", graph_root, result.mode or "none", result.reason)
    return result


def read_cache(cache_file: str) -> OverlaySupport | None:
    try:
        with open(cache_file, encoding="utf-8") as f:
            text = f.read().strip()
    except FileNotFoundError:
        return None
    if text in (NATIVE, FUSE):  # the first format: the mode alone
        return OverlaySupport(mode=text, reason="probed before")
    try:
        doc = json.loads(text)
        return OverlaySupport(mode=str(doc["mode"]), reason=str(doc["reason"]))
    except (ValueError, KeyError, TypeError):
        log.debug("ignoring unreadable %s", cache_file)
        return None


def probe(home: str, rootless: bool) -> OverlaySupport:
    """Try kernel overlayfs, then fuse-overlayfs, in a scratch directory under home."""
    native_error = _probe_native(home, rootless)
    if native_error is None:
        how = " with userxattr inside the user namespace" if rootless else ""
        return OverlaySupport(mode=NATIVE, reason=f"kernel overlayfs mounts here{how}")
    native = f"kernel overlayfs cannot mount here: {native_error}"
    fuse_error = _probe_fuse(home)
    if fuse_error is None:
        return OverlaySupport(mode=FUSE, reason=f"{native}; using {FUSE_PROGRAM}")
    return OverlaySupport(mode="", reason=f"{native}; {FUSE_PROGRAM}: {fuse_error}")


def _scratch(home: str) -> tuple[str, list[str]]:
    probe_dir = os.path.join(home, f".probe-{os.getpid()}-{os.urandom(4).hex()}")
    dirs = [os.path.join(probe_dir, d) for d in ("l1", "l2", "u", "w", "m")]
    for d in dirs:
        os.makedirs(d)
    return probe_dir, dirs


def _probe_native(home: str, rootless: bool) -> str | None:
    """None when a writable kernel overlay mounts; else why not."""
    probe_dir, (l1, l2, upper, work, merged) = _scratch(home)
    opts = f"lowerdir={l1}:{l2},upperdir={upper},workdir={work}"
    if rootless:
        opts += ",userxattr"  # trusted.* xattrs are out of reach in a user namespace
    try:
        err = m.try_mount("overlay", merged, "overlay", 0, opts)
        if err == 0:
            m.unmount(merged)
            return None
    finally:
        shutil.rmtree(probe_dir, ignore_errors=True)
    why = f"mount(2): {os.strerror(err)}"
    if rootless and err in (errno.EINVAL, errno.EPERM):
        why += " (rootless overlay needs Linux >= 5.11 and user xattrs on the backing filesystem)"
    return why


def fuse_usable() -> str | None:
    """None when /dev/fuse can be opened; else why not."""
    try:
        fd = os.open("/dev/fuse", os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        return f"/dev/fuse: {exc.strerror}"
    os.close(fd)
    return None


def _probe_fuse(home: str) -> str | None:
    """None when fuse-overlayfs mounts a writable overlay; else why not."""
    program = processes.find_binary(FUSE_PROGRAM)
    if program is None:
        return f"not installed (Debian package {processes.PACKAGES[FUSE_PROGRAM]})"
    problem = fuse_usable()
    if problem:
        return problem
    probe_dir, (l1, l2, upper, work, merged) = _scratch(home)
    try:
        opts = f"lowerdir={l1}:{l2},upperdir={upper},workdir={work}"
        processes.run([program, "-o", opts, merged], timeout=30)
        unmount_fuse(merged)
    except PypodError as exc:
        return exc.message
    finally:
        shutil.rmtree(probe_dir, ignore_errors=True)
    return None


def unmount_fuse(target: str) -> None:
    """Unmount a fuse-overlayfs mount: umount2 when we may (root, or root in our user
    namespace), else fusermount3, which the unprivileged outside world has to use."""
    try:
        m.unmount(target)
    except PypodError:
        if not processes.find_binary("fusermount3"):
            m.unmount(target, detach=True)
            return
        processes.run(["fusermount3", "-u", target])


# --- `pypod info` ----------------------------------------------------------------------------


def backing_filesystem(path: str) -> str:
    """The filesystem under path as containers/storage names it ("extfs", "xfs", ...)."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    buf = ctypes.create_string_buffer(256)  # struct statfs is 120 bytes on 64-bit Linux
    if libc.statfs(os.fsencode(path), buf) != 0:
        return "<unknown>"
    # f_type is the first member: a long, except on s390x where it is a 32-bit unsigned int
    width = 4 if sys.platform == "linux" and os.uname().machine == "s390x" else 8
    width = min(width, ctypes.sizeof(ctypes.c_long))
    magic = int.from_bytes(buf.raw[:width], sys.byteorder, signed=False)
    return _FS_MAGIC.get(magic, f"<unknown: {magic:#x}>")


def supports_d_type(fs_name: str) -> bool:
    return fs_name in _D_TYPE_FS


def kernel_metacopy() -> bool:
    """Whether the overlay module turns metacopy on by default (root mounts only use it)."""
    try:
        with open("/sys/module/overlay/parameters/metacopy", encoding="ascii") as f:
            return f.read().strip() == "Y"
    except OSError:
        return False


def program_info(path: str) -> dict[str, str]:
    """graphOptions' overlay.mount_program entry, as Podman shows it."""
    version = ""
    with contextlib.suppress(PypodError):
        proc = processes.run([path, "--version"], timeout=10, check=False)
        text = (proc.stdout + proc.stderr).decode(errors="replace")
        # fuse-overlayfs complains about mount options it gets from libfuse's defaults
        lines = [ln for ln in text.splitlines() if not ln.startswith("unknown argument")]
        version = "\n".join(lines).strip()
    package = "Unknown"
    with contextlib.suppress(PypodError):
        owner = processes.output(["dpkg-query", "-S", path], timeout=10).split(":", 1)[0]
        package = processes.output(
            ["dpkg-query", "-W", "-f", "${Package}_${Version}_${Architecture}", owner],
            timeout=10,
        ).strip()
    return {"Executable": path, "Package": package, "Version": version}
