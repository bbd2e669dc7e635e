"""Secure extraction of a layer tar stream into a directory.

Every name is normalised and resolved inside the root: '..' that climbs above it, a parent
that is a symlink pointing outside, or a hard link to outside raises UnsafeArchive before
anything is written outside. Parent components are resolved by hand (lstat, readlink) with
a cache of directories already known to be real, so the common case costs no extra syscalls.
The root is a private staging directory nobody else writes to, which is what makes the
path-based checks race-free.

Whiteouts: with whiteout_format "overlay" `.wh.NAME` becomes a 0/0 character device and
`.wh..wh..opq` an opaque xattr on the directory (trusted.* as root, user.* rootless, where the
overlay mount uses userxattr); with "vfs" they delete from the copied parent tree instead.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat

from pypod.errors import StorageError, UnsafeArchive
from pypod.log import get_logger
from pypod.records import record
from pypod.storage import tarstream as ts
from pypod.storage.tarsplit import SplitWriter

log = get_logger(__name__)

WHITEOUT_PREFIX = ".wh."
WHITEOUT_META = ".wh..wh."
WHITEOUT_OPAQUE = ".wh..wh..opq"
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_CREATED_MODE_BITS = 0o777  # what os.open's mode can give; setuid/setgid/sticky need chmod


def _read_umask() -> int:
    """The process umask, read without changing it (os.umask would race with other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o777  # unknown: always chmod


_MAX_SYMLINKS = 40


@record
class ExtractOptions:
    whiteout_format: str = "overlay"  # "overlay" | "vfs"
    opaque_xattr: str = "trusted.overlay.opaque"
    ignore_chown_errors: bool = False


@record
class ExtractResult:
    digest: str  # "sha256:..." of the whole stream
    size: int
    entries: int


def normalise(name: str) -> list[str]:
    """Components of a member name relative to the root. Leading '/' is dropped (names are
    always relative to the layer); '..' may not climb above the root."""
    out: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not out:
                raise UnsafeArchive(f"{name!r} escapes the layer root")
            out.pop()
        else:
            out.append(part)
    return out


class Extractor:
    def __init__(self, root: str, options: ExtractOptions, split: SplitWriter | None) -> None:
        self.root = root
        self.opts = options
        self.split = split
        self._dirs: dict[str, str] = {"": ""}  # as-named dir path -> real path inside root
        self._dir_times: list[tuple[str, int, int]] = []
        self._unpacked: set[str] = set()  # real paths this layer wrote (vfs opaque dirs)
        self._can_mknod = True
        self._euid = os.geteuid()
        self._egid = os.getegid()
        self._umask = _read_umask()  # per extraction: pypod never changes it, a caller might
        self._sgid_dirs: set[str] = set()  # dirs of this layer whose new files take their gid

    # path resolution ------------------------------------------------------------------------
    def _abs(self, rel: str) -> str:
        return self.root + "/" + rel if rel else self.root

    def resolve_dir(self, comps: list[str], create: bool = True, depth: int = 0) -> str:
        """The real path (relative to root) of the directory named by comps."""
        key = "/".join(comps)
        hit = self._dirs.get(key)
        if hit is not None:
            return hit
        parent = self.resolve_dir(comps[:-1], create, depth)
        real = f"{parent}/{comps[-1]}" if parent else comps[-1]
        full = self._abs(real)
        try:
            st = os.lstat(full)
        except FileNotFoundError:
            if not create:
                raise UnsafeArchive(f"{key}: no such directory in the layer") from None
            os.mkdir(full, 0o755)
            self._unpacked.add(real)
            self._dirs[key] = real
            return real
        if stat.S_ISLNK(st.st_mode):
            if depth > _MAX_SYMLINKS:
                raise UnsafeArchive(f"{key}: too many levels of symbolic links")
            target = os.readlink(full)
            base = [] if target.startswith("/") else (parent.split("/") if parent else [])
            joined = "/".join([*base, target])
            try:
                resolved = normalise(joined)
            except UnsafeArchive:
                msg = f"{key}: symlink to {target!r} points outside the layer"
                raise UnsafeArchive(msg) from None
            real = self.resolve_dir(resolved, create, depth + 1)
        elif not stat.S_ISDIR(st.st_mode):
            raise UnsafeArchive(f"{key}: a parent path is not a directory")
        self._dirs[key] = real
        return real

    def _clear(self, rel: str, path: str, keep_dir: bool) -> bool:
        """Make room for a new entry at path. Returns True when an existing directory stays."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return False
        if stat.S_ISDIR(st.st_mode):
            if keep_dir:
                return True
            if self.split is not None:
                self.split.preserve_tree(rel, path)
            shutil.rmtree(path)
            self._dirs = {"": ""}
            return False
        if self.split is not None and stat.S_ISREG(st.st_mode):
            self.split.preserve(rel, path)
        os.unlink(path)
        if stat.S_ISLNK(st.st_mode):
            self._dirs = {"": ""}
        return False

    # entries --------------------------------------------------------------------------------
    def extract(self, reader: ts.TarReader) -> ExtractResult:
        count = 0
        for entry in reader:
            count += 1
            self._entry(reader, entry)
        for path, atime, mtime in reversed(self._dir_times):
            os.utime(path, ns=(atime, mtime), follow_symlinks=False)
        return ExtractResult(digest=reader.digest, size=reader.size, entries=count)

    def _entry(self, reader: ts.TarReader, entry: ts.TarEntry) -> None:
        comps = normalise(entry.name)
        if not comps:  # the root itself ("./")
            if entry.type == ts.DIRECTORY:
                self._meta_path(self.root, entry)
                self._dir_times.append((self.root, *self._times(entry)))
            return
        base = comps[-1]
        if base.startswith(WHITEOUT_PREFIX):
            self._whiteout(comps[:-1], base, entry)
            return
        parent = self.resolve_dir(comps[:-1])
        rel = f"{parent}/{base}" if parent else base
        path = self._abs(rel)
        if self.opts.whiteout_format == "vfs":
            self._unpacked.add(rel)
        kind = entry.type
        if kind == ts.REGULAR:
            self._regular(reader, entry, rel, path)
        elif kind == ts.DIRECTORY:
            self._directory(entry, comps, rel, path)
        elif kind == ts.SYMLINK:
            self._retry(lambda: os.symlink(entry.linkname, path), rel, path)
            self._meta_path(path, entry, symlink=True)
        elif kind == ts.HARDLINK:
            self._hardlink(entry, rel, path)
        elif kind in (ts.CHARDEV, ts.BLOCKDEV, ts.FIFO):
            self._special(entry, rel, path)
        else:
            log.warning("%s: skipping unsupported tar entry type %r", entry.name, kind)

    def _retry(self, create: object, rel: str, path: str) -> None:
        try:
            create()  # type: ignore[operator]
        except FileExistsError:
            self._clear(rel, path, keep_dir=False)
            create()  # type: ignore[operator]

    def _regular(self, reader: ts.TarReader, entry: ts.TarEntry, rel: str, path: str) -> None:
        try:
            fd = os.open(path, _CREATE, entry.mode & _CREATED_MODE_BITS)
        except FileExistsError:
            self._clear(rel, path, keep_dir=False)
            fd = os.open(path, _CREATE, entry.mode & _CREATED_MODE_BITS)
        try:
            if entry.size:
                reader.copy_payload(fd, rel)
            chowned = self._chown(fd, entry, rel)
            if chowned or entry.mode & ~_CREATED_MODE_BITS or entry.mode & self._umask:
                # the mode os.open gave is not the entry's (or chown cleared setuid/setgid)
                os.chmod(fd, entry.mode)
            for key, value in entry.xattrs.items():
                self._setxattr(fd, key, value, entry.name)
            os.utime(fd, ns=self._times(entry))
        finally:
            os.close(fd)

    def _directory(self, entry: ts.TarEntry, comps: list[str], rel: str, path: str) -> None:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            if not self._clear(rel, path, keep_dir=True):
                os.mkdir(path, 0o700)
        self._dirs["/".join(comps)] = rel
        if entry.mode & stat.S_ISGID:
            self._sgid_dirs.add(rel)
        self._meta_path(path, entry)
        self._dir_times.append((path, *self._times(entry)))

    def _hardlink(self, entry: ts.TarEntry, rel: str, path: str) -> None:
        target = normalise(entry.linkname)
        if not target:
            raise UnsafeArchive(f"{entry.name}: hard link to the layer root")
        try:
            tparent = self.resolve_dir(target[:-1], create=False)
        except UnsafeArchive as exc:
            msg = f"{entry.name}: hard link target {entry.linkname!r}: {exc}"
            raise UnsafeArchive(msg) from None
        source = self._abs(f"{tparent}/{target[-1]}" if tparent else target[-1])
        if source == path:
            return
        if not os.path.lexists(source):
            raise UnsafeArchive(f"{entry.name}: hard link target {entry.linkname!r} not in layer")
        self._retry(lambda: os.link(source, path, follow_symlinks=False), rel, path)

    def _special(self, entry: ts.TarEntry, rel: str, path: str) -> None:
        if entry.type == ts.FIFO:
            mode = stat.S_IFIFO
        else:
            mode = stat.S_IFCHR if entry.type == ts.CHARDEV else stat.S_IFBLK
        device = os.makedev(entry.devmajor, entry.devminor)
        try:
            self._retry(lambda: os.mknod(path, mode | 0o600, device), rel, path)
        except PermissionError:
            # A user namespace (rootless) may not create devices: skip them, as
            # containers/storage does; a container gets its /dev from the runtime anyway.
            log.debug("%s: skipped: device nodes cannot be created in a user namespace", entry.name)
            return
        self._meta_path(path, entry)

    def _whiteout(self, parent_comps: list[str], base: str, entry: ts.TarEntry) -> None:
        parent = self.resolve_dir(parent_comps)
        pdir = self._abs(parent)
        vfs = self.opts.whiteout_format == "vfs"
        if base == WHITEOUT_OPAQUE:
            if vfs:
                for name in os.listdir(pdir):
                    rel = f"{parent}/{name}" if parent else name
                    if rel not in self._unpacked:
                        self._clear(rel, f"{pdir}/{name}", keep_dir=False)
            else:
                os.setxattr(pdir, self.opts.opaque_xattr, b"y", follow_symlinks=False)
            return
        if base.startswith(WHITEOUT_META):  # other AUFS metadata: not part of the tree
            return
        name = base[len(WHITEOUT_PREFIX) :]
        if name in ("", ".", ".."):
            raise UnsafeArchive(f"{entry.name}: invalid whiteout")
        rel = f"{parent}/{name}" if parent else name
        path = f"{pdir}/{name}"
        self._clear(rel, path, keep_dir=False)
        if vfs:
            return
        try:
            os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(0, 0))
        except PermissionError as exc:
            raise StorageError(f"{entry.name}: cannot create an overlay whiteout: {exc}") from exc
        self._chown_path(path, entry)

    # metadata -------------------------------------------------------------------------------
    @staticmethod
    def _times(entry: ts.TarEntry) -> tuple[int, int]:
        atime = entry.atime_ns
        if atime is None or atime < entry.mtime_ns:
            atime = entry.mtime_ns
        return atime, entry.mtime_ns

    def _chown(self, fd: int, entry: ts.TarEntry, rel: str = "") -> bool:
        """Give fd the entry's owner; False when it already had it (nothing was done)."""
        if entry.uid == self._euid and entry.gid == self._egid and self._owner_is_ours(rel):
            return False  # a new file already belongs to us: most layers are all root-owned
        try:
            os.fchown(fd, entry.uid, entry.gid)
        except OSError as exc:
            self._chown_failed(entry, exc)
        return True

    def _owner_is_ours(self, rel: str) -> bool:
        """A file created in rel's parent got our ids unless that dir is setgid. Only dirs this
        layer made are known; vfs layers start from a copy of their parent, so never skip there."""
        if self.opts.whiteout_format == "vfs":
            return False
        parent = rel.rpartition("/")[0]
        return parent not in self._sgid_dirs

    def _chown_path(self, path: str, entry: ts.TarEntry) -> None:
        try:
            os.lchown(path, entry.uid, entry.gid)
        except OSError as exc:
            self._chown_failed(entry, exc)

    def _chown_failed(self, entry: ts.TarEntry, exc: OSError) -> None:
        if self.opts.ignore_chown_errors:
            return
        raise StorageError(
            f"{entry.name}: cannot set owner {entry.uid}:{entry.gid}: {exc.strerror} "
            "(more ids than this user namespace maps? set ignore_chown_errors)"
        ) from exc

    def _setxattr(self, target: int | str, key: str, value: bytes, name: str) -> None:
        try:
            if isinstance(target, int):
                os.setxattr(target, key, value)
            else:
                os.setxattr(target, key, value, follow_symlinks=False)
        except OSError as exc:
            if exc.errno in (errno.ENOTSUP, errno.EPERM, errno.EACCES, errno.EINVAL):
                log.debug("%s: xattr %s not kept: %s", name, key, exc.strerror)
            else:
                raise StorageError(f"{name}: cannot set xattr {key}: {exc}") from exc

    def _meta_path(self, path: str, entry: ts.TarEntry, symlink: bool = False) -> None:
        self._chown_path(path, entry)
        if not symlink:
            os.chmod(path, entry.mode)  # after chown, which clears setuid/setgid
        for key, value in entry.xattrs.items():
            self._setxattr(path, key, value, entry.name)
        if symlink or entry.type != ts.DIRECTORY:
            os.utime(path, ns=self._times(entry), follow_symlinks=False)


def extract(
    stream: object, root: str, options: ExtractOptions, split: SplitWriter | None = None
) -> ExtractResult:
    """Extract the uncompressed tar `stream` into `root` (an existing private directory)."""
    reader = ts.TarReader(stream, split)  # type: ignore[arg-type]
    return Extractor(root, options, split).extract(reader)
