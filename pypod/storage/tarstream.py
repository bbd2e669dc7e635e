"""A streaming tar reader that hashes everything it reads and keeps the raw bytes.

Why not tarfile: it is slow per entry, hides the raw header bytes, and seeks. Layers must be
extracted while they download, hashed as a whole (the diff_id covers every byte, trailing
padding included), and recorded for tar-split so the exact stream can be replayed later.

Every byte of the input ends up in exactly one place: a raw segment handed to the sink
(headers, pax and GNU long-name records, padding, payloads nobody wrote to disk, trailing
bytes after the end-of-archive blocks) or a file payload the consumer copied to disk, which
the sink records as (path, size). Understands ustar, GNU (long names 'L'/'K', base-256
numbers, atime) and pax ('x' and 'g'); sparse files are rejected.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from pypod.errors import IntegrityError, UnsafeArchive

BLOCK = 512
CHUNK = 1 << 20

REGULAR = "0"
HARDLINK = "1"
SYMLINK = "2"
CHARDEV = "3"
BLOCKDEV = "4"
DIRECTORY = "5"
FIFO = "6"
_REGULAR_TYPES = frozenset({"0", "\0", "7"})
_ZERO_BLOCK = bytes(BLOCK)
_GNU_MAGIC = b"ustar  \x00"


class RawSink(Protocol):
    """Where the reader reports the stream's layout (tarsplit.SplitWriter implements it)."""

    def raw(self, data: bytes | memoryview) -> None: ...

    def payload(self, path: str, size: int) -> None: ...


class TarEntry:
    """One archive member. A plain slots class, not a frozen dataclass: it is built once per
    file on the hot path and frozen dataclass construction costs several times more."""

    __slots__ = (
        "atime_ns",
        "devmajor",
        "devminor",
        "gid",
        "gname",
        "linkname",
        "mode",
        "mtime_ns",
        "name",
        "size",
        "type",
        "uid",
        "uname",
        "xattrs",
    )

    def __init__(self) -> None:
        self.name = ""
        self.type = REGULAR
        self.mode = 0
        self.uid = 0
        self.gid = 0
        self.size = 0
        self.mtime_ns = 0
        self.atime_ns: int | None = None
        self.linkname = ""
        self.uname = ""
        self.gname = ""
        self.devmajor = 0
        self.devminor = 0
        self.xattrs: dict[str, bytes] = {}

    @property
    def is_regular(self) -> bool:
        return self.type == REGULAR

    def __repr__(self) -> str:
        return f"TarEntry({self.name!r}, type={self.type!r}, size={self.size})"


class _Input:
    """Buffered reads from the stream; hashes and counts every byte as it arrives."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._buf = b""
        self._pos = 0
        self.hash = hashlib.sha256()
        self.size = 0

    def _fill(self) -> bool:
        data = self._stream.read(CHUNK)
        if not data:
            return False
        self.hash.update(data)
        self.size += len(data)
        self._buf = data
        self._pos = 0
        return True

    def read_block(self) -> bytes | None:
        """The next 512 bytes; None at a clean EOF; IntegrityError when cut mid-block."""
        buf, pos = self._buf, self._pos
        if pos + BLOCK <= len(buf):
            self._pos = pos + BLOCK
            return buf[pos : pos + BLOCK]
        if pos == len(buf) and not self._fill():
            return None
        data = b"".join(self.chunks(BLOCK))
        return data

    def chunks(self, n: int) -> Iterator[memoryview]:
        """Exactly n bytes, in pieces, without copying the buffer."""
        while n > 0:
            if self._pos >= len(self._buf) and not self._fill():
                raise IntegrityError("layer tar stream is truncated")
            take = min(n, len(self._buf) - self._pos)
            yield memoryview(self._buf)[self._pos : self._pos + take]
            self._pos += take
            n -= take

    def rest(self) -> Iterator[memoryview]:
        while True:
            if self._pos < len(self._buf):
                yield memoryview(self._buf)[self._pos :]
                self._pos = len(self._buf)
            if not self._fill():
                return


def _number(field: bytes) -> int:
    if field and field[0] & 0x80:  # GNU base-256: big-endian, top bit marks the encoding
        value = int.from_bytes(field, "big") & ~(0x80 << (8 * (len(field) - 1)))
        if field[0] & 0x40:  # negative (0xff prefix)
            value -= 1 << (8 * len(field) - 1)
        return value
    text = field.split(b"\0", 1)[0].strip(b" ")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError as exc:
        raise IntegrityError(f"invalid number {field!r} in tar header") from exc


def _string(field: bytes) -> str:
    return field.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _check_sum(block: bytes) -> None:
    stored = _number(block[148:156])
    unsigned = sum(block) - sum(block[148:156]) + 8 * 32
    if stored == unsigned:
        return
    signed = (
        unsigned
        - 2 * sum(b for b in block if b > 127)
        + 2 * sum(b for b in block[148:156] if b > 127)
    )
    if stored != signed:
        raise IntegrityError("tar header checksum mismatch (not a tar stream?)")


def _pax_time_ns(value: str) -> int:
    sign = -1 if value.startswith("-") else 1
    whole, _, frac = value.lstrip("-").partition(".")
    frac = (frac + "000000000")[:9]
    try:
        return sign * (int(whole or "0") * 1_000_000_000 + int(frac))
    except ValueError as exc:
        raise IntegrityError(f"invalid pax time {value!r}") from exc


def parse_pax(data: bytes) -> dict[str, bytes]:
    """Records are "LEN KEY=VALUE\\n" where LEN counts the whole record."""
    out: dict[str, bytes] = {}
    pos = 0
    while pos < len(data):
        if data[pos] == 0:  # NUL padding some writers leave at the end
            break
        space = data.find(b" ", pos)
        if space < 0:
            raise IntegrityError("malformed pax header")
        try:
            length = int(data[pos:space])
        except ValueError as exc:
            raise IntegrityError("malformed pax header length") from exc
        record = data[space + 1 : pos + length]
        if length <= 0 or not record.endswith(b"\n"):
            raise IntegrityError("malformed pax record")
        key, sep, value = record[:-1].partition(b"=")
        if not sep:
            raise IntegrityError("malformed pax record")
        out[key.decode("utf-8", "surrogateescape")] = value
        pos += length
    return out


def _apply_pax(entry: TarEntry, pax: dict[str, bytes]) -> None:
    for key, raw in pax.items():
        if key.startswith("SCHILY.xattr."):
            entry.xattrs[key[13:]] = raw
            continue
        if key.startswith("GNU.sparse."):
            raise UnsafeArchive(f"{entry.name}: sparse files are not supported in layers")
        value = raw.decode("utf-8", "surrogateescape")
        if key == "path":
            entry.name = value
        elif key == "linkpath":
            entry.linkname = value
        elif key == "size":
            entry.size = int(value)
        elif key == "uid":
            entry.uid = int(value)
        elif key == "gid":
            entry.gid = int(value)
        elif key == "uname":
            entry.uname = value
        elif key == "gname":
            entry.gname = value
        elif key == "mtime":
            entry.mtime_ns = _pax_time_ns(value)
        elif key == "atime":
            entry.atime_ns = _pax_time_ns(value)


class TarReader:
    """Iterate entries; for each regular file either copy_payload() it to a file descriptor
    or leave it (it is then read as raw bytes before the next header)."""

    def __init__(self, stream: BinaryIO, sink: RawSink | None = None) -> None:
        self._in = _Input(stream)
        self._sink = sink
        self._pending = 0  # payload bytes of the current entry not consumed yet
        self._padding = 0
        self._global_pax: dict[str, bytes] = {}

    @property
    def digest(self) -> str:
        """sha256 of everything read so far ("sha256:..."); final once iteration ends."""
        return "sha256:" + self._in.hash.hexdigest()

    @property
    def size(self) -> int:
        return self._in.size

    def _raw(self, data: bytes | memoryview) -> None:
        if self._sink is not None:
            self._sink.raw(data)

    def _finish_payload(self) -> None:
        if self._pending:
            for piece in self._in.chunks(self._pending):
                self._raw(piece)
            self._pending = 0
        if self._padding:
            for piece in self._in.chunks(self._padding):
                self._raw(piece)
            self._padding = 0

    def _read_data(self, size: int) -> bytes:
        """The payload of a metadata record (pax, long name), kept as raw bytes too."""
        data = b"".join(bytes(p) for p in self._in.chunks(size))
        self._raw(data)
        pad = -size % BLOCK
        if pad:
            for piece in self._in.chunks(pad):
                self._raw(piece)
        return data

    def copy_payload(self, fd: int, path: str) -> None:
        """Write the current regular file's payload to fd; the sink records it as (path, size)."""
        size = self._pending
        write = os.write
        for piece in self._in.chunks(size):
            while piece:
                piece = piece[write(fd, piece) :]
        self._pending = 0
        if self._sink is not None and size:
            self._sink.payload(path, size)

    def read_payload(self) -> bytes:
        data = b"".join(bytes(p) for p in self._in.chunks(self._pending))
        self._raw(data)
        self._pending = 0
        return data

    def __iter__(self) -> Iterator[TarEntry]:
        while True:
            self._finish_payload()
            entry = self._next_entry()
            if entry is None:
                for piece in self._in.rest():  # end blocks and whatever follows them
                    self._raw(piece)
                return
            yield entry

    def _next_entry(self) -> TarEntry | None:
        pax: dict[str, bytes] = {}
        long_name: str | None = None
        long_link: str | None = None
        while True:
            block = self._in.read_block()
            if block is None:
                return None
            self._raw(block)
            if block == _ZERO_BLOCK:
                return None
            _check_sum(block)
            kind = chr(block[156]) if block[156] else "\0"
            size = _number(block[124:136])
            if kind == "x":
                pax.update(parse_pax(self._read_data(size)))
            elif kind == "g":
                self._global_pax.update(parse_pax(self._read_data(size)))
            elif kind == "L":
                long_name = _string(self._read_data(size))
            elif kind == "K":
                long_link = _string(self._read_data(size))
            elif kind == "S":
                raise UnsafeArchive(
                    f"{_string(block[0:100])}: sparse files are not supported in layers"
                )
            elif kind == "V":  # GNU volume label: no file
                self._read_data(size)
                pax.clear()
            else:
                return self._build(block, kind, size, pax, long_name, long_link)

    def _build(
        self,
        block: bytes,
        kind: str,
        size: int,
        pax: dict[str, bytes],
        long_name: str | None,
        long_link: str | None,
    ) -> TarEntry:
        entry = TarEntry()
        name = _string(block[0:100])
        magic = block[257:265]
        if magic == _GNU_MAGIC:
            atime = _number(block[345:357])
            if atime:
                entry.atime_ns = atime * 1_000_000_000
        elif magic[:5] == b"ustar" and block[345]:
            name = _string(block[345:500]) + "/" + name
        entry.name = long_name if long_name is not None else name
        entry.linkname = long_link if long_link is not None else _string(block[157:257])
        entry.mode = _number(block[100:108]) & 0o7777
        entry.uid = _number(block[108:116])
        entry.gid = _number(block[116:124])
        entry.size = size
        entry.mtime_ns = _number(block[136:148]) * 1_000_000_000
        entry.uname = _string(block[265:297])
        entry.gname = _string(block[297:329])
        if kind in ("3", "4"):
            entry.devmajor = _number(block[329:337])
            entry.devminor = _number(block[337:345])
        if self._global_pax:
            _apply_pax(entry, self._global_pax)
        if pax:
            _apply_pax(entry, pax)
        if kind in _REGULAR_TYPES:
            # old V7 archives mark directories with a trailing slash on a regular entry
            kind = DIRECTORY if kind == "\0" and entry.name.endswith("/") else REGULAR
        entry.type = kind
        # only regular files (and unknown types, read as data) carry a payload
        has_payload = kind == REGULAR or kind not in "123456"
        self._pending = entry.size if has_payload else 0
        self._padding = -self._pending % BLOCK
        if not has_payload:
            entry.size = 0
        return entry
