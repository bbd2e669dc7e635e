"""Record a layer's tar stream as it is extracted, and replay it byte for byte.

A layer keeps only its extracted files, yet `Store.diff()` (push, save) must return the exact
tar whose digest is the image's diff_id. So while extracting we write a small gzip file of
records: raw segments (headers, padding, anything not stored as a file) and file references
(path inside the layer, size) whose bytes are read back from disk on replay.

Record format (inside gzip): b"R" varint(len) bytes | b"F" varint(len) path varint(size).
A file written twice by one layer (a later entry replaces it) would replay the wrong bytes,
so before such a file is replaced its old content is copied to extra/<n>, n being the index
of its F record; replay prefers extra/<n> when it exists.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
from collections.abc import Iterator
from typing import BinaryIO

from pypod.errors import IntegrityError, StorageError

SPLIT_FILE = "tar-split.gz"
EXTRA_DIR = "extra"
_FLUSH_AT = 1 << 20


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


class SplitWriter:
    """The RawSink of tarstream.TarReader; writes into meta_dir (the layer's metadata dir)."""

    def __init__(self, meta_dir: str) -> None:
        self._dir = meta_dir
        # Records collect in memory and are compressed once at close: thousands of small
        # GzipFile.write calls cost more CPU than the extraction's own bookkeeping.
        self._out = bytearray()
        self._raw = bytearray()
        self._records = 0
        self._last: dict[str, int] = {}  # path -> index of its latest F record

    def raw(self, data: bytes | memoryview) -> None:
        self._raw += data
        if len(self._raw) >= _FLUSH_AT:
            self._flush_raw()

    def _flush_raw(self) -> None:
        if self._raw:
            self._out += b"R" + _varint(len(self._raw))
            self._out += self._raw
            self._raw.clear()

    def payload(self, path: str, size: int) -> None:
        self._flush_raw()
        encoded = path.encode("utf-8", "surrogateescape")
        self._out += b"F" + _varint(len(encoded)) + encoded + _varint(size)
        self._last[path] = self._records
        self._records += 1

    def preserve(self, path: str, abs_path: str) -> None:
        """abs_path (recorded as path) is about to be replaced or removed: keep its bytes."""
        index = self._last.pop(path, None)
        if index is None:
            return
        extra = os.path.join(self._dir, EXTRA_DIR)
        os.makedirs(extra, exist_ok=True)
        shutil.copyfile(abs_path, os.path.join(extra, str(index)), follow_symlinks=False)

    def preserve_tree(self, prefix: str, abs_prefix: str) -> None:
        """A directory is about to be removed: keep every payload recorded under it."""
        start = prefix + "/"
        for path in [p for p in self._last if p.startswith(start)]:
            self.preserve(path, abs_prefix + path[len(prefix) :])

    def close(self) -> None:
        self._flush_raw()
        data = gzip.compress(bytes(self._out), compresslevel=1, mtime=0)
        with open(os.path.join(self._dir, SPLIT_FILE), "wb") as f:
            f.write(data)
        self._out = bytearray()


def _read_varint(src: BinaryIO) -> int:
    shift = value = 0
    while True:
        byte = src.read(1)
        if not byte:
            raise StorageError("tar-split record is truncated")
        value |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return value
        shift += 7


def _file_chunks(path: str, size: int) -> Iterator[bytes]:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        left = size
        while left:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                raise IntegrityError(f"{path}: layer file is shorter than when it was stored")
            left -= len(chunk)
            yield chunk
    finally:
        os.close(fd)


def replay(meta_dir: str, layer_dir: str) -> Iterator[bytes]:
    """The original tar stream, in chunks."""
    extra = os.path.join(meta_dir, EXTRA_DIR)
    has_extra = os.path.isdir(extra)
    try:
        src = gzip.open(os.path.join(meta_dir, SPLIT_FILE), "rb")  # noqa: SIM115 (with below)
    except FileNotFoundError as exc:
        raise StorageError(f"layer has no tar-split data in {meta_dir}") from exc
    index = 0
    with src:
        while kind := src.read(1):
            if kind == b"R":
                size = _read_varint(src)
                while size:
                    chunk = src.read(min(size, 1 << 20))
                    if not chunk:
                        raise StorageError("tar-split raw segment is truncated")
                    size -= len(chunk)
                    yield chunk
            elif kind == b"F":
                path = src.read(_read_varint(src)).decode("utf-8", "surrogateescape")
                size = _read_varint(src)
                kept = os.path.join(extra, str(index))
                if has_extra and os.path.exists(kept):
                    yield from _file_chunks(kept, size)
                else:
                    yield from _file_chunks(os.path.join(layer_dir, path), size)
                index += 1
            else:
                raise StorageError(f"corrupt tar-split data in {meta_dir}")


class ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks; optionally checks a digest at EOF."""

    def __init__(self, chunks: Iterator[bytes], expect_digest: str | None = None) -> None:
        import hashlib

        self._chunks = chunks
        self._left = memoryview(b"")
        self._hash = hashlib.sha256() if expect_digest else None
        self._expect = expect_digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                self._verify()
                return 0
            self._left = memoryview(chunk)
            if self._hash is not None:
                self._hash.update(chunk)
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n

    def _verify(self) -> None:
        if self._hash is not None and self._expect:
            got = "sha256:" + self._hash.hexdigest()
            self._hash = None
            if got != self._expect:
                raise IntegrityError(f"layer replay digest {got} != {self._expect}")

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()
