"""The Store on real disks and real overlay mounts, one suite for every driver (root)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile

import pytest

from pypod.errors import ImageNotFound, IntegrityError, LayerNotFound
from pypod.storage.db import chain_ids
from pypod.storage.store import Store

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (mounts, chown)")


def layer_tar(*members: tuple[str, str, bytes | str]) -> bytes:
    """(type, name, data): f=file d=dir s=symlink h=hardlink; names like '.wh.x' stay as is."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for kind, name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            info.mode = 0o644 if kind == "f" else 0o755
            if kind == "f":
                assert isinstance(data, bytes)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                info.type = {"d": tarfile.DIRTYPE, "s": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}[kind]
                info.linkname = str(data)
                tar.addfile(info)
    return buf.getvalue()


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


LAYERS = [
    layer_tar(
        ("d", "etc", ""),
        ("f", "etc/keep", b"keep"),
        ("f", "etc/gone", b"gone"),
        ("d", "opq", ""),
        ("f", "opq/old", b"old"),
        ("d", "dir", ""),
        ("f", "dir/a", b"a"),
        ("f", "dup", b"first version"),
        ("f", "dup", b"second"),  # the same name twice in one layer
        ("h", "dup-link", "dup"),
    ),
    layer_tar(
        ("f", "etc/.wh.gone", b""),
        ("d", "opq", ""),
        ("f", "opq/.wh..wh..opq", b""),
        ("f", "opq/new", b"new"),
        ("f", ".wh.dir", b""),
        ("s", "etc/link", "keep"),
    ),
    layer_tar(("f", "etc/keep", b"changed"), ("d", "dir", ""), ("f", "dir/b", b"b")),
]
DIFF_IDS = [digest(t) for t in LAYERS]
CHAINS = chain_ids(DIFF_IDS)


def config_for(diff_ids: list[str], tag: str = "") -> bytes:
    doc = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-02T03:04:05.123456789Z",
        "config": {"Labels": {"t": tag}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    return json.dumps(doc).encode()


@pytest.fixture(params=["overlay", "vfs"])
def store(request, tmp_path):
    # graph root on the real disk (not tmpfs): overlay needs a filesystem with xattrs/whiteouts
    s = Store.open(str(tmp_path / "graph"), str(tmp_path / "run"), request.param)
    assert s.driver_name == request.param
    yield s
    for image_id in s.mounted_images():
        s.unmount_image(image_id, force=True)
    s.close()


def put_all(store: Store, layers=LAYERS) -> None:
    parent = None
    for chain, data in zip(chain_ids([digest(t) for t in layers]), layers, strict=True):
        store.put_layer(chain, parent, io.BytesIO(data), diff_digest=digest(data))
        parent = chain


def make_image(store: Store, name: str = "docker.io/library/t:1", tag: str = "") -> str:
    put_all(store)
    config = config_for(DIFF_IDS, tag)
    image_id = hashlib.sha256(config).hexdigest()
    store.create_image(image_id, CHAINS[-1], names=(name,), config=config)
    return image_id


def test_diff_replays_byte_identical(store: Store) -> None:
    put_all(store)
    for chain, data in zip(CHAINS, LAYERS, strict=True):
        assert store.diff(chain).read() == data
        layer = store.layer(chain)
        assert layer.diff_digest == digest(data) and layer.diff_size == len(data)


def test_put_layer_idempotent(store: Store) -> None:
    put_all(store)
    again = store.put_layer(CHAINS[0], None, io.BytesIO(LAYERS[0]), diff_digest=DIFF_IDS[0])
    assert again == store.layer(CHAINS[0])
    assert len(store.layers()) == 3


def test_digest_mismatch_keeps_nothing(store: Store, tmp_path) -> None:
    with pytest.raises(IntegrityError):
        store.put_layer("ab" * 32, None, io.BytesIO(LAYERS[0]), diff_digest="sha256:" + "0" * 64)
    assert not store.has_layer("ab" * 32)
    assert os.listdir(tmp_path / "graph" / "tmp") == []
    assert os.listdir(tmp_path / "graph" / "layers") == []


def test_whiteouts_and_opaque_through_mount(store: Store) -> None:
    image_id = make_image(store)
    root = store.mount_image(image_id)
    try:
        assert read(f"{root}/etc/keep") == b"changed"
        assert not os.path.lexists(f"{root}/etc/gone")
        assert os.listdir(f"{root}/opq") == ["new"]
        assert os.listdir(f"{root}/dir") == ["b"]  # removed by .wh.dir, then recreated
        assert os.readlink(f"{root}/etc/link") == "keep"
        assert read(f"{root}/dup") == b"second"
        assert os.stat(f"{root}/dup").st_ino == os.stat(f"{root}/dup-link").st_ino
        assert store.mounted_images() == {image_id: root}
        assert store.mount_image(image_id) == root  # ref-counted
        assert store.unmount_image(image_id) is False
    finally:
        store.unmount_image(image_id)
    if store.driver_name == "overlay":
        assert not os.path.ismount(root)
        assert store.mounted_images() == {}


def test_lookup(store: Store) -> None:
    image_id = make_image(store)
    image = store.image(image_id)
    assert image.names == ("docker.io/library/t:1",)
    # the layers plus the config and manifests, the primary manifest twice (Podman's Size)
    config = len(store.image_config(image_id))
    manifests = store.image_manifests(image_id)
    stored = sum(map(len, manifests.values())) + len(manifests[image.digest])
    assert image.size == sum(len(t) for t in LAYERS) + config + stored
    assert image.created == pytest.approx(1704164645.123456)
    for key in (
        "docker.io/library/t:1",
        image_id,
        image_id[:5],
        "sha256:" + image_id,
        f"docker.io/library/t@{image.digest}",
        f"docker.io/library/t:1@{image.digest}",
    ):
        assert store.lookup_image(key).id == image_id, key
    for key in ("docker.io/library/t:2", "ff" * 32, "docker.io/library/u@" + image.digest):
        with pytest.raises(ImageNotFound):
            store.lookup_image(key)
    manifest = json.loads(store.image_manifest(image_id))
    assert [x["digest"] for x in manifest["layers"]] == DIFF_IDS  # synthesised
    assert store.image_config(image_id) == config_for(DIFF_IDS)


def test_ambiguous_prefix(store: Store) -> None:
    put_all(store)
    seen: dict[str, bytes] = {}
    n = 0
    while True:  # find two configs whose ids share a 3-digit prefix (birthday: ~80 tries)
        config = config_for(DIFF_IDS, str(n))
        n += 1
        prefix = hashlib.sha256(config).hexdigest()[:3]
        if prefix in seen:
            break
        seen[prefix] = config
    ids = []
    for c in (seen[prefix], config):
        ids.append(hashlib.sha256(c).hexdigest())
        store.create_image(ids[-1], CHAINS[-1], config=c)
    with pytest.raises(ImageNotFound, match="ambiguous"):
        store.lookup_image(prefix)
    assert store.lookup_image(ids[0][:12]).id == ids[0]


def test_names_move_and_delete_refcounts(store: Store, tmp_path) -> None:
    a = make_image(store, "docker.io/library/t:1", "a")
    put_all(store, LAYERS[:2])
    config_b = config_for(DIFF_IDS[:2], "b")
    b = hashlib.sha256(config_b).hexdigest()
    store.create_image(b, CHAINS[1], names=("docker.io/library/t:1", "x/y:z"), config=config_b)
    assert store.image(a).names == ()  # dangling, like Podman's <none>
    assert store.image(b).names == ("docker.io/library/t:1", "x/y:z")
    store.add_names(a, ("x/y:z",))
    assert store.image(b).names == ("docker.io/library/t:1",)
    store.remove_names(b, ("docker.io/library/t:1",))
    assert store.image(b).names == ()

    assert store.delete_image(a) == [CHAINS[2]]  # b still needs the first two
    assert not store.has_layer(CHAINS[2])
    assert store.has_layer(CHAINS[1])
    assert sorted(store.delete_image(b)) == sorted(CHAINS[:2])
    assert store.layers() == [] and store.images() == []
    with pytest.raises(ImageNotFound):
        store.delete_image(b)
    home = tmp_path / "graph" / store.driver_name
    leftovers = [
        n
        for n in os.listdir(home if store.driver_name == "overlay" else home / "dir")
        if len(n) == 64
    ]
    assert leftovers == []


def test_create_image_needs_all_layers(store: Store) -> None:
    store.put_layer(CHAINS[0], None, io.BytesIO(LAYERS[0]))
    config = config_for(DIFF_IDS)
    with pytest.raises(LayerNotFound):
        store.create_image(hashlib.sha256(config).hexdigest(), CHAINS[2], config=config)
    assert store.images() == []


def test_layer_users_keep_layers(store: Store) -> None:
    image_id = make_image(store)
    store.add_layer_user(CHAINS[2], "container-1")
    assert store.delete_image(image_id) == []
    assert store.has_layer(CHAINS[0])
    store.remove_layer_user(CHAINS[2], "container-1")
    assert store.delete_layer(CHAINS[2]) is True
    assert store.delete_layer(CHAINS[0]) is False  # CHAINS[1] builds on it


def test_reopen_keeps_driver_and_data(store: Store, tmp_path) -> None:
    image_id = make_image(store)
    again = Store.open(str(tmp_path / "graph"), str(tmp_path / "run"))
    try:
        assert again.driver_name == store.driver_name
        assert again.lookup_image("docker.io/library/t:1").id == image_id
        assert again.diff(CHAINS[1]).read() == LAYERS[1]
    finally:
        again.close()
