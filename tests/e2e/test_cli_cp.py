"""cp against real containers, root and rootless (the both-ways basics are in
test_cli_commit_cp.py): container to container, volumes, bind mounts and tmpfs of running and
stopped containers, Podman's errors, and a failed copy that leaves nothing half-made."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from tests.e2e.cli_run_helpers import engine, workdir  # noqa: F401 - fixtures
from tests.fixtures.images import BUSYBOX_REF
from tests.fixtures.pypod_cli import Pypod, StoreDirs

LOOP = "while true; do sleep 0.1; done"


def _write(path: str, text: str) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.system(f"chmod -R a+rwX {os.path.dirname(path)}")
    return path


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _tar(*files: tuple[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_cp_container_to_container(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    pp("run", "-d", "--name", "c2c-live", "-u", "5:6", BUSYBOX_REF, "sh", "-c", LOOP)
    pp("run", "-d", "--name", "c2c-other", BUSYBOX_REF, "sh", "-c", LOOP)
    pp("create", "--name", "c2c-cold", BUSYBOX_REF, "true")
    pp("exec", "c2c-other", "sh", "-c",
       "mkdir -p /src/tree/sub; echo one > /src/f; echo two > /src/tree/sub/g; "
       "ln -s sub/g /src/tree/link; chown -R 7:8 /src")  # fmt: skip
    # running -> running, a file and a tree; --archive: the destination user's ids
    pp("cp", "c2c-other:/src/f", "c2c-live:/tmp/")
    pp("cp", "c2c-other:/src/tree", "c2c-live:/tmp/t")
    out = pp("exec", "c2c-live", "sh", "-c",
             "cat /tmp/f /tmp/t/sub/g /tmp/t/link; stat -c %u:%g /tmp/f /tmp/t/sub/g; "
             "readlink /tmp/t/link")  # fmt: skip
    assert out.stdout.split() == ["one", "two", "two", "5:6", "5:6", "sub/g"]
    # running -> stopped, and back out of the stopped one into a running one
    pp("cp", "c2c-other:/src/tree/.", "c2c-cold:/copied")
    pp("cp", "c2c-cold:/copied", "c2c-other:/back")
    out = pp("exec", "c2c-other", "sh", "-c", "cat /back/sub/g; ls /back")
    assert out.stdout.split() == ["two", "link", "sub"]
    # --archive=false between containers: the source container user's ids (root here)
    pp("cp", "-a=false", "c2c-other:/src/f", "c2c-live:/tmp/keep")
    assert pp("exec", "c2c-live", "stat", "-c", "%u:%g", "/tmp/keep").stdout == "0:0\n"
    pp("cp", "-a=false", "c2c-live:/tmp/f", "c2c-other:/from-live")
    assert pp("exec", "c2c-other", "stat", "-c", "%u:%g", "/from-live").stdout == "5:6\n"
    # file onto an existing file: renamed to it; stopped -> stopped
    pp("cp", "c2c-cold:/copied/sub/g", "c2c-cold:/etc/hostname-copy")
    pp("cp", "c2c-cold:/etc/hostname-copy", "c2c-other:/src/f")
    assert pp("exec", "c2c-other", "cat", "/src/f").stdout == "two\n"


def test_cp_volumes_binds_and_tmpfs(
    engine: tuple[Pypod, StoreDirs],  # noqa: F811
    workdir: str,  # noqa: F811
) -> None:
    pp, _ = engine
    bind = os.path.join(workdir, "bind")
    os.mkdir(bind)
    os.chmod(bind, 0o777)
    src = _write(os.path.join(workdir, "in", "f.txt"), "payload\n")
    mounts = ("-v", f"{bind}:/data", "-v", "cpvol:/vol", "--tmpfs", "/scratch")
    pp("run", "-d", "--name", "mnt-live", *mounts, BUSYBOX_REF, "sh", "-c", LOOP)
    # into a running container: the file lands in the mount, seen inside and at the source
    pp("cp", src, "mnt-live:/data/")
    pp("cp", src, "mnt-live:/vol/v.txt")
    pp("cp", src, "mnt-live:/scratch/s.txt")
    assert _read(os.path.join(bind, "f.txt")) == "payload\n"
    out = pp("exec", "mnt-live", "cat", "/data/f.txt", "/vol/v.txt", "/scratch/s.txt")
    assert out.stdout == "payload\n" * 3
    # and out of each mount
    pp("exec", "mnt-live", "sh", "-c", "echo tmp > /scratch/only-here")
    pp("cp", "mnt-live:/scratch/only-here", os.path.join(workdir, "got-tmpfs"))
    pp("cp", "mnt-live:/vol/v.txt", os.path.join(workdir, "got-vol"))
    assert _read(os.path.join(workdir, "got-tmpfs")) == "tmp\n"
    assert _read(os.path.join(workdir, "got-vol")) == "payload\n"
    # a stopped container: resolved against its mounts, as Podman does
    pp("create", "--name", "mnt-cold", "-v", f"{bind}:/data", "-v", "cpvol:/vol",
       BUSYBOX_REF, "true")  # fmt: skip
    pp("cp", src, "mnt-cold:/data/cold.txt")
    pp("cp", src, "mnt-cold:/vol/cold.txt")
    assert _read(os.path.join(bind, "cold.txt")) == "payload\n"
    assert pp("exec", "mnt-live", "cat", "/vol/cold.txt").stdout == "payload\n"
    pp("cp", "mnt-cold:/vol/v.txt", os.path.join(workdir, "got-cold-vol"))
    assert _read(os.path.join(workdir, "got-cold-vol")) == "payload\n"
    # relative container paths start at the working directory
    pp("run", "-d", "--name", "mnt-wd", "-w", "/vol", "-v", "cpvol:/vol", BUSYBOX_REF,
       "sh", "-c", LOOP)  # fmt: skip
    pp("cp", "mnt-wd:v.txt", os.path.join(workdir, "rel"))
    assert _read(os.path.join(workdir, "rel")) == "payload\n"


def test_cp_errors_as_podman(
    engine: tuple[Pypod, StoreDirs],  # noqa: F811
    workdir: str,  # noqa: F811
) -> None:
    pp, _ = engine
    src = _write(os.path.join(workdir, "f.txt"), "x\n")
    pp("run", "-d", "--name", "err-live", BUSYBOX_REF, "sh", "-c", LOOP)
    pp("create", "--name", "err-cold", BUSYBOX_REF, "true")
    cases = [
        (("nope:/x", "err-live:/tmp"), 'container "nope" does not exist'),
        (("err-live:/etc/passwd", "nope:/x"), 'container "nope" does not exist'),
        (("err-live:/missing", "err-cold:/tmp"),
         '"/missing" could not be found on container err-live: no such file or directory'),
        (("err-live:/etc/passwd", "err-cold:/no/such/dir"),
         '"/no/such/dir" could not be found on container err-cold'),
        (("err-live:/etc/passwd", "err-cold:/tmp/x/"),
         '"/tmp/x/" could not be found on container err-cold'),
        (("err-live:/etc", "err-cold:/etc/passwd"),
         "destination must be a directory when copying a directory"),
        ((src, workdir), "name or ID cannot be empty"),
        (("err-live:", src), "you must specify paths"),
    ]  # fmt: skip
    for args, message in cases:
        r = pp("cp", *args, check=False)
        assert r.rc == 125 and message in r.stderr, r
    r = pp("cp", "-", "err-live:/tmp", input=b"not a tar archive", check=False)
    assert r.rc == 125
    assert "source must be a (compressed) tar archive when copying from stdin" in r.stderr
    for dest in ("err-live:/etc/passwd", "err-live:/tmp/new"):
        r = pp("cp", "-", dest, input=_tar(("a", b"a")), check=False)
        assert r.rc == 125 and "destination must be a directory when copying from stdin" in r.stderr


@pytest.mark.parametrize("state", ["running", "stopped"])
def test_cp_failure_leaves_nothing_half_made(
    engine: tuple[Pypod, StoreDirs],  # noqa: F811
    workdir: str,  # noqa: F811
    state: str,
) -> None:
    pp, _ = engine
    name = f"half-{state}"
    if state == "running":
        pp("run", "-d", "--name", name, BUSYBOX_REF, "sh", "-c", LOOP)
    else:
        pp("run", "--name", name, BUSYBOX_REF, "true")
    pp("run", "-d", "--name", f"{name}-src", BUSYBOX_REF, "sh", "-c",
       f"mkdir -p /t/b; echo a > /t/a.txt; {LOOP}")  # fmt: skip
    # the destination holds /dst/t/b as a file: the tree's "b" directory cannot replace it
    pp("cp", "-", f"{name}:/", input=_tar(("dst/t/b", b"file\n")))
    host_tree = os.path.join(workdir, "t")
    _write(os.path.join(host_tree, "a.txt"), "a\n")
    os.mkdir(os.path.join(host_tree, "b"))
    for source in (host_tree, f"{name}-src:/t"):
        r = pp("cp", source, f"{name}:/dst/", check=False)
        assert r.rc == 125 and "cannot overwrite non-directory" in r.stderr, r
        listing = pp("cp", f"{name}:/dst", "-").stdout_bytes
        with tarfile.open(fileobj=io.BytesIO(listing)) as tar:
            assert sorted(tar.getnames()) == ["dst", "dst/t", "dst/t/b"]  # a.txt rolled back
    # a truncated archive on stdin: nothing of it stays
    whole = _tar(("in/one", b"1" * 4096), ("in/two", b"2" * 200_000))
    r = pp("cp", "-", f"{name}:/tmp", input=whole[:100_000], check=False)
    assert r.rc == 125 and "tar" in r.stderr
    r = pp("cp", f"{name}:/tmp/in", os.path.join(workdir, "x"), check=False)
    assert r.rc == 125 and "could not be found" in r.stderr


def test_cp_paused_container(pypod: Pypod, busybox: str, workdir: str) -> None:  # noqa: F811
    pypod("run", "-d", "--name", "cp-paused", "--tmpfs", "/scratch", busybox, "sh", "-c", LOOP)
    try:
        pypod("pause", "cp-paused")
        pypod("cp", _write(os.path.join(workdir, "p.txt"), "paused\n"), "cp-paused:/scratch/")
        pypod("cp", "cp-paused:/scratch/p.txt", os.path.join(workdir, "back"))
        assert _read(os.path.join(workdir, "back")) == "paused\n"
        pypod("unpause", "cp-paused")
        assert pypod("exec", "cp-paused", "cat", "/scratch/p.txt").stdout == "paused\n"
    finally:
        pypod("rm", "-f", "-t", "0", "cp-paused", check=False)
