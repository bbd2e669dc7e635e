"""The streaming tar reader against archives made by GNU tar and Python's tarfile."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile

import pytest

from pypod.errors import IntegrityError, UnsafeArchive
from pypod.storage import tarstream as ts


class Collect:
    """A RawSink that keeps everything, payloads included, to rebuild the stream."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.payloads: list[tuple[str, int]] = []

    def raw(self, data: bytes | memoryview) -> None:
        self.parts.append(bytes(data))

    def payload(self, path: str, size: int) -> None:
        self.payloads.append((path, size))


def read_all(data: bytes) -> tuple[list[ts.TarEntry], dict[str, bytes], Collect, ts.TarReader]:
    sink = Collect()
    reader = ts.TarReader(io.BytesIO(data), sink)
    entries, contents = [], {}
    for entry in reader:
        entries.append(entry)
        if entry.type == ts.REGULAR:
            contents[entry.name] = reader.read_payload()
    return entries, contents, sink, reader


def make_tree(root: str) -> None:
    os.makedirs(f"{root}/d/sub")
    with open(f"{root}/d/file", "wb") as f:
        f.write(b"hello\n" * 1000)
    long_dir = f"{root}/" + "x" * 120
    os.makedirs(long_dir)
    with open(f"{long_dir}/" + "y" * 150, "wb") as f:
        f.write(b"long")
    os.symlink("d/file", f"{root}/link")
    os.symlink("z" * 200, f"{root}/longlink")
    os.link(f"{root}/d/file", f"{root}/hard")
    os.mkfifo(f"{root}/fifo")
    os.mknod(f"{root}/null", 0o666 | 0o020000, os.makedev(1, 3))
    os.chmod(f"{root}/d/file", 0o4755)
    os.setxattr(f"{root}/d/file", "user.test", b"v\x00al")


@pytest.mark.parametrize("fmt", ["gnu", "posix"])
def test_gnu_tar_archives(tmp_path, fmt: str) -> None:
    root = str(tmp_path / "src")
    make_tree(root)
    out = tmp_path / "a.tar"
    subprocess.run(
        [
            "tar",
            f"--format={fmt}",
            "--xattrs",
            "--xattrs-include=user.*",
            "-C",
            root,
            "-cf",
            str(out),
            ".",
        ],
        check=True,
    )
    data = out.read_bytes()
    entries, contents, sink, reader = read_all(data)
    by_name = {e.name.removeprefix("./").rstrip("/"): e for e in entries}
    # tar stores the first of two hard-linked names with the data, the second as a link
    first, second = ("d/file", "hard") if "./d/file" in contents else ("hard", "d/file")
    assert contents["./" + first] == b"hello\n" * 1000
    assert by_name[second].type == ts.HARDLINK
    assert by_name[first].mode == 0o4755
    assert by_name["link"].type == ts.SYMLINK and by_name["link"].linkname == "d/file"
    assert by_name["longlink"].linkname == "z" * 200
    assert by_name["fifo"].type == ts.FIFO
    null = by_name["null"]
    assert (null.type, null.devmajor, null.devminor) == (ts.CHARDEV, 1, 3)
    assert by_name["x" * 120 + "/" + "y" * 150].size == 4
    assert by_name["d"].type == ts.DIRECTORY
    if fmt == "posix":
        assert by_name[first].xattrs == {"user.test": b"v\x00al"}
    # every byte is accounted for, and hashed
    assert b"".join(sink.parts) == data
    assert reader.digest == "sha256:" + hashlib.sha256(data).hexdigest()
    assert reader.size == len(data)


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT])
def test_python_tarfile_archives(fmt: int) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        info = tarfile.TarInfo("dir/" + ("n" * 90 if fmt == tarfile.USTAR_FORMAT else "é" * 80))
        info.size = 3
        info.mtime = 1_600_000_000
        info.uid, info.gid = 1000, 1001
        tar.addfile(info, io.BytesIO(b"abc"))
        big = tarfile.TarInfo("bigid")
        big.uid = 3_000_000 if fmt != tarfile.USTAR_FORMAT else 100
        tar.addfile(big, io.BytesIO(b""))
        if fmt == tarfile.PAX_FORMAT:
            x = tarfile.TarInfo("withxattr")
            x.pax_headers = {"SCHILY.xattr.security.capability": "\x01\x02", "mtime": "5.25"}
            tar.addfile(x, io.BytesIO(b""))
    data = buf.getvalue()
    entries, contents, sink, _ = read_all(data)
    assert entries[0].size == 3 and entries[0].uid == 1000 and entries[0].gid == 1001
    assert entries[0].mtime_ns == 1_600_000_000 * 10**9
    assert next(iter(contents.values())) == b"abc"
    if fmt != tarfile.USTAR_FORMAT:
        assert entries[1].uid == 3_000_000  # pax record or GNU base-256
    if fmt == tarfile.PAX_FORMAT:
        assert entries[2].xattrs == {"security.capability": b"\x01\x02"}
        assert entries[2].mtime_ns == 5_250_000_000
    assert b"".join(sink.parts) == data


def test_base256_and_global_pax() -> None:
    buf = io.BytesIO()
    with tarfile.open(
        fileobj=buf, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"uname": "globaluser"}
    ) as tar:
        tar.addfile(tarfile.TarInfo("a"), io.BytesIO(b""))
    entries, _, _, _ = read_all(buf.getvalue())
    assert entries[0].uname == "globaluser"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo("big")
        info.uid = 8**8 + 5  # does not fit in octal: base-256
        tar.addfile(info, io.BytesIO(b""))
    entries, _, _, _ = read_all(buf.getvalue())
    assert entries[0].uid == 8**8 + 5


def test_sparse_rejected(tmp_path) -> None:
    sparse = tmp_path / "src" / "sparse"
    sparse.parent.mkdir()
    with open(sparse, "wb") as f:
        f.seek(10 << 20)
        f.write(b"end")
    for fmt in ("gnu", "posix"):
        out = tmp_path / f"{fmt}.tar"
        subprocess.run(
            ["tar", f"--format={fmt}", "-S", "-C", str(sparse.parent), "-cf", str(out), "sparse"],
            check=True,
        )
        with pytest.raises(UnsafeArchive, match="sparse"):
            read_all(out.read_bytes())


def test_truncated_and_garbage() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("f")
        info.size = 5000
        tar.addfile(info, io.BytesIO(b"x" * 5000))
    with pytest.raises(IntegrityError, match="truncated"):
        read_all(buf.getvalue()[:2000])
    with pytest.raises(IntegrityError):
        read_all(b"not a tar at all" * 64)


def test_trailing_bytes_are_kept() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.addfile(tarfile.TarInfo("f"), io.BytesIO(b""))
    data = buf.getvalue() + b"\0" * 7000 + b"trailing junk"
    _, _, sink, reader = read_all(data)
    assert b"".join(sink.parts) == data
    assert reader.size == len(data)
