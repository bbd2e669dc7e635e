"""cp: files and trees between a container and the host (or a tar on stdin/stdout).

Running or stopped, the container's rootfs is mounted (counted, so a running container's mount
is shared) and the copy happens on it, inside pypod's user namespace when rootless, so ids are
the container's own. As Podman: a symlink as the source's last element is followed (the copy
is named after its target); -a/--archive (default) chowns what is copied to the destination's
primary ids (the container's user, or the caller on the host); --archive=false keeps the ids.

A copy is a stream of (TarInfo, opener) entries: from a directory tree (tree_entries), or from
a tar on stdin (tar_entries); consumed by write_entries (into a directory) or write_tar (to
stdout). Every path written inside a container is resolved with resolve_in_root, which follows
symlinks as the container would see them (an absolute link target is relative to the container
root, ".." stops at the root), so a link to / in the container never reaches the host.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from pypod.domain.containers_ops import CopyRequest
from pypod.errors import ContainerNotFound, InvalidArgument, PypodError
from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    import tarfile

    from pypod.local.engine import LocalEngine

log = logging.getLogger(__name__)

Opener = Callable[[], IO[bytes] | None]
Entry = tuple["tarfile.TarInfo", Opener]
_MAX_LINKS = 255
_CHUNK = 1 << 20


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def resolve_in_root(root: str, path: str, follow_last: bool = True) -> str:
    """The host path of `path` as seen from inside `root` (symlinks followed within root)."""
    todo = _parts(path)
    done: list[str] = []
    links = 0
    while todo:
        part = todo.pop(0)
        if part == "..":
            if done:
                done.pop()
            continue
        candidate = os.path.join(root, *done, part)
        try:
            st = os.lstat(candidate)
        except OSError:
            done.append(part)  # the rest does not exist: keep it literally
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
    return os.path.join(root, *done)


# reading --------------------------------------------------------------------------------------
def _info(path: str, name: str, st: os.stat_result) -> tarfile.TarInfo:
    import tarfile

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
        return None  # type: ignore[return-value]  # sockets are not copied
    return info


def tree_entries(path: str, arcname: str) -> Iterator[Entry]:
    """Entries of the file or tree at `path` (not following symlinks), named under arcname
    ("." or "" = the directory's contents without the directory itself)."""
    import tarfile

    seen: dict[tuple[int, int], str] = {}

    def one(full: str, name: str) -> Iterator[Entry]:
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
        yield info, (lambda: open(full, "rb")) if info.isreg() else (lambda: None)  # noqa: SIM115
        if info.isdir():
            for child in sorted(os.listdir(full)):
                yield from one(os.path.join(full, child), f"{name}/{child}" if name else child)

    yield from one(path, "" if arcname in ("", ".") else arcname)


def tar_entries(stream: IO[bytes]) -> Iterator[Entry]:
    import tarfile

    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:
            for info in tar:
                yield info, (lambda i=info: tar.extractfile(i))  # type: ignore[misc]
    except tarfile.TarError as exc:
        raise InvalidArgument(f"reading tar archive: {exc}") from exc


def write_tar(entries: Iterator[Entry], out: IO[bytes]) -> None:
    import tarfile

    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for info, opener in entries:
            if not info.name:
                continue  # the contents' own directory
            f = opener()
            try:
                tar.addfile(info, f)
            finally:
                if f is not None:
                    f.close()


# writing --------------------------------------------------------------------------------------
def _clean_name(name: str) -> str | None:
    parts = _parts(name)
    if ".." in parts:
        log.warning("skipping archive entry %r: it leaves the destination", name)
        return None
    return "/".join(parts)


class Writer:
    """Writes entries under `dest` (a path inside `root`; root "/" for the host)."""

    def __init__(
        self,
        root: str,
        dest: str,
        *,
        owner: tuple[int, int] | None = None,
        overwrite: bool = False,
    ) -> None:
        self.root, self.dest = root, dest
        self.owner = owner  # (uid, gid) for every entry, else the entries' own
        self.overwrite = overwrite
        self.dirs: list[tuple[str, tarfile.TarInfo]] = []

    def _target(self, name: str) -> str:
        parent, _, base = name.rpartition("/")
        where = resolve_in_root(self.root, f"{self.dest}/{parent}")
        if base:
            return os.path.join(where, base)
        return where

    def _make_room(self, target: str, is_dir: bool) -> bool:
        """True when target is an existing directory to keep."""
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            return False
        if stat.S_ISDIR(st.st_mode):
            if is_dir:
                return True
            if not self.overwrite:
                raise PypodError(
                    f"cannot overwrite directory {target!r} with non-directory: use --overwrite"
                )
            import shutil

            shutil.rmtree(target)
            return False
        if is_dir and not self.overwrite:
            raise PypodError(f"cannot overwrite non-directory {target!r} with directory")
        os.unlink(target)
        return False

    def write(self, entries: Iterator[Entry]) -> None:
        for info, opener in entries:
            name = _clean_name(info.name)
            if name is None:
                continue
            self._one(info, name, opener)
        for path, info in reversed(self.dirs):
            self._attrs(path, info)

    def _one(self, info: tarfile.TarInfo, name: str, opener: Opener) -> None:
        target = self._target(name)
        if not os.path.isdir(os.path.dirname(target)):
            os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
        if info.isdir():
            if not self._make_room(target, True):
                os.mkdir(target, 0o700)
            self.dirs.append((target, info))
            return
        self._make_room(target, False)
        if info.isreg():
            self._file(target, info, opener)
        elif info.issym():
            os.symlink(info.linkname, target)
        elif info.islnk():
            source = self._target(_clean_name(info.linkname) or "")
            os.link(source, target, follow_symlinks=False)
            return
        elif info.ischr() or info.isblk() or info.isfifo():
            kind = stat.S_IFCHR if info.ischr() else stat.S_IFBLK if info.isblk() else stat.S_IFIFO
            try:
                os.mknod(target, kind | 0o600, os.makedev(info.devmajor, info.devminor))
            except PermissionError:
                log.warning("cannot create device %s (no permission): skipped", target)
                return
        self._attrs(target, info)

    def _file(self, target: str, info: tarfile.TarInfo, opener: Opener) -> None:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            src = opener()
            if src is not None:
                with src:
                    while chunk := src.read(_CHUNK):
                        out.write(chunk)

    def _attrs(self, path: str, info: tarfile.TarInfo) -> None:
        uid, gid = self.owner if self.owner is not None else (info.uid, info.gid)
        try:
            os.lchown(path, uid, gid)
        except OSError as exc:  # ids outside a rootless namespace's mapping
            if exc.errno not in (errno.EPERM, errno.EINVAL):
                raise
            log.debug("chown %s to %d:%d: %s", path, uid, gid, exc)
        if not info.issym():
            os.chmod(path, info.mode & 0o7777)
        os.utime(path, (info.mtime, info.mtime), follow_symlinks=False)


# the verb -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class _End:
    """One side of a copy: the host (root "/"), a container's mounted root, or a stream."""

    where: str  # "host" | "container" | "stream"
    root: str = "/"
    path: str = ""  # as the user typed it (inside the container for "container")
    label: str = "the host"  # for "could not be found on ..."
    owner: tuple[int, int] | None = None  # the destination's primary ids (--archive)


def _split(arg: str) -> tuple[str, str]:
    """("container", path) for CTR:PATH, ("", path) for a host path or "-"."""
    head, sep, tail = arg.partition(":")
    if sep and head and "/" not in head and not head.startswith("."):
        return head, tail
    return "", arg


def _not_found(end: _End) -> PypodError:
    return InvalidArgument(
        f'"{end.path}" could not be found on {end.label}: no such file or directory'
    )


def _host_path(end: _End, follow_last: bool) -> str:
    if end.where == "container":
        return resolve_in_root(end.root, end.path or "/", follow_last)
    path = os.path.abspath(end.path)
    return os.path.realpath(path) if follow_last else path


def _source_entries(src: _End) -> Iterator[Entry]:
    if src.where == "stream":
        import sys

        return tar_entries(sys.stdin.buffer)
    path = _host_path(src, follow_last=True)
    if not os.path.lexists(path):
        raise _not_found(src)
    contents = src.path.endswith("/.")  # "dir/." copies what is in dir
    return tree_entries(path, "." if contents else os.path.basename(path.rstrip("/")) or ".")


def _plan(src: _End, dst: _End) -> tuple[str, str | None]:
    """(the directory the entries are written into, the name the source's top entry gets
    there, or None to keep the entries' names)."""
    target = _host_path(dst, follow_last=True)
    if src.where == "stream":
        if not os.path.isdir(target):
            raise (
                _not_found(dst)
                if not os.path.lexists(target)
                else InvalidArgument(
                    f'destination "{dst.path}" must be a directory when copying from stdin'
                )
            )
        return target, None
    src_dir = os.path.isdir(_host_path(src, follow_last=True))
    if os.path.isdir(target):
        return target, None if src.path.endswith("/.") else ""
    if os.path.lexists(target):
        if src_dir:
            raise InvalidArgument("destination must be a directory when copying a directory")
        return os.path.dirname(target), os.path.basename(target)
    parent = os.path.dirname(target)
    if dst.path.endswith("/") or not os.path.isdir(parent):
        raise _not_found(dst)
    return parent, os.path.basename(target)


def _renamed(entries: Iterator[Entry], new_top: str) -> Iterator[Entry]:
    for info, opener in entries:
        top, sep, rest = info.name.partition("/")
        info.name = new_top + sep + rest if top else info.name
        if info.islnk():
            _, lsep, lrest = info.linkname.partition("/")
            info.linkname = new_top + lsep + lrest
        yield info, opener


def _transfer(src: _End, dst: _End, req: CopyRequest) -> None:
    if dst.where == "stream":
        import sys

        write_tar(_source_entries(src), sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    directory, new_top = _plan(src, dst)
    entries = _source_entries(src)
    if new_top:
        entries = _renamed(entries, new_top)
    rel = os.path.relpath(directory, dst.root) if dst.where == "container" else directory
    writer = Writer(
        dst.root,
        "/" + rel if rel != "." else "/",
        owner=dst.owner if req.archive else None,
        overwrite=req.overwrite,
    )
    try:
        writer.write(entries)
    except OSError as exc:
        raise PypodError(f"copying to {dst.label}: {exc.strerror}: {exc.filename}") from exc


def copy(engine: LocalEngine, req: CopyRequest) -> None:
    from pypod.local.container_storage import layers

    src_ctr, src_path = _split(req.source)
    dst_ctr, dst_path = _split(req.destination)
    if src_ctr and dst_ctr:
        raise InvalidArgument("copying from a container to a container is not supported")
    if not src_ctr and not dst_ctr:
        raise InvalidArgument("name or ID cannot be empty")
    name = src_ctr or dst_ctr
    try:
        cid = engine.container_store.lookup(name)
    except ContainerNotFound as exc:
        raise ContainerNotFound(f'container "{name}" does not exist') from exc
    config, _ = lk.load(engine, cid)
    lay = layers(engine)
    root = lay.mount(cid)
    try:
        ctr = _End(where="container", root=root, label=f"container {name}")
        host_owner = (os.getuid(), os.getgid())
        if src_ctr:
            src = dataclasses.replace(ctr, path=src_path)
            dst = _End(
                where="stream" if dst_path == "-" else "host", path=dst_path, owner=host_owner
            )
        else:
            src = _End(where="stream" if src_path == "-" else "host", path=src_path)
            dst = dataclasses.replace(ctr, path=dst_path, owner=_container_owner(root, config.user))
        _transfer(src, dst, req)
    finally:
        lay.unmount(cid)


def _container_owner(root: str, user: str) -> tuple[int, int]:
    from pypod.core.users import resolve_user

    try:
        u = resolve_user(root, user)
    except PypodError:
        return 0, 0
    return u.uid, u.gid
