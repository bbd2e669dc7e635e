"""cp with containers that have a user namespace of their own (--userns auto, and keep-id
rootless): ids in the copy are the container's own, whichever way and whatever state."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile

import pytest

from tests.e2e.cli_run_helpers import engine, workdir  # noqa: F401 - fixtures
from tests.fixtures.images import BUSYBOX_REF as BB
from tests.fixtures.pypod_cli import Pypod, StoreDirs
from tests.fixtures.users import RootlessPypod, get_test_user

LOOP = "while true; do sleep 0.1; done"


def _auto(pp: Pypod) -> str:
    if isinstance(pp, RootlessPypod):
        return "auto:size=2000"
    with open("/etc/subuid", encoding="utf-8") as f:
        if not any(line.startswith("containers:") for line in f):
            pytest.skip('no /etc/subuid range for "containers" (make setup adds one)')
    return "auto:size=2000"


def pp_uid() -> int:
    return get_test_user().uid


def _owners(pp: Pypod, name: str, *paths: str) -> list[str]:
    out = pp("exec", name, "stat", "-c", "%u:%g", *paths).stdout
    return out.split()


def _tar_ids(pp: Pypod, src: str) -> dict[str, tuple[int, int]]:
    argv = pp.argv(("cp", src, "-"))
    if isinstance(pp, RootlessPypod):
        from tests.fixtures.users import run_as_user

        data = run_as_user(argv).stdout_bytes
    else:
        data = subprocess.run(argv, capture_output=True, check=True, timeout=60).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: (m.uid, m.gid) for m in tar.getmembers()}


def test_cp_keeps_the_containers_own_ids(engine: tuple[Pypod, StoreDirs], workdir: str) -> None:  # noqa: F811
    pp, _store = engine
    mode = _auto(pp)
    src = os.path.join(workdir, "in.txt")
    with open(src, "w") as f:
        f.write("hello\n")
    os.chmod(src, 0o644)
    # its user is 5:6: what -a (the default) makes of a copy into it, and what a copy out of it
    # to another container with --archive=false carries (Podman's rules)
    pp("run", "-d", "--name", "cpu-a", "--user", "5:6", "--userns", mode, BB, "sh", "-c", LOOP)
    pp("exec", "--user", "0", "cpu-a", "sh", "-c", "echo x > /made && chown 7:8 /made")
    # into and out of a running container (the tar carries the container's own ids)
    pp("cp", src, "cpu-a:/in.txt")
    assert _owners(pp, "cpu-a", "/in.txt") == ["5:6"]
    assert _tar_ids(pp, "cpu-a:/made") == {"made": (7, 8)}
    # and of a stopped one (its rootfs is the id-mapped fuse-overlayfs mount)
    pp("stop", "-t", "0", "cpu-a")
    pp("cp", src, "cpu-a:/in2.txt")
    assert _tar_ids(pp, "cpu-a:/made") == {"made": (7, 8)}
    # container to container, each with its own (different) maps
    pp("run", "-d", "--name", "cpu-b", "--userns", mode, BB, "sh", "-c", LOOP)
    pp("cp", "--archive=false", "cpu-a:/made", "cpu-b:/made")
    pp("cp", "cpu-a:/made", "cpu-b:/made-a")
    pp("start", "cpu-a")
    assert _owners(pp, "cpu-a", "/in.txt", "/in2.txt", "/made") == ["5:6", "5:6", "7:8"]
    assert _owners(pp, "cpu-b", "/made", "/made-a", "/etc/passwd") == ["5:6", "0:0", "0:0"]
    # to the host: the caller's file, as always
    out = os.path.join(workdir, "out")
    os.mkdir(out)
    os.chmod(out, 0o777)
    pp("cp", "cpu-b:/made", out)
    st = os.stat(os.path.join(out, "made"))
    caller = os.geteuid() if not isinstance(pp, RootlessPypod) else pp_uid()
    assert (st.st_uid, st.st_size) == (caller, 2)
