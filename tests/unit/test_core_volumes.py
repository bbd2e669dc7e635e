"""The local volume driver on real directories: create, copy-up, chown, export/import."""

from __future__ import annotations

import io
import os
import stat
import tarfile

import pytest

from pypod.core.containers import ContainerStore
from pypod.core.events import EventLog
from pypod.core.volumes import Volumes, copy_tree, parse_options
from pypod.errors import Conflict, InvalidArgument, UnsafeArchive, VolumeNotFound


@pytest.fixture
def vols(tmp_path):
    store = ContainerStore.open(str(tmp_path / "graph"), str(tmp_path / "run"))
    yield Volumes(store, store.graph_root, EventLog.open(store.run_root))
    store.close()


def test_create_layout_and_events(vols):
    v = vols.create("data", labels={"a": "b"})
    assert v.name == "data" and v.labels == {"a": "b"} and not v.anonymous
    data = vols.data_path("data")
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(vols.path("data")).st_mode) == 0o700
    with pytest.raises(Conflict):
        vols.create("data")
    assert os.path.isdir(data)  # the loser did not touch the winner's directory
    anon = vols.create(anonymous=True)
    assert len(anon.name) == 64 and anon.anonymous
    vols.remove("data")
    assert not os.path.exists(vols.path("data"))
    with pytest.raises(VolumeNotFound):
        vols.remove("data")
    assert [(e.status, e.name) for e in vols.events.read()] == [
        ("create", "data"),
        ("create", anon.name),
        ("remove", "data"),
    ]


@pytest.mark.parametrize("name", ["-x", "a/b", "a b", "..", "é"])
def test_bad_names(vols, name):
    with pytest.raises(InvalidArgument):
        vols.create(name)


def test_options():
    assert parse_options({"type": "tmpfs", "device": "tmpfs", "o": "size=1m"})[0] == {
        "type": "tmpfs",
        "device": "tmpfs",
        "o": "size=1m",
    }
    assert parse_options({"UID": "5", "gid": "6"})[1:] == (5, 6)
    with pytest.raises(InvalidArgument, match="invalid mount option bogus"):
        parse_options({"bogus": "1"})
    with pytest.raises(InvalidArgument, match="Project Quota"):
        parse_options({"size": "1m"})
    with pytest.raises(InvalidArgument, match="must provide mount type"):
        parse_options({"device": "/dev/x"})
    with pytest.raises(InvalidArgument, match="integer"):
        parse_options({"uid": "x"})


def _image_dir(root: str) -> str:
    src = os.path.join(root, "image-etc")
    os.makedirs(os.path.join(src, "sub"))
    with open(os.path.join(src, "conf"), "w") as f:
        f.write("x=1\n")
    os.chmod(os.path.join(src, "conf"), 0o640)
    os.symlink("conf", os.path.join(src, "link"))
    os.mkfifo(os.path.join(src, "fifo"))
    os.chmod(src, 0o750)
    if os.geteuid() == 0:
        os.lchown(os.path.join(src, "conf"), 1000, 1001)
    return src


def test_populate_from_copies_once_into_an_empty_volume(vols, tmp_path):
    src = _image_dir(str(tmp_path))
    vols.create("v")
    assert vols.populate_from("v", src)
    data = vols.data_path("v")
    assert sorted(os.listdir(data)) == ["conf", "fifo", "link", "sub"]
    assert os.readlink(os.path.join(data, "link")) == "conf"
    assert stat.S_ISFIFO(os.lstat(os.path.join(data, "fifo")).st_mode)
    st = os.stat(os.path.join(data, "conf"))
    assert stat.S_IMODE(st.st_mode) == 0o640
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (1000, 1001)
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o750  # the mount point's mode too
    os.unlink(os.path.join(data, "conf"))
    assert not vols.populate_from("v", src)  # only the first use copies
    assert "conf" not in os.listdir(data)


def test_populate_skips_non_empty_and_nocopy(vols, tmp_path):
    src = _image_dir(str(tmp_path))
    vols.create("full")
    open(os.path.join(vols.data_path("full"), "mine"), "w").close()
    assert not vols.populate_from("full", src)
    assert os.listdir(vols.data_path("full")) == ["mine"]
    vols.create("nc", options={"nocopy": ""})
    assert not vols.populate_from("nc", src)
    assert not vols.populate_from("full", str(tmp_path / "missing"))


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_chown_first_use_and_recursive(vols):
    vols.create("c")
    data = vols.data_path("c")
    os.mkdir(os.path.join(data, "inner"))
    vols.chown_for("c", 1000, 1000)
    assert os.stat(data).st_uid == 1000
    assert os.stat(os.path.join(data, "inner")).st_uid == 0  # top directory only
    vols.chown_for("c", 2000, 2000)  # already handed over: no change
    assert os.stat(data).st_uid == 1000
    vols.chown_for("c", 3000, 3000, recursive=True)  # the U option
    assert os.stat(os.path.join(data, "inner")).st_uid == 3000
    vols.create("owned", options={"uid": "7", "gid": "8"})
    assert os.stat(vols.data_path("owned")).st_uid == 7
    vols.chown_for("owned", 1000, 1000)
    assert os.stat(vols.data_path("owned")).st_uid == 7


def test_export_import_roundtrip(vols, tmp_path):
    src = _image_dir(str(tmp_path))
    vols.create("a")
    copy_tree(src, vols.data_path("a"))
    buf = io.BytesIO()
    vols.export("a", buf)
    with tarfile.open(fileobj=io.BytesIO(buf.getvalue())) as tar:
        names = sorted(tar.getnames())
    assert names == ["conf", "fifo", "link", "sub"]
    vols.create("b")
    buf.seek(0)
    vols.import_("b", buf)
    assert sorted(os.listdir(vols.data_path("b"))) == names
    with open(os.path.join(vols.data_path("b"), "conf")) as f:
        assert f.read() == "x=1\n"


def test_import_gzip_and_refuses_escapes(vols, tmp_path):
    vols.create("z")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        info = tarfile.TarInfo("hello")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    raw.seek(0)
    vols.import_("z", raw)
    assert os.listdir(vols.data_path("z")) == ["hello"]
    evil = io.BytesIO()
    with tarfile.open(fileobj=evil, mode="w") as tar:
        info = tarfile.TarInfo("../../escaped")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    evil.seek(0)
    with pytest.raises(UnsafeArchive):
        vols.import_("z", evil)
    assert not os.path.exists(os.path.join(vols.path("z"), "..", "escaped"))


def test_mount_refcount_without_a_filesystem(vols):
    vols.create("plain")
    assert vols.mount("plain") == vols.data_path("plain")
    vols.mount("plain")
    assert vols.state("plain")["mount_count"] == 2
    vols.unmount("plain")
    vols.unmount("plain")
    vols.unmount("plain")  # never below zero
    assert vols.state("plain")["mount_count"] == 0
