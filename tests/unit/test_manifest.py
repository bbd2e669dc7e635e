"""Manifest parsing, platform choice and format conversion (pure logic)."""

from __future__ import annotations

import json

import pytest

from pypod.errors import IntegrityError, InvalidArgument, NotFound
from pypod.image import manifest as mf
from tests.fixtures import ocibuild as ob


def _index(*platforms: tuple[str, str, str], fmt: str = "oci") -> mf.Index:
    entries = []
    for i, (os_, arch, variant) in enumerate(platforms):
        p = {"os": os_, "architecture": arch}
        if variant:
            p["variant"] = variant
        entries.append(
            {"mediaType": mf.OCI_MANIFEST, "digest": f"sha256:{i:064x}", "size": 1, "platform": p}
        )
    mt = mf.OCI_INDEX if fmt == "oci" else mf.DOCKER_LIST
    return mf.parse_index(
        json.dumps({"schemaVersion": 2, "mediaType": mt, "manifests": entries}).encode()
    )


def test_parse_oci_manifest_and_digest() -> None:
    img = ob.build_image(ob.sample_layers(2), compression=["gzip", "zstd"])
    m = mf.parse_manifest(img.manifest)
    assert m.media_type == mf.OCI_MANIFEST
    assert m.config.digest == img.config_digest
    assert [layer.digest for layer in m.layers] == img.layer_digests
    assert mf.layer_compression(m.layers[1].media_type) == "zstd"
    assert mf.manifest_digest(img.manifest) == img.digest


def test_guess_media_type_without_field() -> None:
    doc = {"schemaVersion": 2, "config": {"digest": "sha256:" + "a" * 64, "size": 1}, "layers": []}
    assert mf.guess_media_type(json.dumps(doc).encode()) == mf.OCI_MANIFEST
    assert mf.guess_media_type(b'{"schemaVersion":2,"manifests":[]}') == mf.OCI_INDEX


def test_schema1_is_rejected_clearly() -> None:
    raw = json.dumps({"schemaVersion": 1, "name": "x", "fsLayers": [], "signatures": []}).encode()
    with pytest.raises(InvalidArgument, match="schema1"):
        mf.parse_manifest(raw)


def test_unknown_media_type_is_rejected() -> None:
    with pytest.raises(InvalidArgument, match="unsupported manifest MIME type"):
        mf.parse_manifest(b'{"schemaVersion":2,"layers":[]}', "application/x-weird")


def test_invalid_json() -> None:
    with pytest.raises(IntegrityError):
        mf.parse_manifest(b"not json", mf.OCI_MANIFEST)


@pytest.mark.parametrize(
    ("want", "expected"),
    [
        (("linux", "amd64", ""), 0),
        (("linux", "x86_64", ""), 0),
        (("linux", "arm64", ""), 1),  # "" in the list matches the default v8
        (("linux", "aarch64", "v8"), 1),
        (("linux", "arm", ""), 3),  # arm defaults to v7, preferred over v6
        (("linux", "arm", "v6"), 2),
    ],
)
def test_choose_instance(want: tuple[str, str, str], expected: int) -> None:
    idx = _index(
        ("linux", "amd64", ""),
        ("linux", "arm64", ""),
        ("linux", "arm", "v6"),
        ("linux", "arm", "v7"),
    )
    assert mf.choose_instance(idx, *want).digest == f"sha256:{expected:064x}"


def test_choose_instance_arm_v7_falls_back_to_v6() -> None:
    idx = _index(("linux", "arm", "v6"), ("linux", "amd64", ""))
    assert mf.choose_instance(idx, "linux", "arm", "v7").digest == f"sha256:{0:064x}"


def test_choose_instance_missing_platform_message() -> None:
    idx = _index(("linux", "amd64", ""), fmt="docker")
    with pytest.raises(NotFound) as info:
        mf.choose_instance(idx, "linux", "s390x", "")
    assert "no image found in manifest list for architecture s390x" in str(info.value)
    assert "OS linux" in str(info.value)


def test_host_platform_uses_go_names() -> None:
    os_, arch, _ = mf.host_platform()
    assert os_ == "linux"
    assert arch in {"amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64"}


def test_convert_oci_to_docker_and_back() -> None:
    img = ob.build_image(ob.sample_layers(2), compression=["gzip", "none"])
    m = mf.parse_manifest(img.manifest)
    d = mf.convert_manifest(m, mf.DOCKER_MANIFEST)
    assert d.config.media_type == mf.DOCKER_CONFIG
    assert [layer.media_type for layer in d.layers] == [mf.DOCKER_LAYER_GZIP, mf.DOCKER_LAYER]
    back = mf.convert_manifest(d, mf.OCI_MANIFEST)
    assert back.layers == m.layers and back.config == m.config
    reparsed = mf.parse_manifest(d.to_bytes())
    assert reparsed == d


def test_convert_zstd_to_docker_fails() -> None:
    img = ob.build_image(ob.sample_layers(1), compression="zstd")
    with pytest.raises(InvalidArgument, match="zstd"):
        mf.convert_manifest(mf.parse_manifest(img.manifest), mf.DOCKER_MANIFEST)


def test_index_round_trip_and_conversion() -> None:
    a = ob.build_image(ob.sample_layers(1), arch="amd64")
    b = ob.build_image(ob.sample_layers(1), arch="arm64", variant="v8")
    raw, mt = ob.build_index([a, b])
    idx = mf.parse_index(raw, mt)
    assert mf.parse_index(idx.to_bytes()) == idx
    d = mf.convert_index(idx, mf.DOCKER_LIST)
    assert d.media_type == mf.DOCKER_LIST
    assert d.manifests[1].platform == mf.Platform(os="linux", architecture="arm64", variant="v8")
