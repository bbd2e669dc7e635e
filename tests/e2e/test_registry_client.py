"""The registry client against a real docker-registry: blobs, manifests, tags, auth, errors."""

from __future__ import annotations

import io
import os
import socket

import pytest

from pypod.errors import ManifestUnknown, RegistryUnreachable, Unauthorized
from pypod.image import manifest as mf
from pypod.image.registry import RegistryClient
from pypod.image.registry.auth import Creds
from tests.fixtures import ocibuild as ob
from tests.fixtures.registry import Registry


def _client(reg: Registry, user: str | None = None, password: str | None = None) -> RegistryClient:
    creds = None
    if user is not None:
        creds = Creds(username=user, password=password or "")
    return RegistryClient(reg.host, insecure=True, credentials=creds)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_blob_upload_chunked_and_fetch(registry: Registry) -> None:
    c = _client(registry)
    repo = registry.repo()
    data = os.urandom(9 << 20)  # more than one 8 MiB chunk: POST, PATCH, PUT
    digest, size = c.upload_blob(repo, io.BytesIO(data), None)
    assert size == len(data) and digest == ob.sha256(data)
    assert c.blob_exists(repo, digest) == len(data)
    stream, n = c.get_blob(repo, digest)
    with stream:
        assert n == len(data) and stream.read() == data
    assert c.blob_exists(repo, ob.sha256(b"nothing")) is None
    c.close()


def test_manifest_put_get_head_and_unknown(registry: Registry) -> None:
    c = _client(registry)
    repo = registry.repo()
    img = ob.build_image(ob.sample_layers(2))
    assert ob.push_image(c, repo, "v1", img) == img.digest
    raw, mt, digest = c.get_manifest(repo, "v1", mf.ACCEPT)
    assert (raw, mt, digest) == (img.manifest, mf.OCI_MANIFEST, img.digest)
    assert c.get_manifest(repo, img.digest, mf.ACCEPT)[0] == img.manifest
    head = c.head_manifest(repo, "v1", mf.ACCEPT)
    assert head == (mf.OCI_MANIFEST, img.digest, len(img.manifest))
    with pytest.raises(ManifestUnknown, match="manifest unknown"):
        c.get_manifest(repo, "nope", mf.ACCEPT)


def test_tags_with_pagination(registry: Registry) -> None:
    c = _client(registry)
    repo = registry.repo()
    img = ob.build_image(ob.sample_layers(1))
    tags = [f"t{i}" for i in range(5)]
    for t in tags:
        ob.push_image(c, repo, t, img)
    assert sorted(c.tags(repo)) == tags
    assert sorted(c.tags(repo, page_size=2)) == tags


def test_unreachable_registry_message() -> None:
    c = RegistryClient(f"127.0.0.1:{_closed_port()}", insecure=True)
    with pytest.raises(RegistryUnreachable) as info:
        c.get_manifest("a/b", "latest", mf.ACCEPT)
    assert "pinging container registry 127.0.0.1:" in str(info.value)
    assert "connection refused" in str(info.value)


def test_plain_http_registry_needs_insecure(registry: Registry) -> None:
    c = RegistryClient(registry.host, insecure=False)  # localhost is not special, as in Podman
    with pytest.raises(RegistryUnreachable, match="HTTP response to HTTPS client"):
        c.tags("a/b")


@pytest.mark.parametrize("kind", ["auth_registry", "token_registry"])
def test_auth_good_bad_and_missing_credentials(kind: str, request: pytest.FixtureRequest) -> None:
    reg: Registry = request.getfixturevalue(kind)
    repo = reg.repo()
    good = _client(reg, reg.username, reg.password)
    good.check_login()
    img = ob.build_image(ob.sample_layers(1))
    ob.push_image(good, repo, "v1", img)
    assert good.get_manifest(repo, "v1", mf.ACCEPT)[2] == img.digest

    bad = _client(reg, reg.username, "wrong")
    with pytest.raises(Unauthorized):
        bad.check_login()
    with pytest.raises(Unauthorized):
        bad.get_manifest(repo, "v1", mf.ACCEPT)

    anonymous = _client(reg)
    with pytest.raises(Unauthorized, match="unauthorized"):
        anonymous.get_manifest(repo, "v1", mf.ACCEPT)


def test_bearer_anonymous_pull_of_public_repo(token_registry: Registry) -> None:
    reg = token_registry
    repo = reg.repo("public")
    img = ob.build_image(ob.sample_layers(1))
    ob.push_image(_client(reg, reg.username, reg.password), repo, "v1", img)
    anon = _client(reg)
    assert anon.get_manifest(repo, "v1", mf.ACCEPT)[2] == img.digest
    with pytest.raises(Unauthorized):
        anon.upload_blob(repo, io.BytesIO(b"x"), None)


def test_cross_repo_mount_asks_for_both_scopes(token_registry: Registry) -> None:
    reg = token_registry
    c = _client(reg, reg.username, reg.password)
    src, dst = reg.repo(), reg.repo()
    digest, _ = c.upload_blob(src, io.BytesIO(b"mount me"), None)
    assert c.mount_blob(dst, digest, src)
    assert c.blob_exists(dst, digest) == len(b"mount me")
    asked = [r["scopes"] for r in reg.token_server.requests]  # type: ignore[union-attr]
    assert [f"repository:{dst}:pull,push", f"repository:{src}:pull"] in asked
    assert not c.mount_blob(reg.repo(), ob.sha256(b"absent"), src)
