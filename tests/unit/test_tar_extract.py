"""Extraction: hostile archives are refused without touching anything outside the root."""

from __future__ import annotations

import io
import os
import stat
import tarfile

import pytest

from pypod.errors import UnsafeArchive
from pypod.storage.extract import ExtractOptions, extract, normalise


def tar_of(*members: tuple[str, str, bytes | str]) -> bytes:
    """(type, name, data-or-linkname): type f=file d=dir s=symlink h=hardlink."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for kind, name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            if kind == "f":
                assert isinstance(data, bytes)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {"d": tarfile.DIRTYPE, "s": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}[kind]
            info.mode = 0o755
            info.linkname = str(data)
            tar.addfile(info)
    return buf.getvalue()


@pytest.fixture
def sandbox(tmp_path):
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "victim").write_bytes(b"original")
    return root, outside


def snapshot(path) -> dict[str, bytes]:
    out = {}
    for dirpath, _, files in os.walk(path):
        for name in files:
            full = os.path.join(dirpath, name)
            with open(full, "rb") as f:
                out[full] = f.read()
    return out


def run(data: bytes, root) -> None:
    extract(io.BytesIO(data), str(root), ExtractOptions(whiteout_format="vfs"))


def test_normalise() -> None:
    assert normalise("./a//b/./c") == ["a", "b", "c"]
    assert normalise("/etc/passwd") == ["etc", "passwd"]  # absolute: relative to the layer
    assert normalise("a/../b") == ["b"]
    with pytest.raises(UnsafeArchive):
        normalise("a/../../b")


@pytest.mark.parametrize(
    "members",
    [
        [("f", "../outside/victim", b"pwned")],
        [("f", "a/../../outside/victim", b"pwned")],
        [("s", "evil", "../outside"), ("f", "evil/victim", b"pwned")],
        [("d", "d", ""), ("s", "d/up", "../../outside"), ("f", "d/up/victim", b"pwned")],
        [("s", "evil", "../outside/victim"), ("h", "link", "evil/../../outside/victim")],
        [("h", "hard", "../outside/victim")],
        [("s", "a", "b"), ("s", "b", "a"), ("f", "a/x", b"loop")],
    ],
    ids=[
        "dotdot",
        "dotdot-nested",
        "symlink-dir",
        "symlink-nested",
        "hardlink-via",
        "hardlink",
        "symlink-loop",
    ],
)
def test_hostile_archives_refused(sandbox, members) -> None:
    root, outside = sandbox
    before = snapshot(outside)
    with pytest.raises(UnsafeArchive):
        run(tar_of(*members), root)
    assert snapshot(outside) == before
    assert os.listdir(outside) == ["victim"]


def test_absolute_symlink_parent_stays_inside(sandbox) -> None:
    """An absolute symlink target is resolved in the layer (as in a chroot), never the host."""
    root, outside = sandbox
    data = tar_of(("s", "abs", str(outside)), ("f", "abs/victim", b"inside"))
    run(data, root)
    assert (outside / "victim").read_bytes() == b"original"
    assert (root / str(outside).lstrip("/") / "victim").read_bytes() == b"inside"


def test_hardlink_to_symlink_outside_links_the_symlink(sandbox) -> None:
    root, outside = sandbox
    run(tar_of(("s", "s", str(outside / "victim")), ("h", "h", "s")), root)
    assert os.path.islink(root / "h")
    assert os.lstat(root / "h").st_ino == os.lstat(root / "s").st_ino


def test_inner_symlink_parents_are_followed(sandbox) -> None:
    root, _ = sandbox
    run(tar_of(("d", "usr/lib", ""), ("s", "lib", "usr/lib"), ("f", "lib/x", b"1")), root)
    assert (root / "usr/lib/x").read_bytes() == b"1"
    assert os.path.islink(root / "lib")


def test_metadata_and_replacement(tmp_path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        d = tarfile.TarInfo("dir")
        d.type, d.mode, d.mtime, d.uid, d.gid = tarfile.DIRTYPE, 0o1777, 1_000_000, 5, 6
        tar.addfile(d)
        f = tarfile.TarInfo("dir/suid")
        f.mode, f.mtime, f.size, f.uid, f.gid = 0o4711, 2_000_000, 2, 7, 8
        f.pax_headers = {"SCHILY.xattr.user.k": "v", "SCHILY.xattr.security.capability": "\x01"}
        tar.addfile(f, io.BytesIO(b"hi"))
        dev = tarfile.TarInfo("dir/null")
        dev.type, dev.devmajor, dev.devminor, dev.mode = tarfile.CHRTYPE, 1, 3, 0o666
        tar.addfile(dev)
        again = tarfile.TarInfo("dir/suid")  # a later entry replaces the file
        again.type, again.linkname = tarfile.SYMTYPE, "null"
        tar.addfile(again)
    root = tmp_path / "r"
    root.mkdir()
    extract(io.BytesIO(buf.getvalue()), str(root), ExtractOptions())
    st = os.lstat(root / "dir")
    assert stat.S_IMODE(st.st_mode) == 0o1777 and (st.st_uid, st.st_gid) == (5, 6)
    assert st.st_mtime == 1_000_000  # set after its contents were written
    assert os.path.islink(root / "dir/suid")
    nst = os.lstat(root / "dir/null")
    assert stat.S_ISCHR(nst.st_mode) and os.major(nst.st_rdev) == 1


def test_file_modes_owner_xattrs(tmp_path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        f = tarfile.TarInfo("suid")
        f.mode, f.mtime, f.size, f.uid, f.gid = 0o4711, 2_000_000, 2, 7, 8
        f.pax_headers = {"SCHILY.xattr.user.k": "v"}
        tar.addfile(f, io.BytesIO(b"hi"))
    root = tmp_path / "r"
    root.mkdir()
    extract(io.BytesIO(buf.getvalue()), str(root), ExtractOptions())
    st = os.lstat(root / "suid")
    assert stat.S_IMODE(st.st_mode) == 0o4711
    assert (st.st_uid, st.st_gid, st.st_mtime) == (7, 8, 2_000_000)
    assert os.getxattr(root / "suid", "user.k") == b"v"


@pytest.mark.parametrize("whiteout_format", ["overlay", "vfs"])
def test_modes_survive_any_umask(tmp_path, whiteout_format) -> None:
    """Files are created with their final mode where os.open can give it; the rest (bits the
    umask removes, setuid/setgid/sticky, read-only files) still end with the entry's mode."""
    modes = {"a": 0o644, "b": 0o666, "c": 0o4755, "d": 0o444, "e": 0o700, "f": 0o2711, "g": 0o777}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, mode in modes.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = 3, mode
            tar.addfile(info, io.BytesIO(b"abc"))
    root = tmp_path / "root"
    root.mkdir()
    old = os.umask(0o027)
    try:
        extract(
            io.BytesIO(buf.getvalue()), str(root), ExtractOptions(whiteout_format=whiteout_format)
        )
    finally:
        os.umask(old)
    for name, mode in modes.items():
        assert stat.S_IMODE(os.lstat(root / name).st_mode) == mode, name
        assert (root / name).read_bytes() == b"abc"
