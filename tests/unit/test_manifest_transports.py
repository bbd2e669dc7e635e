"""Transport name parsing (the string forms Podman and skopeo accept)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pypod.errors import InvalidReference
from pypod.image import transports


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("docker://busybox", "docker://docker.io/library/busybox:latest"),
        ("quay.io/a/b:1", "docker://quay.io/a/b:1"),
        ("localhost:5000/x@sha256:" + "a" * 64, "docker://localhost:5000/x@sha256:" + "a" * 64),
        ("oci:/tmp/lay:v1", "oci:/tmp/lay:v1"),
        ("oci:/tmp/lay", "oci:/tmp/lay"),
        ("oci-archive:/tmp/a.tar:quay.io/a/b:1", "oci-archive:/tmp/a.tar:quay.io/a/b:1"),
        ("dir:/tmp/d", "dir:/tmp/d"),
        (
            "docker-archive:/tmp/s.tar:busybox",
            "docker-archive:/tmp/s.tar:docker.io/library/busybox:latest",
        ),
        ("docker-archive:/tmp/s.tar:@2", "docker-archive:/tmp/s.tar:@2"),
    ],
)
def test_parse(name: str, expected: str) -> None:
    assert str(transports.parse(name)) == expected


def test_default_transport_none_and_unknown() -> None:
    with pytest.raises(InvalidReference):
        transports.parse("/tmp/x.tar", default_transport=None)
    with pytest.raises(InvalidReference):
        transports.get_transport("nope")


def test_no_network_modules_on_import() -> None:
    code = (
        "import sys, pypod.image.transports, pypod.image.transports.docker, pypod.image.copy;"
        "print(sorted(m for m in ('httpx', 'ssl', 'tarfile') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
