"""Table tests for the reference grammar, driven by tests/unit/data/references.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pypod.errors import InvalidReference
from pypod.image import reference

DATA = json.loads((Path(__file__).parent / "data" / "references.json").read_text())


@pytest.mark.parametrize(
    ("text", "domain", "path", "tag", "digest", "norm", "familiar"), DATA["valid"]
)
def test_valid(text, domain, path, tag, digest, norm, familiar):
    ref = reference.parse(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (domain, path, tag, digest)
    assert str(ref) == text
    full = reference.parse_normalized(text)
    assert str(full.with_default_tag()) == norm == reference.normalize(text)
    assert full.familiar_name == familiar
    assert reference.is_short_name(text) == (domain == "")


@pytest.mark.parametrize(("text", "message"), DATA["invalid"])
def test_invalid(text, message):
    with pytest.raises(InvalidReference) as info:
        reference.parse(text)
    assert info.value.message == message
    with pytest.raises(InvalidReference):
        reference.parse_normalized(text)


def test_normalized_rejects_a_full_id_as_a_name():
    with pytest.raises(InvalidReference, match="64-byte hexadecimal"):
        reference.parse_normalized("f" * 64)


def test_default_tag_and_helpers():
    ref = reference.parse_normalized("busybox")
    assert ref.name == "docker.io/library/busybox"
    assert str(ref) == "docker.io/library/busybox"
    assert str(ref.with_default_tag()) == "docker.io/library/busybox:latest"
    digested = ref.with_digest("sha256:" + "b" * 64)
    assert digested.with_default_tag() is digested
    assert digested.familiar_string() == "busybox@sha256:" + "b" * 64
    assert str(ref.with_tag("1").bare()) == "docker.io/library/busybox"
    with pytest.raises(InvalidReference):
        ref.with_tag("-bad")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("abc", True), ("sha256:" + "a" * 64, True), ("a" * 64, True), ("ab", False),
     ("a" * 65, False), ("xyz123", False), ("ABC", False)],
)  # fmt: skip
def test_looks_like_id(text, expected):
    assert reference.looks_like_id(text) is expected


def test_is_full_id():
    assert reference.is_full_id("c" * 64)
    assert reference.is_full_id("sha256:" + "c" * 64)
    assert not reference.is_full_id("c" * 12)
