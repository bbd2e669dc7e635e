"""copy_image failure modes: bad content, missing platforms, unknown types, unreachable hosts.
A failed copy leaves nothing at its destination."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from pypod.errors import (
    IntegrityError,
    InvalidArgument,
    NotFound,
    RegistryUnreachable,
    Unauthorized,
)
from pypod.image import transports
from pypod.image.copy import copy_image
from pypod.image.registry import RegistryClient
from pypod.image.types import SystemContext
from tests.fixtures import ocibuild as ob
from tests.fixtures.registry import Registry

CTX = SystemContext(tls_verify=False)


def _push(reg: Registry, img: ob.Built) -> str:
    repo = reg.repo()
    ob.push_image(RegistryClient(reg.host, insecure=True), repo, "v1", img)
    return f"docker://{reg.host}/{repo}:v1"


def _unique_image() -> ob.Built:
    # Unique content, so tampering with its blobs cannot affect other tests' images.
    return ob.build_image([{"f": os.urandom(64 * 1024)}, {"g": os.urandom(1000)}])


def test_tampered_blob_is_detected(registry: Registry, tmp_path: Path) -> None:
    img = _unique_image()
    src = _push(registry, img)
    path = registry.blob_path(img.layer_digests[0])
    data = bytearray(Path(path).read_bytes())
    data[len(data) // 2] ^= 0xFF
    Path(path).write_bytes(bytes(data))
    dest = tmp_path / "out"
    with pytest.raises(IntegrityError, match="Digest did not match"):
        copy_image(transports.parse(src), transports.parse(f"oci:{dest}:x"), CTX)
    assert not dest.exists()


def test_truncated_blob_is_detected(registry: Registry, tmp_path: Path) -> None:
    img = _unique_image()
    src = _push(registry, img)
    path = registry.blob_path(img.layer_digests[0])
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: len(data) // 3])
    with pytest.raises(IntegrityError, match="truncated"):
        copy_image(transports.parse(src), transports.parse(f"dir:{tmp_path}/d"), CTX)


def test_missing_platform(registry: Registry, tmp_path: Path) -> None:
    repo = registry.repo()
    imgs = [
        ob.build_image(ob.sample_layers(1), arch="s390x"),
        ob.build_image(ob.sample_layers(1), arch="ppc64le"),
    ]
    ob.push_index(RegistryClient(registry.host, insecure=True), repo, "v1", imgs, fmt="docker")
    dest = tmp_path / "out"
    ctx = SystemContext(tls_verify=False, arch="arm64")
    with pytest.raises(NotFound, match="no image found in manifest list for architecture arm64"):
        copy_image(
            transports.parse(f"docker://{registry.host}/{repo}:v1"),
            transports.parse(f"oci:{dest}:x"),
            ctx,
        )
    assert not dest.exists()


def test_unknown_manifest_media_type(tmp_path: Path) -> None:
    img = ob.build_image(ob.sample_layers(1))
    layout = tmp_path / "lay"
    ob.write_oci_layout(str(layout), img, "v1")
    index = json.loads((layout / "index.json").read_text())
    index["manifests"][0]["mediaType"] = "application/x-not-a-manifest"
    (layout / "index.json").write_text(json.dumps(index))
    with pytest.raises(InvalidArgument, match="unsupported manifest MIME type"):
        copy_image(transports.parse(f"oci:{layout}:v1"), transports.parse(f"dir:{tmp_path}/d"), CTX)
    assert not (tmp_path / "d").exists()


def test_unreachable_registry_writes_nothing(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for dest in (
        f"dir:{tmp_path}/d",
        f"oci-archive:{tmp_path}/a.tar",
        f"docker-archive:{tmp_path}/b.tar",
    ):
        with pytest.raises(RegistryUnreachable, match="connection refused"):
            copy_image(
                transports.parse(f"docker://127.0.0.1:{port}/a/b:1"), transports.parse(dest), CTX
            )
    assert os.listdir(tmp_path) == []


def test_copy_with_credentials(auth_registry: Registry, tmp_path: Path) -> None:
    reg = auth_registry
    repo = reg.repo()
    img = ob.build_image(ob.sample_layers(2))
    ob.write_oci_layout(str(tmp_path / "lay"), img, "v1")
    good = SystemContext(tls_verify=False, creds=f"{reg.username}:{reg.password}")
    res = copy_image(
        transports.parse(f"oci:{tmp_path}/lay:v1"),
        transports.parse(f"docker://{reg.host}/{repo}:v1"),
        good,
    )
    assert res.manifest_digest == img.digest
    bad = SystemContext(tls_verify=False, creds=f"{reg.username}:nope")
    with pytest.raises(Unauthorized):
        copy_image(
            transports.parse(f"docker://{reg.host}/{repo}:v1"),
            transports.parse(f"dir:{tmp_path}/d"),
            bad,
        )
    assert not (tmp_path / "d").exists()


def test_cross_repo_mount_on_push(token_registry: Registry, tmp_path: Path) -> None:
    reg = token_registry
    img = ob.build_image([{"m": os.urandom(4096)}])
    ctx = SystemContext(tls_verify=False, creds=f"{reg.username}:{reg.password}")
    a, b = reg.repo(), reg.repo()
    ob.write_oci_layout(str(tmp_path / "lay"), img, "v1")
    copy_image(
        transports.parse(f"oci:{tmp_path}/lay:v1"),
        transports.parse(f"docker://{reg.host}/{a}:v1"),
        ctx,
    )
    before = len(reg.token_server.requests)  # type: ignore[union-attr]
    copy_image(
        transports.parse(f"docker://{reg.host}/{a}:v1"),
        transports.parse(f"docker://{reg.host}/{b}:v1"),
        ctx,
    )
    asked = [r["scopes"] for r in reg.token_server.requests[before:]]  # type: ignore[union-attr]
    assert [f"repository:{b}:pull,push", f"repository:{a}:pull"] in asked
