"""copy_image between a real registry and the file transports, and back."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pypod.image import manifest as mf
from pypod.image import transports
from pypod.image.copy import copy_image, inspect_raw, inspect_remote
from pypod.image.registry import RegistryClient
from pypod.image.transports.docker_archive import ArchiveWriter, list_images
from pypod.image.types import ProgressEvent, SystemContext
from tests.fixtures import ocibuild as ob
from tests.fixtures.registry import Registry

CTX = SystemContext(tls_verify=False)


def _push(reg: Registry, img: ob.Built, tag: str = "v1") -> str:
    repo = reg.repo()
    ob.push_image(RegistryClient(reg.host, insecure=True), repo, tag, img)
    return f"docker://{reg.host}/{repo}:{tag}"


def _layer_tars(reg: Registry, ref: str, tmp: Path) -> list[bytes]:
    """The uncompressed layers of an image, via a docker-archive copy."""
    out = tmp / f"check-{len(os.listdir(tmp))}.tar"
    copy_image(transports.parse(ref), transports.parse(f"docker-archive:{out}"), CTX)
    from pypod.image.transports.docker_archive import _Archive

    a = _Archive(str(out))
    try:
        return [a.read(name) for name in a.items[0]["Layers"]]
    finally:
        a.close()


@pytest.mark.parametrize("via", ["oci", "dir", "oci-archive", "docker-archive"])
def test_registry_round_trip(registry: Registry, tmp_path: Path, via: str) -> None:
    img = ob.build_image(ob.sample_layers(3, big=2 << 20), compression=["gzip", "none", "zstd"])
    src = _push(registry, img)
    local = {
        "oci": f"oci:{tmp_path}/layout:v1",
        "dir": f"dir:{tmp_path}/dir",
        "oci-archive": f"oci-archive:{tmp_path}/img.tar:v1",
        "docker-archive": f"docker-archive:{tmp_path}/save.tar:localhost/x:v1",
    }[via]
    down = copy_image(transports.parse(src), transports.parse(local), CTX)
    back_ref = f"docker://{registry.host}/{registry.repo()}:back"
    up = copy_image(transports.parse(local), transports.parse(back_ref), CTX)
    assert down.config_digest == up.config_digest == img.config_digest
    if via in ("oci", "dir", "oci-archive"):
        # Nothing needed changing on the way down: the very same manifest, byte for byte. On
        # the way up only the uncompressed layer changes: registries get compressed layers.
        assert down.manifest == img.manifest
        m = mf.parse_manifest(up.manifest, up.media_type)
        assert [m.layers[0].digest, m.layers[2].digest] == img.layer_digests[::2]
        assert m.layers[1].media_type == mf.OCI_LAYER_GZIP
    else:
        assert down.media_type == mf.DOCKER_MANIFEST
        m = mf.parse_manifest(up.manifest, up.media_type)
        assert all(layer.media_type == mf.DOCKER_LAYER_GZIP for layer in m.layers)
    assert _layer_tars(registry, back_ref, tmp_path) == img.tars


def test_push_compresses_uncompressed_layers(registry: Registry, tmp_path: Path) -> None:
    img = ob.build_image(ob.sample_layers(2), compression="none")
    ob.write_oci_layout(str(tmp_path / "lay"), img, "v1")
    for algo, expected in (("gzip", mf.OCI_LAYER_GZIP), ("zstd", mf.OCI_LAYER_ZSTD)):
        dst = f"docker://{registry.host}/{registry.repo()}:{algo}"
        res = copy_image(
            transports.parse(f"oci:{tmp_path}/lay:v1"),
            transports.parse(dst),
            CTX,
            dest_compression=algo,
        )
        m = mf.parse_manifest(res.manifest, res.media_type)
        assert [layer.media_type for layer in m.layers] == [expected, expected]
        assert res.manifest_digest != img.digest
        assert _layer_tars(registry, dst, tmp_path) == img.tars


def test_progress_events(registry: Registry, tmp_path: Path) -> None:
    img = ob.build_image(ob.sample_layers(2))
    events: list[ProgressEvent] = []
    ctx = SystemContext(tls_verify=False, progress=events.append)
    copy_image(transports.parse(_push(registry, img)), transports.parse(f"dir:{tmp_path}/d"), ctx)
    kinds = {e.kind for e in events}
    assert {"config", "start", "done", "manifest"} <= kinds
    assert {e.digest for e in events if e.kind == "done"} == set(img.layer_digests)


def test_manifest_list_single_and_all(registry: Registry, tmp_path: Path) -> None:
    _, host_arch, host_variant = mf.host_platform()
    mine = ob.build_image(ob.sample_layers(1), arch=host_arch, variant=host_variant)
    other = ob.build_image(ob.sample_layers(2), arch="s390x")
    repo = registry.repo()
    client = RegistryClient(registry.host, insecure=True)
    list_digest = ob.push_index(client, repo, "multi", [other, mine])
    src = transports.parse(f"docker://{registry.host}/{repo}:multi")

    one = copy_image(src, transports.parse(f"oci:{tmp_path}/one:x"), CTX)
    assert one.manifest_digest == mine.digest

    s390 = copy_image(
        src, transports.parse(f"dir:{tmp_path}/s390"), SystemContext(tls_verify=False, arch="s390x")
    )
    assert s390.manifest_digest == other.digest

    every = copy_image(src, transports.parse(f"oci:{tmp_path}/all:x"), CTX, all_instances=True)
    assert every.manifest_digest == list_digest and every.media_type == mf.OCI_INDEX
    back = copy_image(
        transports.parse(f"oci:{tmp_path}/all:x"),
        transports.parse(f"docker://{registry.host}/{registry.repo()}:again"),
        CTX,
        all_instances=True,
    )
    assert back.manifest_digest == list_digest

    info = inspect_remote(src, CTX)
    assert info["Digest"] == list_digest and info["Architecture"] == host_arch
    assert info["RepoTags"] == ["multi"] and info["Layers"] == mine.layer_digests
    assert json.loads(inspect_raw(src, CTX))["mediaType"] == mf.OCI_INDEX


def test_docker_archive_multi_image_and_compressed_read(registry: Registry, tmp_path: Path) -> None:
    a = ob.build_image(ob.sample_layers(2))
    b = ob.build_image(ob.sample_layers(3))
    out = tmp_path / "multi.tar"
    writer = ArchiveWriter(str(out))
    copy_image(transports.parse(_push(registry, a)), writer.reference(["localhost/a:1"]), CTX)
    copy_image(
        transports.parse(_push(registry, b)), writer.reference(["b:2", "localhost/b:3"]), CTX
    )
    writer.close()
    assert list_images(str(out)) == [
        ["localhost/a:1"],
        ["docker.io/library/b:2", "localhost/b:3"],
    ]
    import gzip

    gz = tmp_path / "multi.tar.gz"
    gz.write_bytes(gzip.compress(out.read_bytes(), compresslevel=1))
    res = copy_image(
        transports.parse(f"docker-archive:{gz}:localhost/b:3"),
        transports.parse(f"oci:{tmp_path}/b:b"),
        CTX,
    )
    assert res.config_digest == b.config_digest
    res = copy_image(
        transports.parse(f"docker-archive:{out}:@0"), transports.parse(f"dir:{tmp_path}/a"), CTX
    )
    assert res.config_digest == a.config_digest
