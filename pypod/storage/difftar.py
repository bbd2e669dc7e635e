"""Writing tar streams of container files: layer diffs (OCI whiteouts) and whole-rootfs exports.

Everything is a generator of byte chunks wrapped in a read-only file object (`as_file`), so a
`commit`, `export` or `cp` streams straight from the files on disk: no temporary file, and file
contents are read in 1 MiB chunks. Headers are written here rather than with `tarfile` because
the stream must carry raw bytes as they are on disk (binary xattr values such as
security.capability, names that are not UTF-8), which tarfile's PAX writer re-encodes.

Format: POSIX ustar headers, with a PAX extended header in front of an entry when a field does
not fit (long or non-ASCII names, large ids or sizes, xattrs). Times are whole seconds, names are
relative ("etc/passwd", directories end in "/"), the stream ends with two zero blocks.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterable, Iterator
from typing import BinaryIO, cast

from pypod.records import record
from pypod.storage.changes import (
    WHITEOUT_OPAQUE,
    WHITEOUT_PREFIX,
    is_opaque,
    is_storage_marker,
    is_whiteout_device,
    walk,
)

BLOCK = 512
CHUNK = 1 << 20

REGULAR, HARDLINK, SYMLINK, CHARDEV, BLOCKDEV, DIRECTORY, FIFO = b"0123456"
_PAX = ord("x")
_ZEROS = bytes(BLOCK)

# xattrs that describe the storage, not the file: never copied into a layer or an export
_PRIVATE_XATTRS = ("trusted.", "user.overlay.", "user.fuseoverlayfs.", "user.containers.")


class _ChunkFile(io.RawIOBase):
    """A read-only raw file over an iterator of byte chunks. close() closes the iterator, so a
    generator's finally blocks (an unmount) run when the reader stops early."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        super().close()


def as_file(chunks: Iterator[bytes]) -> BinaryIO:
    return cast(BinaryIO, io.BufferedReader(_ChunkFile(chunks), CHUNK))


@record
class Entry:
    """One tar member to write. `source` is the file whose contents follow (regular files)."""

    name: bytes  # relative, no leading "/" or "./"
    kind: int  # REGULAR, HARDLINK, ...
    mode: int = 0o644  # permission bits incl. setuid/setgid/sticky
    uid: int = 0
    gid: int = 0
    size: int = 0
    mtime: int = 0
    link: bytes = b""
    devmajor: int = 0
    devminor: int = 0
    xattrs: tuple[tuple[bytes, bytes], ...] = ()
    source: str = ""


def _pax_record(key: bytes, value: bytes) -> bytes:
    body = b" " + key + b"=" + value + b"\n"
    n = len(body) + 1
    while len(str(n).encode()) + len(body) != n:  # the length counts its own digits
        n = len(str(n).encode()) + len(body)
    return str(n).encode() + body


def _octal(value: int, width: int) -> bytes | None:
    """A ustar number field, or None when it does not fit (then PAX carries it)."""
    if value < 0:
        return None
    text = b"%0*o" % (width - 1, value)
    return text + b"\0" if len(text) == width - 1 else None


def _header(name: bytes, entry: Entry, kind: int, size: int, pax: dict[bytes, bytes]) -> bytes:
    numbers = {}
    for key, value, width in (
        (b"uid", entry.uid, 8),
        (b"gid", entry.gid, 8),
        (b"size", size, 12),
        (b"mtime", entry.mtime, 12),
    ):
        field = _octal(value, width)
        if field is None:
            pax[key] = str(value).encode()
            field = _octal(0, width)
        numbers[key] = field
    block = bytearray(BLOCK)
    block[0:100] = name[:100].ljust(100, b"\0")
    block[100:108] = b"%07o\0" % (entry.mode & 0o7777)
    block[108:116] = numbers[b"uid"]
    block[116:124] = numbers[b"gid"]
    block[124:136] = numbers[b"size"]
    block[136:148] = numbers[b"mtime"]
    block[148:156] = b" " * 8
    block[156] = kind
    block[157:257] = entry.link[:100].ljust(100, b"\0")
    block[257:265] = b"ustar\x0000"
    if kind in (CHARDEV, BLOCKDEV):
        block[329:337] = b"%07o\0" % entry.devmajor
        block[337:345] = b"%07o\0" % entry.devminor
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def _needs_pax(value: bytes) -> bool:
    return len(value) > 100 or not value.isascii()


def encode(entry: Entry) -> bytes:
    """The header block(s) of entry: a PAX header first when a field needs one."""
    name = entry.name
    if entry.kind == DIRECTORY and not name.endswith(b"/"):
        name += b"/"
    pax: dict[bytes, bytes] = {}
    if _needs_pax(name):
        pax[b"path"] = name
    if _needs_pax(entry.link):
        pax[b"linkpath"] = entry.link
    for key, value in entry.xattrs:
        pax[b"SCHILY.xattr." + key] = value
    size = entry.size if entry.kind == REGULAR else 0
    main = _header(name, entry, entry.kind, size, pax)
    if not pax:
        return main
    records = b"".join(_pax_record(k, v) for k, v in pax.items())
    base = name.rstrip(b"/").rpartition(b"/")
    pax_name = (base[0] + b"/" if base[0] else b"") + b"PaxHeaders.0/" + base[2]
    ext = Entry(name=pax_name[:100], kind=_PAX, mode=0o644, mtime=entry.mtime)
    head = _header(ext.name, ext, _PAX, len(records), {})
    return head + records + _padding(len(records)) + main


def _padding(size: int) -> bytes:
    return bytes(-size % BLOCK)


def _contents(entry: Entry) -> Iterator[bytes]:
    """The file's data, exactly entry.size bytes: a file that shrank while being read is padded
    with zeros and one that grew is cut, so the stream stays a valid tar."""
    left = entry.size
    fd = os.open(entry.source, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        while left > 0:
            data = os.read(fd, min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data
    finally:
        os.close(fd)
    while left > 0:
        n = min(CHUNK, left)
        left -= n
        yield bytes(n)
    yield _padding(entry.size)


def write(entries: Iterable[Entry]) -> Iterator[bytes]:
    """The tar stream of entries, in chunks; ends with two zero blocks."""
    pending: list[bytes] = []
    size = 0
    for entry in entries:
        header = encode(entry)
        if entry.kind == REGULAR and entry.size:
            if pending:
                yield b"".join(pending)
                pending, size = [], 0
            yield header
            yield from _contents(entry)
            continue
        pending.append(header)  # small headers are batched into one chunk
        size += len(header)
        if size >= CHUNK:
            yield b"".join(pending)
            pending, size = [], 0
    pending.append(_ZEROS * 2)
    yield b"".join(pending)


# entries from files ---------------------------------------------------------------------------
def read_xattrs(path: str) -> tuple[tuple[bytes, bytes], ...]:
    """The xattrs a layer keeps: security.capability and user.* (not the storage's own)."""
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return ()
    out = []
    for key in sorted(names):
        if key.startswith(_PRIVATE_XATTRS) or not key.startswith(("user.", "security.capability")):
            continue
        try:
            out.append((key.encode(), os.getxattr(path, key, follow_symlinks=False)))
        except OSError:
            continue
    return tuple(out)


class EntryMaker:
    """Builds entries from files; links the second and later names of a multiply-linked inode
    to the first name written (hard links within one stream)."""

    def __init__(self) -> None:
        self._inodes: dict[tuple[int, int], bytes] = {}

    def make(self, path: str, rel: bytes, st: os.stat_result) -> Entry | None:
        """None for what a tar cannot hold (sockets)."""
        fmt = stat.S_IFMT(st.st_mode)
        common = {
            "name": rel,
            "mode": stat.S_IMODE(st.st_mode),
            "uid": st.st_uid,
            "gid": st.st_gid,
            "mtime": int(st.st_mtime),
            "xattrs": read_xattrs(path),
        }
        if fmt != stat.S_IFDIR and st.st_nlink > 1:
            key = (st.st_dev, st.st_ino)
            first = self._inodes.get(key)
            if first is not None:
                return Entry(kind=HARDLINK, link=first, **common)  # type: ignore[arg-type]
            self._inodes[key] = rel
        if fmt == stat.S_IFREG:
            return Entry(kind=REGULAR, size=st.st_size, source=path, **common)  # type: ignore[arg-type]
        if fmt == stat.S_IFDIR:
            return Entry(kind=DIRECTORY, **common)  # type: ignore[arg-type]
        if fmt == stat.S_IFLNK:
            return Entry(kind=SYMLINK, link=os.fsencode(os.readlink(path)), **common)  # type: ignore[arg-type]
        if fmt in (stat.S_IFCHR, stat.S_IFBLK):
            kind = CHARDEV if fmt == stat.S_IFCHR else BLOCKDEV
            major, minor = os.major(st.st_rdev), os.minor(st.st_rdev)
            return Entry(kind=kind, devmajor=major, devminor=minor, **common)  # type: ignore[arg-type]
        if fmt == stat.S_IFIFO:
            return Entry(kind=FIFO, **common)  # type: ignore[arg-type]
        return None


def whiteout(rel: bytes, st: os.stat_result) -> Entry:
    """The OCI whiteout for the deleted path rel; owner and time from what marked it."""
    parent, _, base = rel.rpartition(b"/")
    name = (parent + b"/" if parent else b"") + WHITEOUT_PREFIX.encode() + base
    return Entry(name=name, kind=REGULAR, mode=0o600, uid=st.st_uid, gid=st.st_gid,
                 mtime=int(st.st_mtime))  # fmt: skip


def opaque(rel_dir: bytes, st: os.stat_result) -> Entry:
    name = rel_dir.rstrip(b"/") + b"/" + WHITEOUT_OPAQUE.encode()
    return Entry(name=name, kind=REGULAR, mode=0o600, uid=st.st_uid, gid=st.st_gid,
                 mtime=int(st.st_mtime))  # fmt: skip


# what each stream holds -------------------------------------------------------------------------
def overlay_entries(upper: str) -> Iterator[Entry]:
    """An overlay upper directory as an OCI layer: 0/0 devices become `.wh.NAME` files and
    opaque directories get a `.wh..wh..opq` member; fuse-overlayfs's own `.wh.` files are
    already in that form."""
    maker = EntryMaker()
    for path, rel, st in walk(upper):
        if is_storage_marker(rel.rpartition(b"/")[2], st):
            continue  # the directory's opaque mark below says it once
        if is_whiteout_device(st):
            yield whiteout(rel, st)
            continue
        entry = maker.make(path, rel, st)
        if entry is None:
            continue
        yield entry
        if entry.kind == DIRECTORY and is_opaque(path):
            yield opaque(rel, st)


def change_entries(root: str, changes: Iterable[tuple[str, str]]) -> Iterator[Entry]:
    """The listed changes of the complete tree root as an OCI layer (vfs): deletions become
    whiteouts, added and changed entries are copied (directories without their contents,
    which have changes of their own)."""
    maker = EntryMaker()
    for kind, path in changes:
        rel = os.fsencode(path.lstrip("/"))
        full = os.path.join(root, path.lstrip("/"))
        if kind == "D":
            parent = os.path.dirname(full)
            yield whiteout(rel, os.lstat(parent if os.path.isdir(parent) else root))
            continue
        try:
            st = os.lstat(full)
        except FileNotFoundError:
            continue  # removed since the changes were listed
        entry = maker.make(full, rel, st)
        if entry is not None:
            yield entry


def tree_entries(root: str) -> Iterator[Entry]:
    """Everything below root (not root itself), as `podman export` writes it."""
    maker = EntryMaker()
    for path, rel, st in walk(root):
        entry = maker.make(path, rel, st)
        if entry is not None:
            yield entry
