"""Blob stream stages (compression, digest verification) and WWW-Authenticate parsing."""

from __future__ import annotations

import gzip
import hashlib
import io
import os

import pytest

from pypod.errors import IntegrityError
from pypod.image import compression as comp
from pypod.image.registry.auth import parse_challenges

DATA = os.urandom(300_000) + b"x" * 3_000_000


def _sha(b: bytes) -> str:
    return "sha256:" + hashlib.sha256(b).hexdigest()


@pytest.mark.parametrize("algo", ["gzip", "zstd"])
def test_compress_detect_decompress_round_trip(algo: str) -> None:
    packed = comp.compressed(io.BytesIO(DATA), algo).read()
    assert comp.detect(packed[:8]) == algo
    found, stream = comp.detect_stream(io.BytesIO(packed))
    assert found == algo
    out = comp.decompressed(stream)
    got = b""
    while chunk := out.read(65536):
        got += chunk
    assert got == DATA


def test_detect_plain_tar() -> None:
    assert comp.detect(b"layer0/\0\0\0") == "none"


def test_multi_member_gzip() -> None:
    packed = gzip.compress(b"abc") + gzip.compress(b"def")
    assert comp.decompressed(io.BytesIO(packed)).read() == b"abcdef"


def test_truncated_gzip_raises() -> None:
    packed = gzip.compress(DATA)
    with pytest.raises(IntegrityError):
        comp.decompressed(io.BytesIO(packed[: len(packed) // 2])).read()


def test_digesting_reader_ok() -> None:
    r = comp.DigestingReader(io.BytesIO(DATA), _sha(DATA), len(DATA))
    assert r.read() == DATA
    assert r.digest == _sha(DATA) and r.size == len(DATA)


def test_digesting_reader_mismatch() -> None:
    r = comp.DigestingReader(io.BytesIO(DATA), _sha(b"other"), len(DATA))
    with pytest.raises(IntegrityError, match="Digest did not match"):
        r.drain()


def test_digesting_reader_truncated() -> None:
    r = comp.DigestingReader(io.BytesIO(DATA[:100]), _sha(DATA), len(DATA))
    with pytest.raises(IntegrityError, match="truncated"):
        r.drain()


def test_digesting_reader_too_long() -> None:
    r = comp.DigestingReader(io.BytesIO(DATA), _sha(DATA[:10]), 10)
    with pytest.raises(IntegrityError, match="larger"):
        r.drain()


def test_parse_bearer_challenge() -> None:
    (ch,) = parse_challenges(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",'
        'scope="repository:a/b:pull,push"'
    )
    assert ch.scheme == "bearer"
    assert ch.params == {
        "realm": "https://auth.example.com/token",
        "service": "registry.example.com",
        "scope": "repository:a/b:pull,push",
    }


def test_parse_basic_and_multiple() -> None:
    chs = parse_challenges('Basic realm="x y", Bearer realm="r"')
    assert [c.scheme for c in chs] == ["basic", "bearer"]
    assert chs[0].params["realm"] == "x y"
