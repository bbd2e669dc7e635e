"""containers-storage: through the real copy pipeline, from and to a dir: image (root)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os

import pytest

from pypod.image import manifest as mf
from pypod.image.copy import copy_image
from pypod.image.transports import dir as dirt
from pypod.image.transports import storage as st
from pypod.image.types import BlobInfo, SystemContext
from pypod.storage.db import chain_ids
from pypod.storage.store import Store
from tests.e2e.test_storage_store import LAYERS

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write_dir_image(path) -> tuple[bytes, bytes]:
    path.mkdir()
    (path / "version").write_text(dirt.VERSION)
    layers = []
    for data in LAYERS:
        blob = gzip.compress(data, mtime=0)
        (path / sha(blob)[7:]).write_bytes(blob)
        layers.append({"mediaType": mf.OCI_LAYER_GZIP, "digest": sha(blob), "size": len(blob)})
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "2024-05-06T07:08:09Z",
            "rootfs": {"type": "layers", "diff_ids": [sha(d) for d in LAYERS]},
        }
    ).encode()
    (path / sha(config)[7:]).write_bytes(config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mf.OCI_MANIFEST,
            "config": {"mediaType": mf.OCI_CONFIG, "digest": sha(config), "size": len(config)},
            "layers": layers,
        }
    ).encode()
    (path / "manifest.json").write_bytes(manifest)
    return manifest, config


@pytest.mark.parametrize("driver", ["overlay", "vfs"])
def test_pull_into_storage_and_back(tmp_path, driver: str) -> None:
    manifest, config = write_dir_image(tmp_path / "src")
    store = Store.open(str(tmp_path / "g"), str(tmp_path / "r"), driver)
    ctx = SystemContext(store=store)
    try:
        ref = st.parse_reference("localhost/test:1")
        assert ref.name == "localhost/test:1"
        copy_image(dirt.parse_reference(str(tmp_path / "src")), ref, ctx)
        image = store.lookup_image("localhost/test:1")
        assert image.id == sha(config)[7:]
        assert image.digest == sha(manifest)  # the source manifest, byte for byte
        assert store.image_manifest(image.id) == manifest
        assert image.top_layer == chain_ids([sha(d) for d in LAYERS])[-1]
        base = store.layer(chain_ids([sha(LAYERS[0])])[0])
        assert base.compressed_digest == sha(gzip.compress(LAYERS[0], mtime=0))

        # a second pull recognises every layer blob and re-extracts nothing
        dest = st.parse_reference("localhost/test:2").new_destination(ctx)
        dest.put_blob(io.BytesIO(config), BlobInfo(digest=sha(config)), is_config=True, layer=None)
        blob_infos = mf.parse_manifest(manifest).layers
        assert all(dest.try_reusing_blob(info) is not None for info in blob_infos)
        dest.close()

        # and out again: uncompressed diffs that hash to the diff_ids
        copy_image(
            st.parse_reference("@" + image.id), dirt.parse_reference(str(tmp_path / "out")), ctx
        )
        out_manifest = json.loads((tmp_path / "out" / "manifest.json").read_bytes())
        out_layers = []
        for layer in out_manifest["layers"]:
            blob = (tmp_path / "out" / layer["digest"][7:]).read_bytes()
            out_layers.append(gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob)
        assert out_layers == LAYERS
    finally:
        store.close()


def test_parse_reference() -> None:
    ref = st.parse_reference("busybox")
    assert ref.name == "docker.io/library/busybox:latest" and ref.image_id is None
    ref = st.parse_reference("@" + "a" * 64)
    assert ref.name is None and ref.image_id == "a" * 64
    ref = st.parse_reference("[overlay@/var/lib/x+/run/x]quay.io/a/b:1")
    assert ref.store_spec == ("overlay", "/var/lib/x", "/run/x")
    assert str(ref) == "containers-storage:[overlay@/var/lib/x+/run/x]quay.io/a/b:1"
