"""The pure parts of cp and top: container paths through symlinks and a stopped container's
mount table, the argument split, the writer's rollback, and top's descriptor parsing."""

from __future__ import annotations

import io
import os
import pathlib
import tarfile

import pytest

from pypod.errors import PypodError
from pypod.local import container_top as top
from pypod.local.container_copy import _split
from pypod.local.copy_fs import FsView, Writer, tar_entries, tree_entries


@pytest.fixture
def ctr(tmp_path: pathlib.Path) -> tuple[FsView, pathlib.Path, pathlib.Path]:
    rootfs, volume = tmp_path / "rootfs", tmp_path / "volume"
    (rootfs / "etc").mkdir(parents=True)
    (rootfs / "data").mkdir()  # the mount point; hidden under the volume
    volume.mkdir()
    os.symlink("/", rootfs / "escape")
    os.symlink("/data/inner", rootfs / "to-inner")
    (volume / "inner").mkdir()
    os.symlink("../../../../etc", volume / "up")
    view = FsView(str(rootfs), mounts=(("/data", str(volume)),), workdir="/etc")
    return view, rootfs, volume


def test_resolve_stays_in_the_container_and_maps_mounts(ctr) -> None:
    view, rootfs, volume = ctr
    assert view.resolve("/escape/etc/passwd") == "/etc/passwd"
    assert view.host("/etc/passwd") == str(rootfs / "etc/passwd")
    assert view.resolve("/to-inner/x") == "/data/inner/x"
    assert view.host("/data/inner/x") == str(volume / "inner/x")
    assert view.host("/data") == str(volume)
    assert view.host("/database") == str(rootfs / "database")  # not under /data
    assert view.resolve("/data/up") == "/etc"  # ".." of the volume climbs the container
    assert view.resolve("hosts") == "/etc/hosts"  # relative: from the working directory
    assert view.resolve("/escape", follow_last=False) == "/escape"


def test_symlink_loop_is_an_error(tmp_path: pathlib.Path) -> None:
    os.symlink("/b", tmp_path / "a")
    os.symlink("/a", tmp_path / "b")
    with pytest.raises(PypodError, match="too many levels of symbolic links"):
        FsView(str(tmp_path)).resolve("/a/x")


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("ctr:/etc", ("ctr", "/etc")),
        ("ctr:rel", ("ctr", "rel")),
        ("/host:with:colons", ("", "/host:with:colons")),
        ("./a:b", ("", "./a:b")),
        ("-", ("", "-")),
        ("plain", ("", "plain")),
        ("ctr:", ("ctr", "")),
    ],
)
def test_split(arg: str, expected: tuple[str, str]) -> None:
    assert _split(arg) == expected


def test_writer_rolls_back_what_it_made(tmp_path: pathlib.Path) -> None:
    src = tmp_path / "src"
    (src / "t/new/deep").mkdir(parents=True)
    (src / "t/new/deep/f").write_text("f")
    (src / "t/z").mkdir()
    dest = tmp_path / "dest"
    (dest / "t").mkdir(parents=True)
    (dest / "t/z").write_text("in the way")
    writer = Writer(FsView(str(dest)), "/")
    with pytest.raises(PypodError, match="cannot overwrite non-directory"):
        writer.write(tree_entries(str(src / "t"), "t"))
    writer.rollback()
    assert sorted(os.listdir(dest / "t")) == ["z"]
    assert (dest / "t/z").read_text() == "in the way"


def test_writer_replaces_a_file_whole(tmp_path: pathlib.Path) -> None:
    (tmp_path / "f").write_text("old")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("f")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"new"))
    buf.seek(0)
    Writer(FsView(str(tmp_path)), "/").write(tar_entries(buf))
    assert (tmp_path / "f").read_text() == "new"
    assert os.listdir(tmp_path) == ["f"]  # no temporary file left beside it


def test_top_descriptors() -> None:
    assert top._descriptors([]) == top.DEFAULT
    assert top._descriptors(["pid,%C", "args"]) == ["pid", "pcpu", "args"]
    assert top._descriptors(["-ef"]) is None  # ps(1) takes over
    assert top._descriptors(["pid", "PID"]) is None  # psgo matches case-sensitively
    with pytest.raises(PypodError, match="'-o': unknown descriptor"):
        top.require_descriptors(["pid", "-o"])
    assert top._caps("0") == "none"
    assert top._caps("1ffffffffff") == "full"
    assert top._caps("3") == "CHOWN,DAC_OVERRIDE"
    assert top._map_id(5, [(0, 1000, 1), (1, 100000, 65536)]) == 100004
    assert top._map_id(70000, [(0, 1000, 1), (1, 100000, 65536)]) == 65534
