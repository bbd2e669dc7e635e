"""Blob stream stages: compression detection, (de)compression and digest verification.

Every stage is a small read-only file-like object (``read(n)``, ``close()``), so the copy
pipeline stacks them: source -> DigestingReader -> decompress/compress -> destination.

gzip level: Podman compresses with pgzip at level 6 on many cores. Python's zlib runs one core
per layer (it releases the GIL, so parallel layers still use several); level 1 is about 2-3x
faster than 6 for ~10% larger output on typical layers. Pushing is CPU-bound against a local
registry, so DEFAULT_GZIP_LEVEL favours speed; callers may pass a level (--compression-level).
zstd uses the zstandard package at its default level 3, fast and as small as gzip -6.
zstd:chunked layers are ordinary zstd frames plus skippable frames, so they read as zstd.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

from pypod.errors import IntegrityError, InvalidArgument
from pypod.log import get_logger

log = get_logger(__name__)

try:  # ISA-L inflates about twice as fast as zlib; layer decompression is on the pull's hot path
    from isal import isal_zlib as _inflate_lib
except ImportError:  # pragma: no cover - isal is a declared dependency
    _inflate_lib = zlib  # type: ignore[assignment]

_INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, _inflate_lib.error)

DEFAULT_GZIP_LEVEL = 1
DEFAULT_ZSTD_LEVEL = 3
_CHUNK = 1 << 20

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"


def detect(prefix: bytes) -> str:
    """ "gzip" | "zstd" | "bzip2" | "xz" | "none" from a blob's first bytes."""
    if prefix.startswith(GZIP_MAGIC):
        return "gzip"
    if prefix.startswith(ZSTD_MAGIC):
        return "zstd"
    if prefix.startswith(BZIP2_MAGIC):
        return "bzip2"
    if prefix.startswith(XZ_MAGIC):
        return "xz"
    return "none"


class ChunkReader(io.RawIOBase):
    """A minimal readable stream; subclasses implement _fill() returning the next bytes."""

    def __init__(self, inner: BinaryIO | None) -> None:
        super().__init__()
        self._inner = inner
        self._buf = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> bytes:  # b"" at EOF
        raise NotImplementedError

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = [self._buf]
            self._buf = b""
            while not self._eof:
                chunk = self._fill()
                if not chunk:
                    self._eof = True
                parts.append(chunk)
            return b"".join(parts)
        if not self._buf and not self._eof:
            # the common case: hand the next chunk over as is, without copying it twice
            chunk = self._fill()
            if not chunk:
                self._eof = True
                return b""
            if len(chunk) <= n:
                return chunk
            self._buf = chunk
        while len(self._buf) < n and not self._eof:
            chunk = self._fill()
            if chunk:
                self._buf += chunk
            else:
                self._eof = True
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if self._inner is not None and not self.closed:
            self._inner.close()
        super().close()


class PeekReader(ChunkReader):
    """Lets a caller look at the first bytes of a stream without consuming them."""

    def __init__(self, inner: BinaryIO) -> None:
        super().__init__(inner)

    def peek(self, n: int = 8) -> bytes:
        while len(self._buf) < n and not self._eof:
            chunk = self._inner.read(n - len(self._buf))  # type: ignore[union-attr]
            if not chunk:
                break
            self._buf += chunk
        return self._buf[:n]

    def _fill(self) -> bytes:
        return self._inner.read(_CHUNK)  # type: ignore[union-attr]


def detect_stream(stream: BinaryIO) -> tuple[str, PeekReader]:
    """The stream's compression and a stream that still yields every byte."""
    peek = stream if isinstance(stream, PeekReader) else PeekReader(stream)
    return detect(peek.peek(8)), peek


class _GzipDecompressor(ChunkReader):
    def __init__(self, inner: BinaryIO) -> None:
        super().__init__(inner)
        self._d = _inflate_lib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""
        self._in_member = False

    def _fill(self) -> bytes:
        while True:
            if self._d.unconsumed_tail:
                data = self._d.unconsumed_tail
            elif self._pending:
                data, self._pending = self._pending, b""
            else:
                data = self._inner.read(_CHUNK)  # type: ignore[union-attr]
                if not data:
                    if self._in_member:
                        raise IntegrityError("unexpected end of gzip stream")
                    return b""
            if not self._in_member and not data.strip(b"\0"):
                continue  # zero padding after the last member
            self._in_member = True
            try:
                out = self._d.decompress(data, _CHUNK)
            except _INFLATE_ERRORS as exc:
                raise IntegrityError(f"invalid gzip stream: {exc}") from exc
            if self._d.eof:
                # Concatenated gzip members are one stream (pigz and some layer writers).
                self._pending = self._d.unused_data
                self._d = _inflate_lib.decompressobj(16 + zlib.MAX_WBITS)
                self._in_member = False
            if out:
                return out


class _GzipCompressor(ChunkReader):
    def __init__(self, inner: BinaryIO, level: int) -> None:
        super().__init__(inner)
        self._c = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        self._done = False

    def _fill(self) -> bytes:
        while not self._done:
            data = self._inner.read(_CHUNK)  # type: ignore[union-attr]
            if not data:
                self._done = True
                return self._c.flush()
            out = self._c.compress(data)
            if out:
                return out
        return b""


def decompressed(stream: BinaryIO, algorithm: str | None = None) -> BinaryIO:
    """A plain stream of a possibly compressed one; detects the algorithm when not given."""
    if algorithm is None:
        algorithm, stream = detect_stream(stream)
    if algorithm == "none":
        return stream
    if algorithm == "gzip":
        return _GzipDecompressor(stream)  # type: ignore[return-value]
    if algorithm == "zstd":
        import zstandard

        dctx = zstandard.ZstdDecompressor()
        return dctx.stream_reader(stream, read_across_frames=True, closefd=True)  # type: ignore[return-value]
    if algorithm == "bzip2":
        import bz2

        return bz2.BZ2File(stream)  # type: ignore[return-value]
    if algorithm == "xz":
        import lzma

        return lzma.LZMAFile(stream)  # type: ignore[return-value]
    raise InvalidArgument(f"unsupported compression {algorithm!r}")


def compressed(stream: BinaryIO, algorithm: str, level: int | None = None) -> BinaryIO:
    """A compressed stream of a plain one ("gzip" or "zstd"/"zstd:chunked")."""
    if algorithm == "gzip":
        return _GzipCompressor(stream, DEFAULT_GZIP_LEVEL if level is None else level)  # type: ignore[return-value]
    if algorithm in ("zstd", "zstd:chunked"):
        import zstandard

        cctx = zstandard.ZstdCompressor(level=DEFAULT_ZSTD_LEVEL if level is None else level)
        return cctx.stream_reader(stream, closefd=True)  # type: ignore[return-value]
    raise InvalidArgument(f"unsupported compression format {algorithm!r} (use gzip or zstd)")


class DigestingReader(ChunkReader):
    """Hashes what passes through; at EOF checks the digest and the size when they are known.

    expected_digest "" only computes (see .digest). on_bytes(total_so_far) is called as bytes
    flow, for progress reporting.
    """

    def __init__(
        self,
        inner: BinaryIO,
        expected_digest: str = "",
        expected_size: int = -1,
        *,
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(inner)
        algo = expected_digest.split(":", 1)[0] if expected_digest else "sha256"
        if algo not in ("sha256", "sha512"):
            raise IntegrityError(f"unsupported digest algorithm {algo!r} in {expected_digest!r}")
        self._algo = algo
        self._hash = hashlib.new(algo)
        self._expected = expected_digest
        self._expected_size = expected_size
        self._on_bytes = on_bytes
        self.size = 0
        self._checked = False

    @property
    def digest(self) -> str:
        return f"{self._algo}:{self._hash.hexdigest()}"

    def _fill(self) -> bytes:
        data = self._inner.read(_CHUNK)  # type: ignore[union-attr]
        if data:
            self.size += len(data)
            self._hash.update(data)
            if self._expected_size >= 0 and self.size > self._expected_size:
                raise IntegrityError(
                    f"blob {self._expected or ''} is larger than the expected"
                    f" {self._expected_size} bytes"
                )
            if self._on_bytes is not None:
                self._on_bytes(self.size)
            return data
        self._verify()
        return b""

    def _verify(self) -> None:
        if self._checked:
            return
        self._checked = True
        if self._expected_size >= 0 and self.size != self._expected_size:
            raise IntegrityError(
                f"blob {self._expected}: truncated: got {self.size} of {self._expected_size} bytes"
            )
        if self._expected and self.digest != self._expected:
            raise IntegrityError(
                f"Digest did not match, expected {self._expected}, got {self.digest}"
            )

    def drain(self) -> None:
        """Read to EOF (verifying) and discard."""
        while self.read(_CHUNK):
            pass
