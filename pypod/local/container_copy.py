"""cp: files and trees between containers, the host, and tar streams on stdin/stdout.

As Podman: either side may be a container (running or not), both may be (copied straight from
one to the other, streaming, no copy on disk in between); a symlink as the source's last
element is followed (the copy is named after its target); a relative container path is relative
to the container's working directory; -a/--archive (default) chowns what lands in a container to
its user's primary ids, what lands on the host always belongs to the caller, and a copy between
containers with --archive=false carries the source container user's ids.

How a container is seen (copy_fs.FsView): a running (or paused) one through /proc/PID/root,
which shows every mount it has (volumes, bind mounts, tmpfs), and its side of the copy runs in a
child process chrooted there (host/chrooted.py), as Podman joins the container's mount
namespace; a stopped one through its mounted rootfs plus the table of its volumes and bind
mounts. The two sides meet either in-process (entries passed along) or, when a side runs in a
child, over a pipe as a tar stream. The side that writes rolls back what it created when the
copy fails, whichever side failed.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING

from pypod.core.model import Status
from pypod.errors import ContainerNotFound, InvalidArgument, PypodError
from pypod.host import chrooted
from pypod.local import container_lookup as lk
from pypod.local.copy_fs import (
    Entry,
    FsView,
    IdPair,
    Writer,
    mapped,
    owned,
    tar_entries,
    tree_entries,
    write_tar,
)
from pypod.log import get_logger
from pypod.records import record

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig
    from pypod.domain.containers_ops import CopyRequest
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)

_SKIPPED = ("/dev", "/proc", "/sys")  # never copied out of a container (as Podman's Excludes)
_LIVE = (Status.RUNNING, Status.PAUSED)


@record
class _End:
    """One side of a copy."""

    where: str  # "host" | "container" | "stream"
    path: str = ""  # as the user typed it
    label: str = "the host"  # for "could not be found on ..."
    view: FsView | None = None  # how this process sees it
    chroot: str = ""  # a running container: its side runs in a child chrooted here ...
    inner: FsView | None = None  # ... which sees it so
    owner: tuple[int, int] = (0, 0)  # the primary ids of the container's user, or the caller's
    # a container with a user namespace of its own (--userns): its ids <-> the ids this process
    # sees on its files (identity, None, otherwise)
    to_host: Callable[[int, int], IdPair] | None = None
    from_host: Callable[[int, int], IdPair] | None = None


@record
class _Plan:
    src: _End
    dst: _End
    arcname: str  # the name of the source's top entry ("." = a directory's contents only)
    directory: str = ""  # resolved destination directory (in dst's terms)
    owner: tuple[int, int] | None = None  # chown everything written to these ids
    chown_source: tuple[int, int] | None = None  # chown the entries as they are read
    overwrite: bool = False

    def entries(self, view: FsView | None) -> Iterator[Entry]:
        if self.src.where == "stream":
            return _stdin_entries()
        assert view is not None
        path = view.host(view.resolve(self.src.path))
        skip: frozenset[str] = frozenset()
        if self.src.where == "container":
            skip = frozenset(view.host(p) for p in _SKIPPED)
        entries = tree_entries(path, self.arcname, skip)
        if self.chown_source is not None:
            entries = owned(entries, *self.chown_source)
        elif self.src.from_host is not None:  # the tar carries the container's own ids
            entries = mapped(entries, self.src.from_host)
        return entries

    def writer(self, view: FsView | None) -> Writer:
        assert view is not None
        return Writer(
            view, self.directory, owner=self.owner, overwrite=self.overwrite,
            host_ids=self.dst.to_host,
        )  # fmt: skip


def _split(arg: str) -> tuple[str, str]:
    """(container, path) for CTR:PATH, ("", path) for a host path or "-"; as Podman, an
    argument that starts with "." or "/" is always a path."""
    if arg[:1] in (".", "/"):
        return "", arg
    head, sep, tail = arg.partition(":")
    return (head, tail) if sep else ("", arg)


def _not_found(end: _End) -> PypodError:
    return InvalidArgument(
        f'"{end.path}" could not be found on {end.label}: no such file or directory'
    )


# the ends -------------------------------------------------------------------------------------
def _container_end(engine: LocalEngine, stack: contextlib.ExitStack, name: str, path: str) -> _End:
    from pypod.local.container_storage import layers

    try:
        cid = engine.container_store.lookup(name)
    except ContainerNotFound as exc:
        raise ContainerNotFound(f'container "{name}" does not exist') from exc
    config, state = lk.load(engine, cid)
    label = f"container {name}"
    to_host, from_host = _id_maps(config)
    proc_root = f"/proc/{state.pid}/root"
    if state.status in _LIVE and state.pid > 0 and os.path.isdir(proc_root):
        return _End(
            where="container", path=path, label=label,
            view=FsView(proc_root, workdir=config.workdir), chroot=proc_root,
            inner=FsView("/", workdir=config.workdir),
            owner=_container_owner(proc_root, config.user),
            to_host=to_host, from_host=from_host,
        )  # fmt: skip
    lay = layers(engine)
    root = lay.mount(cid)  # id-mapped (fuse-overlayfs) for a container with its own userns
    stack.callback(lay.unmount, cid)
    mounts = _mount_table(engine, config, stack)
    return _End(
        where="container", path=path, label=label,
        view=FsView(root, mounts=mounts, workdir=config.workdir),
        owner=_container_owner(root, config.user),
        to_host=to_host, from_host=from_host,
    )  # fmt: skip


def _id_maps(
    config: ContainerConfig,
) -> tuple[Callable[[int, int], IdPair] | None, Callable[[int, int], IdPair] | None]:
    """(container ids -> ours, ours -> container ids) through the container's maps. An id
    the maps do not cover is -1 on our side (chown leaves it) and nobody on its side, as the
    kernel shows it."""
    if not config.uid_map:
        return None, None
    from pypod.local.container_userns import inside, outside

    uids, gids = config.uid_map, config.gid_map
    return (
        lambda u, g: (outside(uids, u), outside(gids, g)),
        lambda u, g: (inside(uids, u), inside(gids, g)),
    )


def _mount_table(
    engine: LocalEngine, config: ContainerConfig, stack: contextlib.ExitStack
) -> tuple[tuple[str, str], ...]:
    """(destination, host source) of a stopped container's bind mounts and volumes: what the
    container would see there once started (tmpfs and image mounts have no source to write)."""
    from pypod.local.container_start import volumes_of

    out = []
    for m in config.mounts:
        if m.type == "bind":
            source = m.source
        elif m.type == "volume":
            vols = volumes_of(engine)
            try:
                volume = vols.store.volume(m.source)
            except PypodError:
                continue
            if vols.needs_mount(volume):
                source = vols.mount(volume.name)
                stack.callback(vols.unmount, volume.name)
            else:
                source = vols.data_path(volume.name)
        else:
            continue
        if m.subpath:
            source = os.path.join(source, m.subpath.lstrip("/"))
        out.append(("/" + os.path.normpath(m.destination).lstrip("/"), source))
    return tuple(out)


def _container_owner(root: str, user: str) -> tuple[int, int]:
    from pypod.core.users import resolve_user

    try:
        u = resolve_user(root, user)
    except PypodError:
        return 0, 0
    return u.uid, u.gid


def _local_end(path: str) -> _End:
    if path == "-":
        return _End(where="stream", path=path, owner=(os.getuid(), os.getgid()))
    return _End(
        where="host", path=path, view=FsView("/", workdir=os.getcwd()),
        owner=(os.getuid(), os.getgid()),
    )  # fmt: skip


# planning -------------------------------------------------------------------------------------
def _stat(end: _End, follow: bool = True) -> tuple[str, os.stat_result | None]:
    assert end.view is not None
    resolved = end.view.resolve(end.path, follow)
    return resolved, end.view.lstat(resolved)


def _plan(src: _End, dst: _End, req: CopyRequest) -> _Plan:
    src_dir, arcname = False, "."
    if src.where != "stream":
        resolved, st = _stat(src)
        if st is None:
            raise _not_found(src)
        src_dir = stat.S_ISDIR(st.st_mode)
        contents = src_dir and (src.path.endswith("/.") or src.path == "." or resolved == "/")
        arcname = "." if contents else os.path.basename(resolved)
    chown_source = None
    if src.where == "container" and dst.where == "container" and not req.archive:
        chown_source = src.owner  # what Podman's reading side does
    plan = _Plan(
        src=src, dst=dst, arcname=arcname, chown_source=chown_source, overwrite=req.overwrite,
        owner=dst.owner if (dst.where == "host" or req.archive) else None,
    )  # fmt: skip
    if dst.where == "stream":
        return plan
    target, st = _stat(dst)
    if src.where == "stream":
        if st is None and dst.path.endswith("/"):
            raise _not_found(dst)
        if st is None or not stat.S_ISDIR(st.st_mode):
            raise InvalidArgument("destination must be a directory when copying from stdin")
        return _with(plan, directory=target)
    if st is not None and stat.S_ISDIR(st.st_mode):
        return _with(plan, directory=target)
    if st is not None:
        if src_dir:
            raise InvalidArgument("destination must be a directory when copying a directory")
        return _with(plan, directory=os.path.dirname(target), arcname=os.path.basename(target))
    parent = os.path.dirname(target)
    pst = dst.view.lstat(parent) if dst.view is not None else None
    if dst.path.endswith("/") or pst is None or not stat.S_ISDIR(pst.st_mode):
        raise _not_found(dst)
    # a missing destination is created: the source (even "dir/.") copied under its name
    return _with(plan, directory=parent, arcname=os.path.basename(target))


def _with(plan: _Plan, **changes: object) -> _Plan:
    from pypod import records

    return records.replace(plan, **changes)


# running it -----------------------------------------------------------------------------------
def _stdin_entries() -> Iterator[Entry]:
    first = True
    try:
        for entry in tar_entries(sys.stdin.buffer):
            first = False
            yield entry
    except InvalidArgument as exc:
        if first:
            raise InvalidArgument(
                "source must be a (compressed) tar archive when copying from stdin"
            ) from exc
        raise


def _tar_to(plan: _Plan, view: FsView | None, out: IO[bytes]) -> None:
    write_tar(plan.entries(view), out)
    out.flush()


def _local(plan: _Plan) -> None:
    writer = plan.writer(plan.dst.view)
    try:
        writer.write(plan.entries(plan.src.view))
    except BaseException:
        writer.rollback()
        raise


def _drain(f: IO[bytes]) -> None:
    """Read the stream to its end: the tar reader stops at the end-of-archive blocks, and
    the writer must not see a broken pipe for its padding."""
    while f.read(1 << 16):
        pass


def _consume(plan: _Plan, data_fd: int, verdict_fd: int) -> None:
    """The writing side in a child: write, then keep it only when the parent says so."""
    writer = plan.writer(plan.dst.inner)
    try:
        with os.fdopen(data_fd, "rb") as data:
            writer.write(tar_entries(data))
            _drain(data)
        if os.read(verdict_fd, 1) != b"1":
            raise chrooted.Aborted()
    except BaseException:
        writer.rollback()
        raise


def _produce(plan: _Plan, data_fd: int) -> None:
    with os.fdopen(data_fd, "wb") as data:
        _tar_to(plan, plan.src.inner, data)


def _real(exc: BaseException | None) -> bool:
    return exc is not None and not isinstance(exc, (chrooted.Aborted, BrokenPipeError))


class _Pipe:
    """The tar stream between the two sides, and the verdict a writing child waits for."""

    def __init__(self) -> None:
        self.data_r, self.data_w = os.pipe()
        self.verdict_r, self.verdict_w = os.pipe()

    def close(self) -> None:
        for fd in (self.data_r, self.data_w, self.verdict_r, self.verdict_w):
            with contextlib.suppress(OSError):
                os.close(fd)


def _children(plan: _Plan, pipe: _Pipe) -> tuple[chrooted.Child | None, chrooted.Child | None]:
    consumer = producer = None
    try:
        if plan.dst.chroot:
            consumer = chrooted.start(
                lambda: _consume(plan, pipe.data_r, pipe.verdict_r), root=plan.dst.chroot,
                close=(pipe.data_w, pipe.verdict_w),
            )  # fmt: skip
        if plan.src.chroot:
            producer = chrooted.start(
                lambda: _produce(plan, pipe.data_w), root=plan.src.chroot,
                close=(pipe.data_r, pipe.verdict_r, pipe.verdict_w),
            )  # fmt: skip
    except BaseException:
        pipe.close()
        raise
    return consumer, producer


def _read_side(plan: _Plan, fd: int) -> BaseException | None:
    """This process reads the source into the pipe."""
    try:
        with os.fdopen(fd, "wb") as data:
            _tar_to(plan, plan.src.view, data)
    except BaseException as exc:  # reported after the children are reaped
        return exc
    return None


def _write_side(writer: Writer, fd: int) -> BaseException | None:
    """This process writes the destination from the pipe."""
    try:
        with os.fdopen(fd, "rb") as data:
            writer.write(tar_entries(data))
            _drain(data)
    except BaseException as exc:
        return exc
    return None


def _piped(plan: _Plan) -> None:
    """At least one side runs in a child: the tar stream crosses a pipe. The writing side
    keeps what it wrote only when both sides succeeded."""
    pipe = _Pipe()
    consumer, producer = _children(plan, pipe)
    os.close(pipe.verdict_r)
    writer: Writer | None = None
    perr = cerr = None
    if producer is not None:
        os.close(pipe.data_w)
    if consumer is not None:
        os.close(pipe.data_r)  # before writing: a consumer that dies must break the pipe
    if producer is None:
        perr = _read_side(plan, pipe.data_w)
    if consumer is None:
        writer = plan.writer(plan.dst.view)
        cerr = _write_side(writer, pipe.data_r)
    if producer is not None:
        perr = _reap(producer)
    ok = perr is None and cerr is None
    if ok:
        with contextlib.suppress(OSError):
            os.write(pipe.verdict_w, b"1")
    os.close(pipe.verdict_w)
    if consumer is not None:
        cerr = _reap(consumer)
    elif writer is not None and not ok:
        writer.rollback()
    for exc in (perr, cerr):  # the producer's failure first: it truncates the stream
        if exc is not None and _real(exc):
            raise exc
    if not ok:
        raise PypodError("copy interrupted")


def _reap(child: chrooted.Child) -> BaseException | None:
    try:
        child.wait()
    except PypodError as exc:
        return exc
    return None


def _transfer(plan: _Plan) -> None:
    src, dst = plan.src, plan.dst
    if dst.where == "stream":
        try:
            if src.chroot:
                sys.stdout.flush()
                child = chrooted.start(
                    lambda: _tar_to(plan, src.inner, sys.stdout.buffer), root=src.chroot
                )
                child.wait()
            else:
                _tar_to(plan, src.view, sys.stdout.buffer)
        except (chrooted.Aborted, BrokenPipeError) as exc:
            raise PypodError("copying to stdout: broken pipe") from exc
        return
    if src.chroot or dst.chroot:
        _piped(plan)
    else:
        _local(plan)


def copy(engine: LocalEngine, req: CopyRequest) -> None:
    src_ctr, src_path = _split(req.source)
    dst_ctr, dst_path = _split(req.destination)
    if not src_path or not dst_path:
        raise InvalidArgument(
            f'invalid arguments "{req.source}", "{req.destination}": you must specify paths'
        )
    if not src_ctr and not dst_ctr:
        raise InvalidArgument("name or ID cannot be empty")
    with contextlib.ExitStack() as stack:
        src = _container_end(engine, stack, src_ctr, src_path) if src_ctr else _local_end(src_path)
        dst = _container_end(engine, stack, dst_ctr, dst_path) if dst_ctr else _local_end(dst_path)
        plan = _plan(src, dst, req)
        try:
            _transfer(plan)
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            raise PypodError(f"copying to {dst.label}: {exc.strerror or exc}{where}") from exc
