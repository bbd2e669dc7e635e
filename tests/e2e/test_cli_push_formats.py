"""push --format / image copy --format (OCI <-> Docker schema2, images and lists) and
`image copy` with per-side registry options (an open source, an htpasswd destination)."""

from __future__ import annotations

import json
import os

from cli_image_helpers import import_image, push_test_image

from pypod.image import manifest as mf
from pypod.image.registry import RegistryClient
from pypod.image.registry.auth import Creds
from tests.fixtures import ocibuild

TLS = "--tls-verify=false"


def _served(reg, repo: str, tag: str) -> tuple[str, dict]:
    """(media type the registry serves, parsed manifest) for repo:tag."""
    creds = Creds(username=reg.username, password=reg.password) if reg.username else None
    client = RegistryClient(reg.host, insecure=True, credentials=creds)
    try:
        raw, mt, _ = client.get_manifest(repo, tag, mf.ACCEPT)
    finally:
        client.close()
    return mt, json.loads(raw)


def _assert_flavor(mt: str, doc: dict, want: str) -> None:
    assert mt == want == doc["mediaType"]
    if want == mf.DOCKER_MANIFEST:
        assert doc["config"]["mediaType"] == mf.DOCKER_CONFIG
        kinds = {layer["mediaType"] for layer in doc["layers"]}
        assert kinds == {"application/vnd.docker.image.rootfs.diff.tar.gzip"}
    else:
        assert doc["config"]["mediaType"] == mf.OCI_CONFIG
        kinds = {layer["mediaType"] for layer in doc["layers"]}
        assert kinds == {"application/vnd.oci.image.layer.v1.tar+gzip"}


def test_push_format(pypod, registry, tmp_path):
    image_id = import_image(pypod, tmp_path, "fmt:1")
    repo = registry.repo()
    dests = {}
    for fmt, want in (("v2s2", mf.DOCKER_MANIFEST), ("oci", mf.OCI_MANIFEST)):
        dests[fmt] = f"{registry.host}/{repo}:{fmt}"
        pypod("push", "-q", TLS, "--format", fmt, "fmt:1", dests[fmt])
        _assert_flavor(*_served(registry, repo, fmt), want)
    # the default keeps the image's own format; both flavors pull back to the same image
    pypod("push", "-q", TLS, "fmt:1", f"{registry.host}/{repo}:default")
    assert _served(registry, repo, "default")[0] in mf.IMAGE_TYPES
    for dest in dests.values():
        out = pypod("pull", "-q", TLS, dest).stdout.strip()
        assert out == image_id
    r = pypod("push", TLS, "--format", "bogus", "fmt:1", dests["oci"], check=False)
    assert r.rc == 125
    assert r.stderr == (
        'Error: unknown format "bogus". Choose one of the supported formats: '
        "'oci', 'v2s1', or 'v2s2'\n"
    )
    r = pypod("push", TLS, "--format", "v2s1", "fmt:1", dests["oci"], check=False)
    assert r.rc == 125 and "not supported" in r.stderr


def test_image_copy_format_images_and_lists(pypod, registry):
    repo = registry.repo()
    img = push_test_image(registry, repo, "oci")  # an OCI image
    src = f"docker://{registry.host}/{repo}"
    flags = ("-q", "--src-tls-verify=false", "--dest-tls-verify=false")
    pypod("image", "copy", *flags, "--format", "v2s2", f"{src}:oci", f"{src}:docker")
    mt, doc = _served(registry, repo, "docker")
    _assert_flavor(mt, doc, mf.DOCKER_MANIFEST)
    # the blobs are the same, only their descriptors changed
    assert [layer["digest"] for layer in doc["layers"]] == img.layer_digests
    pypod("image", "copy", *flags, "--format", "oci", f"{src}:docker", f"{src}:back")
    mt, doc = _served(registry, repo, "back")
    _assert_flavor(mt, doc, mf.OCI_MANIFEST)
    # a whole OCI index becomes a Docker manifest list of schema2 images
    images = [
        ocibuild.build_image([{"f": os.urandom(16)}], arch=arch) for arch in ("amd64", "arm64")
    ]
    client = RegistryClient(registry.host, insecure=True)
    try:
        ocibuild.push_index(client, repo, "list", images)
    finally:
        client.close()
    pypod("image", "copy", *flags, "--all", "--format", "v2s2", f"{src}:list", f"{src}:dlist")
    mt, doc = _served(registry, repo, "dlist")
    assert mt == mf.DOCKER_LIST == doc["mediaType"]
    assert {m["mediaType"] for m in doc["manifests"]} == {mf.DOCKER_MANIFEST}
    for entry in doc["manifests"]:
        mt, inner = _served(registry, repo, entry["digest"])
        _assert_flavor(mt, inner, mf.DOCKER_MANIFEST)


def test_image_copy_dest_creds(pypod, registry, auth_registry):
    repo = registry.repo()
    img = push_test_image(registry, repo, "v1")
    src = f"docker://{registry.host}/{repo}:v1"
    dst_repo = auth_registry.repo()
    dst = f"docker://{auth_registry.host}/{dst_repo}:v1"
    tls = ("--src-tls-verify=false", "--dest-tls-verify=false")
    # wrong credentials for the destination: 125 and nothing written there
    r = pypod("image", "copy", *tls, "--dest-creds", "testuser:wrong", src, dst, check=False)
    assert r.rc == 125
    assert r.stderr.splitlines()[-1].startswith("Error: ")
    assert "initializing source" not in r.stderr  # the source was fine
    assert "unauthorized" in r.stderr
    for digest in img.layer_digests:
        assert not os.path.exists(auth_registry.blob_path(digest))
    # --src-creds does not leak to the destination either
    creds = f"{auth_registry.username}:{auth_registry.password}"
    r = pypod("image", "copy", *tls, "--src-creds", creds, src, dst, check=False)
    assert r.rc == 125
    # the right ones: the image arrives unchanged
    pypod("image", "copy", "-q", *tls, "--dest-creds", creds, src, dst)
    mt, doc = _served(auth_registry, dst_repo, "v1")
    assert mt == img.media_type
    assert [layer["digest"] for layer in doc["layers"]] == img.layer_digests


def test_copy_format_v2s2_refuses_zstd_layers(pypod, registry):
    repo = registry.repo()
    img = ocibuild.build_image([{"f": os.urandom(16)}], compression="zstd")
    client = RegistryClient(registry.host, insecure=True)
    try:
        ocibuild.push_image(client, repo, "z", img)
    finally:
        client.close()
    src = f"docker://{registry.host}/{repo}"
    flags = ("--src-tls-verify=false", "--dest-tls-verify=false", "--format", "v2s2")
    r = pypod("image", "copy", *flags, f"{src}:z", f"{src}:d", check=False)
    assert r.rc == 125 and "cannot convert zstd-compressed layer" in r.stderr
    r = pypod("image", "inspect", "--tls-verify=false", f"{src}:d", check=False)
    assert r.rc == 125
