"""cp's moving parts: file system views, entry streams and the writer that can undo itself.

A FsView is a file system as one side of a copy sees it: the host ("/"), a running container
(seen through /proc/PID/root, or from inside a process chrooted there), or a stopped container
(its mounted rootfs plus a table of its volumes and bind mounts, since nothing is mounted
there: a container path under a mount's destination maps into the mount's source, as
Podman's resolvePath does). FsView.resolve follows symlinks as that side sees them (an absolute
target is relative to its root, ".." stops at the root), so a link to / in a container never
reaches the host.

A copy is a stream of (TarInfo, opener) entries: from a tree (tree_entries) or a tar stream
(tar_entries); consumed by a Writer (into a directory of a view) or write_tar (to a stream).
The Writer records what it creates so that a copy failing half-way can be rolled back.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tarfile
from collections.abc import Callable, Iterator
from typing import IO

from pypod.errors import InvalidArgument, PypodError
from pypod.log import get_logger

log = get_logger(__name__)

Opener = Callable[[], IO[bytes] | None]
Entry = tuple[tarfile.TarInfo, Opener]
IdPair = tuple[int, int]  # (uid, gid)
_MAX_LINKS = 255
_CHUNK = 1 << 20


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


class FsView:
    """Container paths (absolute, or relative to workdir) -> host paths of one side."""

    def __init__(
        self, root: str, *, mounts: tuple[tuple[str, str], ...] = (), workdir: str = "/"
    ) -> None:
        self.root = root
        # (destination, source) of a stopped container's volumes and binds, longest first
        self.mounts = tuple(sorted(mounts, key=lambda m: len(m[0]), reverse=True))
        self.workdir = workdir or "/"

    def host(self, cpath: str) -> str:
        """The host path of a resolved, absolute container path."""
        for dest, source in self.mounts:
            if cpath == dest or cpath.startswith(dest.rstrip("/") + "/"):
                rest = cpath[len(dest) :].strip("/")
                return os.path.join(source, rest) if rest else source
        return os.path.join(self.root, cpath.lstrip("/"))

    def resolve(self, path: str, follow_last: bool = True) -> str:
        """`path` with its symlinks followed within the view; parts that do not exist are kept
        as they are. Returns an absolute container path."""
        todo = _parts(path if path.startswith("/") else f"{self.workdir}/{path}")
        done: list[str] = []
        links = 0
        while todo:
            part = todo.pop(0)
            if part == "..":
                if done:
                    done.pop()
                continue
            candidate = self.host("/" + "/".join([*done, part]))
            try:
                st = os.lstat(candidate)
            except OSError:
                done.append(part)
                continue
            if stat.S_ISLNK(st.st_mode) and (todo or follow_last):
                links += 1
                if links > _MAX_LINKS:
                    raise PypodError(f"{path}: too many levels of symbolic links")
                target = os.readlink(candidate)
                if target.startswith("/"):
                    done = []
                todo = _parts(target) + todo
                continue
            done.append(part)
        return "/" + "/".join(done)

    def lstat(self, cpath: str) -> os.stat_result | None:
        try:
            return os.lstat(self.host(cpath))
        except OSError:
            return None


# reading --------------------------------------------------------------------------------------
def _info(path: str, name: str, st: os.stat_result) -> tarfile.TarInfo | None:
    info = tarfile.TarInfo(name)
    info.mode = stat.S_IMODE(st.st_mode)
    info.uid, info.gid = st.st_uid, st.st_gid
    info.mtime = int(st.st_mtime)
    if stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISLNK(st.st_mode):
        info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
    elif stat.S_ISREG(st.st_mode):
        info.type, info.size = tarfile.REGTYPE, st.st_size
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        info.type = tarfile.CHRTYPE if stat.S_ISCHR(st.st_mode) else tarfile.BLKTYPE
        info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
    elif stat.S_ISFIFO(st.st_mode):
        info.type = tarfile.FIFOTYPE
    else:
        return None  # sockets are not copied
    return info


def tree_entries(path: str, arcname: str, skip: frozenset[str] = frozenset()) -> Iterator[Entry]:
    """Entries of the file or tree at host `path` (not following symlinks), named under arcname
    ("." or "" = the directory's contents without the directory itself). Directories whose host
    path is in `skip` are left out below the top (a container's /dev, /proc and /sys)."""
    seen: dict[tuple[int, int], str] = {}

    def one(full: str, name: str, top: bool) -> Iterator[Entry]:
        if not top and full in skip:
            return
        st = os.lstat(full)
        info = _info(full, name, st)
        if info is None:
            return
        if info.isreg() and st.st_nlink > 1:
            key = (st.st_dev, st.st_ino)
            if key in seen:
                info.type, info.linkname, info.size = tarfile.LNKTYPE, seen[key], 0
            else:
                seen[key] = name
        if name:  # (a directory's contents come without the directory itself)
            yield info, (lambda: open(full, "rb")) if info.isreg() else (lambda: None)  # noqa: SIM115
        if info.isdir():
            for child in sorted(os.listdir(full)):
                child_name = f"{name}/{child}" if name else child
                yield from one(os.path.join(full, child), child_name, False)

    yield from one(path, "" if arcname in ("", ".") else arcname, True)


class _Member:
    """A member's data; a damaged archive becomes InvalidArgument however it is read."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f

    def read(self, size: int = -1) -> bytes:
        try:
            return self._f.read(size)
        except tarfile.TarError as exc:
            raise InvalidArgument(f"reading tar archive: {exc}") from exc

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> _Member:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _member(tar: tarfile.TarFile, info: tarfile.TarInfo) -> IO[bytes] | None:
    f = tar.extractfile(info)
    return None if f is None else _Member(f)  # type: ignore[return-value]


def tar_entries(stream: IO[bytes]) -> Iterator[Entry]:
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:
            for info in tar:
                yield info, (lambda i=info: _member(tar, i))  # type: ignore[misc]
    except tarfile.TarError as exc:
        raise InvalidArgument(f"reading tar archive: {exc}") from exc


def write_tar(entries: Iterator[Entry], out: IO[bytes]) -> None:
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for info, opener in entries:
            f = opener()
            try:
                tar.addfile(info, f)
            finally:
                if f is not None:
                    f.close()


def owned(entries: Iterator[Entry], uid: int, gid: int) -> Iterator[Entry]:
    for info, opener in entries:
        info.uid, info.gid = uid, gid
        yield info, opener


def mapped(entries: Iterator[Entry], ids: Callable[[int, int], IdPair]) -> Iterator[Entry]:
    for info, opener in entries:
        info.uid, info.gid = ids(info.uid, info.gid)
        yield info, opener


# writing --------------------------------------------------------------------------------------
def _clean_name(name: str) -> str | None:
    parts = _parts(name)
    if ".." in parts:
        log.warning("skipping archive entry %r: it leaves the destination", name)
        return None
    return "/".join(parts)


class Writer:
    """Writes entries into the directory `dest` (a resolved container path) of `view`.

    Everything it creates is recorded; rollback() removes it again (newest first), so a copy
    that fails half-way leaves only what it replaced behind. A file that replaces an existing
    one is written next to it and renamed over it, so the old content stays whole until then.
    """

    def __init__(
        self,
        view: FsView,
        dest: str,
        *,
        owner: tuple[int, int] | None = None,
        overwrite: bool = False,
        host_ids: Callable[[int, int], IdPair] | None = None,
    ) -> None:
        self.view, self.dest = view, dest
        self.owner = owner  # (uid, gid) for every entry, else the entries' own
        self.overwrite = overwrite
        self.host_ids = host_ids  # the destination's ids -> ours (a container's --userns maps)
        self.dirs: list[tuple[str, tarfile.TarInfo]] = []
        self.created: list[str] = []

    def _target(self, name: str) -> str:
        parent, _, base = name.rpartition("/")
        where = self.view.host(self.view.resolve(f"{self.dest}/{parent}"))
        return os.path.join(where, base) if base else where

    def _make_room(self, target: str, is_dir: bool) -> os.stat_result | None:
        """The stat of an existing target to keep (a directory, or a file to replace)."""
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            return None
        if stat.S_ISDIR(st.st_mode):
            if is_dir:
                return st
            if not self.overwrite:
                raise PypodError(
                    f"cannot overwrite directory {target!r} with non-directory: use --overwrite"
                )
            shutil.rmtree(target)
            return None
        if is_dir and not self.overwrite:
            raise PypodError(f"cannot overwrite non-directory {target!r} with directory")
        if is_dir or not stat.S_ISREG(st.st_mode):
            os.unlink(target)
            return None
        return st

    def write(self, entries: Iterator[Entry]) -> None:
        for info, opener in entries:
            name = _clean_name(info.name)
            if name is None:
                continue
            self._one(info, name, opener)
        for path, info in reversed(self.dirs):
            self._attrs(path, info)

    def rollback(self) -> None:
        for path in reversed(self.created):
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
            except OSError as exc:
                log.debug("rollback: %s: %s", path, exc)
        self.created.clear()

    def _one(self, info: tarfile.TarInfo, name: str, opener: Opener) -> None:
        target = self._target(name)
        parent = os.path.dirname(target)
        if not os.path.isdir(parent):
            self._makedirs(parent)
        if info.isdir():
            if self._make_room(target, True) is None:
                os.mkdir(target, 0o700)
                self.created.append(target)
            self.dirs.append((target, info))
            return
        existing = self._make_room(target, False)
        if info.isreg():
            self._file(target, info, opener, existing is not None)
        elif info.issym():
            os.symlink(info.linkname, target)
        elif info.islnk():
            source = self._target(_clean_name(info.linkname) or "")
            if existing is not None:
                os.unlink(target)
            os.link(source, target, follow_symlinks=False)
            self.created.append(target)
            return
        elif info.ischr() or info.isblk() or info.isfifo():
            kind = stat.S_IFCHR if info.ischr() else stat.S_IFBLK if info.isblk() else stat.S_IFIFO
            try:
                os.mknod(target, kind | 0o600, os.makedev(info.devmajor, info.devminor))
            except PermissionError:
                log.warning("cannot create device %s (no permission): skipped", target)
                return
        if not info.isreg():
            self.created.append(target)
        self._attrs(target, info)

    def _makedirs(self, path: str) -> None:
        missing = []
        while path and not os.path.lexists(path):
            missing.append(path)
            path = os.path.dirname(path)
        for d in reversed(missing):
            os.mkdir(d, 0o755)
            self.created.append(d)

    def _file(self, target: str, info: tarfile.TarInfo, opener: Opener, replace: bool) -> None:
        path = target
        if replace:  # written beside the old file, renamed over it when complete
            d, base = os.path.split(target)
            path = os.path.join(d, f".{base}.pypod-cp-{os.getpid()}")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        self.created.append(path)
        with os.fdopen(fd, "wb") as out:
            src = opener()
            if src is not None:
                with src:
                    while chunk := src.read(_CHUNK):
                        out.write(chunk)
        if replace:
            self._attrs(path, info)
            try:
                os.replace(path, target)
            except OSError as exc:  # a bind-mounted file: rewrite it in place instead
                if exc.errno != errno.EBUSY:
                    raise
                with open(path, "rb") as src_f, open(target, "wb") as dst_f:
                    shutil.copyfileobj(src_f, dst_f, _CHUNK)
                os.unlink(path)
                self._attrs(target, info)
            self.created.remove(path)
            return
        self._attrs(path, info)

    def _attrs(self, path: str, info: tarfile.TarInfo) -> None:
        uid, gid = self.owner if self.owner is not None else (info.uid, info.gid)
        if self.host_ids is not None:
            uid, gid = self.host_ids(uid, gid)
        try:
            os.lchown(path, uid, gid)
        except OSError as exc:  # ids outside a rootless namespace's mapping
            if exc.errno not in (errno.EPERM, errno.EINVAL):
                raise
            log.debug("chown %s to %d:%d: %s", path, uid, gid, exc)
        if not info.issym():
            os.chmod(path, info.mode & 0o7777)
        os.utime(path, (info.mtime, info.mtime), follow_symlinks=False)
