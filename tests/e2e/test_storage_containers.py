"""Container read-write layers on real disks and real mounts, as root and rootless.

One scenario (`scenario()`) runs through the Store API: an image of three layers, a container
over it, real edits in its mounted rootfs (add, modify, chmod, delete a lower file, replace a
lower directory, hard link, symlink, xattr, owner 1000), then changes(), the diff tar, size,
export, commit (the diff applied as a new layer must reproduce the container's view), mount
counts, image protection and remove(). As root it runs in-process for each driver; rootless it
runs inside pypod's user namespace (`pypod unshare python -c ...`) and reports JSON.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest

from pypod.errors import ContainerNotFound, ImageNotFound, StorageError
from pypod.storage.containers import ContainerLayers
from pypod.storage.db import chain_ids
from pypod.storage.store import Store
from tests.fixtures.pypod_cli import REPO, pypod_binary
from tests.fixtures.users import RootlessPypod

CID = "c0" * 32
XATTR = ("user.pypod.test", b"\xff\x00bin")


def layer_tar(*members: tuple) -> bytes:
    """(kind, name, data[, uid]): f file, d dir."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for kind, name, data, *owner in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            info.mode = 0o644 if kind == "f" else 0o755
            if owner:
                info.uid = info.gid = owner[0]
            if kind == "f":
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            else:
                info.type = tarfile.DIRTYPE
                t.addfile(info)
    return buf.getvalue()


LAYERS = [
    layer_tar(
        ("d", "etc", b""),
        ("f", "etc/keep", b"keep", 1000),
        ("f", "etc/gone", b"gone"),
        ("f", "etc/hidden", b"hidden"),
        ("d", "opq", b""),
        ("f", "opq/old", b"old"),
        ("d", "dir", b""),
        ("f", "dir/a", b"a"),
    ),
    layer_tar(("f", "etc/.wh.hidden", b""), ("f", "dir/b", b"b")),  # a whiteout below
    layer_tar(("f", "etc/keep", b"changed", 1000)),
]


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_image(store: Store, diff_ids: list[str], top: str | None, tag: str) -> str:
    config = json.dumps({"os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}})
    image_id = hashlib.sha256(config.encode()).hexdigest()
    store.create_image(image_id, top, names=(f"localhost/{tag}:latest",), config=config.encode())
    return image_id


def edit(root: str) -> None:
    """What a container might do to its rootfs."""
    with open(f"{root}/new", "wb") as f:
        f.write(b"new file")
    os.chown(f"{root}/new", 1000, 1000)
    os.setxattr(f"{root}/new", *XATTR)
    os.link(f"{root}/new", f"{root}/new-link")
    os.symlink("new", f"{root}/sym")
    with open(f"{root}/etc/keep", "wb") as f:
        f.write(b"modified")
    os.unlink(f"{root}/etc/gone")  # a lower file: a whiteout
    os.unlink(f"{root}/opq/old")  # a lower directory replaced: opaque
    os.rmdir(f"{root}/opq")
    os.mkdir(f"{root}/opq")
    with open(f"{root}/opq/fresh", "wb") as f:
        f.write(b"fresh")
    os.chmod(f"{root}/dir/a", 0o600)
    os.makedirs(f"{root}/added/sub")
    with open(f"{root}/added/sub/f", "wb") as f:
        f.write(b"f" * 5000)


def snapshot(root: str) -> dict[str, list]:
    """path -> [type, mode, uid, gid, content or link, xattr] of a tree."""
    out: dict[str, list] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    body = f.read().decode()
            else:
                body = os.readlink(path) if stat.S_ISLNK(st.st_mode) else ""
            try:
                xattr = os.getxattr(path, XATTR[0], follow_symlinks=False).hex()
            except OSError:
                xattr = ""
            rel = os.path.relpath(path, root)
            out[rel] = [stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid]
            out[rel] += [body, xattr]
    return out


def tar_members(stream) -> list[list]:
    with tarfile.open(fileobj=stream, mode="r|") as t:
        out = []
        for m in t:
            xattr = m.pax_headers.get("SCHILY.xattr." + XATTR[0], "")
            out.append([m.name, m.type.decode(), m.uid, m.linkname, m.size, xattr != ""])
        return out


def scenario(graph: str, run: str, driver: str, options: list[str], rootless: bool) -> dict:
    out: dict = {}
    store = Store.open(graph, run, driver, tuple(options), rootless)
    out["driver"] = store.driver_name
    parent = None
    diff_ids = [digest(t) for t in LAYERS]
    for chain, data in zip(chain_ids(diff_ids), LAYERS, strict=True):
        store.put_layer(chain, parent, io.BytesIO(data), diff_digest=digest(data))
        parent = chain
    image_id = make_image(store, diff_ids, parent, "base")
    layers = ContainerLayers(store)
    layers.create(CID, image_id)
    try:
        _use(store, layers, image_id, diff_ids, parent, out)
    except BaseException:
        for mounted in store.mounted_images():  # leave no mount behind a failure
            store.unmount_image(mounted, force=True)
        layers.remove(CID)
        raise
    store.close()
    return out


def _use(store: Store, layers: ContainerLayers, image_id: str, diff_ids: list[str],
         parent: str | None, out: dict) -> None:  # fmt: skip
    out["exists"] = layers.exists(CID)
    out["userdata"] = os.path.isdir(layers.userdata_dir(CID)) and os.path.isdir(layers.run_dir(CID))
    root = layers.mount(CID)
    out["mounted_twice"] = layers.mount(CID) == root and layers.mounted(CID) == root
    out["first_unmount"] = layers.unmount(CID)
    out["before"] = sorted(snapshot(root))
    edit(root)
    out["changes"] = layers.changes(CID)
    out["diff"] = tar_members(layers.diff_tar(CID))
    out["size"] = list(layers.size(CID))
    out["export"] = tar_members(layers.export_tar(CID))
    out["still_mounted"] = layers.mounted(CID) == root  # export took and gave back its own
    view = snapshot(root)

    layer = layers.commit_layer(CID, image_id)
    out["commit_parent_ok"] = layer.parent == parent
    out["commit_id_ok"] = layer.id == chain_ids([*diff_ids, layer.diff_digest])[-1]
    committed = make_image(store, [*diff_ids, layer.diff_digest], layer.id, "committed")
    image_root = store.mount_image(committed)
    try:
        seen = snapshot(image_root)
        out["commit_same_view"] = seen == view
        out["commit_diff"] = {k: [seen.get(k), view.get(k)] for k in seen.keys() | view.keys()
                              if seen.get(k) != view.get(k)}  # fmt: skip
        links = [os.lstat(f"{image_root}/{n}").st_ino for n in ("new", "new-link")]
        out["commit_hardlink"] = links[0] == links[1]
    finally:
        store.unmount_image(committed)

    out["last_unmount"] = layers.unmount(CID)
    out["mounted_after"] = layers.mounted(CID)
    out["is_mount_after"] = os.path.ismount(root)
    # the container keeps its image's layers: deleting the images leaves them stored
    store.delete_image(committed)
    store.delete_layer(layer.id)
    store.delete_image(image_id)
    out["layers_kept"] = [store.has_layer(c) for c in chain_ids(diff_ids)]
    layers.remove(CID)
    out["left_behind"] = [
        p
        for p in (
            os.path.join(layers.home, CID),
            os.path.join(store.graph_root, "containers", CID),
            layers.run_dir(CID),
            os.path.join(layers.counts.dir, CID),
        )
        if os.path.lexists(p)
    ]
    out["holds"] = store.db.query("SELECT * FROM layer_users")
    layers.remove(CID)  # idempotent


def expected_changes(driver: str, fuse: bool) -> list[list[str]]:
    common_head = [["A", "/added"], ["A", "/added/sub"], ["A", "/added/sub/f"]]
    if driver == "vfs":  # a tree comparison: directories holding changes, no opaque marks
        middle = [["C", "/dir"], ["C", "/dir/a"]]
        opq = [["C", "/opq"], ["A", "/opq/fresh"], ["D", "/opq/old"]]
    elif fuse:  # fuse-overlayfs copies /dir up with a new mtime
        middle = [["C", "/dir"], ["C", "/dir/a"]]
        opq = [["D", "/opq"], ["A", "/opq/fresh"]]
    else:  # the upper dir: /dir was copied up unchanged; the replaced /opq is opaque
        middle = [["C", "/dir/a"]]
        opq = [["D", "/opq"], ["A", "/opq/fresh"]]
    etc = [["C", "/etc"], ["D", "/etc/gone"], ["C", "/etc/keep"]]
    tail = [["A", "/sym"]]
    return common_head + middle + etc + [["A", "/new"], ["A", "/new-link"]] + opq + tail


def check(out: dict, driver: str, fuse: bool = False) -> None:
    assert out["driver"] == driver
    assert out["exists"] and out["userdata"]
    assert out["mounted_twice"] and out["first_unmount"] is False
    # the image view through the container mount: the lower whiteout applies
    assert "etc/hidden" not in out["before"] and "dir/b" in out["before"]
    assert [list(c) for c in out["changes"]] == expected_changes(driver, fuse)

    diff = {m[0]: m for m in out["diff"]}
    assert diff["etc/.wh.gone"][1] == "0" and diff["etc/.wh.gone"][4] == 0
    if driver == "vfs":
        assert "opq/.wh.old" in diff
    else:
        assert "opq/.wh..wh..opq" in diff
    assert "etc/hidden" not in diff and "etc/.wh.hidden" not in diff  # not this layer's
    assert diff["new"][2] == 1000 and diff["new"][5]  # owner and xattr, container ids
    assert diff["new-link"][1] == "1" and diff["new-link"][3] == "new"  # a hard link
    assert diff["sym"][1] == "2" and diff["sym"][3] == "new"
    assert diff["added/sub/f"][4] == 5000
    assert "dir/b" not in diff  # unchanged lower files stay out

    rw, rootfs = out["size"]
    # new (8, once for both links) + sym (3) + etc/keep (8) + opq/fresh (5) + dir/a (1) + f
    assert rw == 8 + 3 + 8 + 5 + 1 + 5000
    assert rootfs == sum(len(t) for t in LAYERS)

    names = [m[0] for m in out["export"]]
    assert names[0] == "added" and "etc/hidden" not in names and "etc/gone" not in names
    assert {"dir/b", "etc/keep", "new", "new-link", "opq/fresh", "sym"} <= set(names)
    export = {m[0]: m for m in out["export"]}
    assert export["new-link"][1] == "1" and export["etc/keep"][4] == len(b"modified")
    assert out["still_mounted"]

    assert out["commit_parent_ok"] and out["commit_id_ok"]
    assert out["commit_same_view"], out["commit_diff"]
    assert out["commit_hardlink"]
    assert out["last_unmount"] is True and out["mounted_after"] is None
    assert not out["is_mount_after"]
    assert out["layers_kept"] == [True, True, True]
    assert out["left_behind"] == [] and out["holds"] == []


# root -----------------------------------------------------------------------------------------
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (mounts, chown)")


@root_only
@pytest.mark.parametrize("driver", ["overlay", "vfs"])
def test_container_layer_root(tmp_path, driver: str) -> None:
    out = scenario(str(tmp_path / "g"), str(tmp_path / "r"), driver, [], False)
    check(out, driver)


@pytest.fixture(params=["overlay", "vfs"])
def store(request, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    s = Store.open(str(tmp_path / "g"), str(tmp_path / "r"), request.param)
    yield s
    s.close()


def test_empty_rootfs_and_errors(store: Store) -> None:
    layers = ContainerLayers(store)
    layers.create(CID, None)
    with pytest.raises(StorageError, match="already"):
        layers.create(CID, None)
    root = layers.mount(CID)
    try:
        assert os.listdir(root) == []
        with open(f"{root}/only", "w") as f:
            f.write("x")
        assert layers.changes(CID) == [("A", "/only")]
        assert tar_members(layers.diff_tar(CID)) == [["only", "0", 0, "", 1, False]]
        assert layers.size(CID) == (1, 0)
        partial = layers.export_tar(CID)  # takes a mount reference of its own...
        assert partial.read(10) == b"only".ljust(10, b"\0")
        partial.close()  # ...and gives it back when closed early
        assert layers.unmount(CID) is True and layers.mounted(CID) is None
        root = layers.mount(CID)
        layer = layers.commit_layer(CID)
        assert layer.parent is None and layer.id == layer.diff_digest.removeprefix("sha256:")
    finally:
        layers.unmount(CID)
    layers.remove(CID)
    assert layers.ids() == []
    with pytest.raises(ContainerNotFound):
        layers.mount(CID)
    with pytest.raises(ImageNotFound):
        layers.create(CID, "ab" * 32)
    assert not layers.exists(CID) and layers.ids() == []


def test_failed_create_leaves_nothing(store: Store) -> None:
    parent = None
    for chain, data in zip(chain_ids([digest(t) for t in LAYERS]), LAYERS, strict=True):
        store.put_layer(chain, parent, io.BytesIO(data))
        parent = chain
    image_id = make_image(store, [digest(t) for t in LAYERS], parent, "base")
    layers = ContainerLayers(store)
    # a file where the run directory must go makes create fail half-way
    blocker = os.path.join(store.run_root, "containers", CID)
    os.makedirs(os.path.dirname(blocker), exist_ok=True)
    with open(blocker, "w") as f:
        f.write("in the way")
    with pytest.raises(OSError):
        layers.create(CID, image_id)
    assert layers.ids() == [] and not os.path.lexists(blocker)
    assert not os.path.exists(os.path.join(store.graph_root, "containers", CID))
    assert store.db.query("SELECT * FROM layer_users") == []
    layers.create(CID, image_id)  # and then it works
    assert layers.exists(CID)
    layers.remove(CID)


# rootless -------------------------------------------------------------------------------------
PYTHON = str(Path(pypod_binary()).parent / "python")
RUN_SCENARIO = f"""
import json, sys
sys.path.insert(0, {str(REPO)!r})
from tests.e2e.test_storage_containers import scenario
print(json.dumps(scenario(*json.loads(sys.argv[1]))))
"""


@pytest.mark.rootless
@pytest.mark.parametrize(
    ("driver", "options"),
    [("overlay", []), ("overlay", ["overlay.mount_program=/usr/bin/fuse-overlayfs"]), ("vfs", [])],
    ids=["native", "fuse-overlayfs", "vfs"],
)
def test_container_layer_rootless(
    pypod_rootless: RootlessPypod, driver: str, options: list[str]
) -> None:
    dirs = pypod_rootless.dirs
    args = json.dumps([dirs.root, dirs.runroot, driver, options, True])
    r = pypod_rootless("unshare", PYTHON, "-c", RUN_SCENARIO, args, check=False)
    assert r.rc == 0, str(r)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    check(out, driver, fuse=bool(options))


def test_tar_headers_that_need_pax(tmp_path) -> None:
    """Long and non-UTF-8 names, big ids, binary xattrs: read back by Python's tarfile."""
    from pypod.storage import difftar

    long_name = b"d/" + b"x" * 150
    odd = b"caf\xe9"
    path = tmp_path / "f"
    path.write_bytes(b"data")
    entries = [
        difftar.Entry(name=b"d", kind=difftar.DIRECTORY, mode=0o755),
        difftar.Entry(name=long_name, kind=difftar.REGULAR, size=4, source=str(path),
                      uid=3_000_000, gid=7, xattrs=((b"user.k", b"\xff\x00"),)),
        difftar.Entry(name=odd, kind=difftar.SYMLINK, link=b"y" * 120),
        difftar.Entry(name=b"big-mtime", kind=difftar.FIFO, mtime=2**40),
    ]  # fmt: skip
    data = difftar.as_file(difftar.write(entries)).read()
    assert len(data) % 512 == 0 and data.endswith(bytes(1024))
    with tarfile.open(fileobj=io.BytesIO(data), encoding="utf-8", errors="surrogateescape") as t:
        members = t.getmembers()
        assert [m.name for m in members] == ["d", long_name.decode(), "caf\udce9", "big-mtime"]
        assert members[1].uid == 3_000_000 and t.extractfile(members[1]).read() == b"data"
        assert (
            members[1].pax_headers["SCHILY.xattr.user.k"].encode("utf-8", "surrogateescape")
            == b"\xff\x00"
        )
        assert members[2].linkname == "y" * 120 and members[3].mtime == 2**40
