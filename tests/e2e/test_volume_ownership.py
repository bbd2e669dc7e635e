"""Who owns a named volume (and a :U bind source) once a container uses it, as Podman 4.3:
on first use the volume's top directory goes to the container's user, or takes the owner and
mode of the mount point the image has there; :U chowns the whole tree to the user."""

from __future__ import annotations

import json
import os

import pytest

from tests.e2e.cli_run_helpers import engine, workdir  # noqa: F401 - fixtures
from tests.fixtures.images import BUSYBOX_REF as BB
from tests.fixtures.pypod_cli import Pypod, StoreDirs
from tests.fixtures.users import RootlessPypod


def _stat(pp: Pypod, mounts: list[str], path: str, user: str = "1000:1000") -> str:
    args = [f"-v{m}" for m in mounts]
    cmd = ("run", "--rm", "--network", "none", "--user", user, *args, BB, "stat", "-c",
           "%u:%g %a", path)  # fmt: skip
    return pp(*cmd).stdout.strip()


def test_first_use_hands_the_volume_to_the_user(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    try:
        # no /data in the image: the volume becomes the container user's
        assert _stat(pp, ["vo-a:/data"], "/data") == "1000:1000 755"
        doc = json.loads(pp("volume", "inspect", "vo-a").stdout)[0]
        assert "NeedsChown" not in doc  # done once
        # later users do not take it over
        assert _stat(pp, ["vo-a:/data"], "/data", user="2000:2000") == "1000:1000 755"
        # the image has the mount point: the volume takes its owner and mode (copy-up too)
        assert _stat(pp, ["vo-b:/tmp"], "/tmp") == "0:0 1777"
        # -o uid/gid: the volume keeps what it was created with
        pp("volume", "create", "-o", "o=uid=3000,gid=3000", "vo-c")
        assert _stat(pp, ["vo-c:/data"], "/data") == "3000:3000 755"
        # :U chowns everything in it to the user, every time
        pp("run", "--rm", "--network", "none", "-v", "vo-d:/data", BB, "sh", "-c",
           "mkdir -p /data/sub && touch /data/sub/f")  # fmt: skip
        out = pp("run", "--rm", "--network", "none", "--user", "1000:1000", "-v",
                 "vo-d:/data:U", BB, "stat", "-c", "%u:%g", "/data", "/data/sub",
                 "/data/sub/f").stdout  # fmt: skip
        assert out.split() == ["1000:1000"] * 3
    finally:
        pp("volume", "rm", "-f", "vo-a", "vo-b", "vo-c", "vo-d", check=False)


def test_user_namespace_and_bind_sources(
    engine: tuple[Pypod, StoreDirs],  # noqa: F811
    workdir: str,  # noqa: F811
) -> None:
    pp, _store = engine
    rootless = isinstance(pp, RootlessPypod)
    if not rootless:
        with open("/etc/subuid", encoding="utf-8") as f:
            if not any(line.startswith("containers:") for line in f):
                pytest.skip('no /etc/subuid range for "containers" (make setup adds one)')
    try:
        # the ids are the container's own, whatever its maps
        args = ["--userns", "auto:size=3000"]
        out = pp("run", "--rm", "--network", "none", *args, "--user", "1000:1000", "-v",
                 "vo-u:/data", BB, "stat", "-c", "%u:%g", "/data").stdout  # fmt: skip
        assert out == "1000:1000\n"
        if rootless:
            return  # a root-owned bind source cannot be chowned by the user
        src = os.path.join(workdir, "u")
        os.makedirs(os.path.join(src, "sub"))
        assert _stat(pp, [f"{src}:/b:U"], "/b/sub") == "1000:1000 755"
        st = os.stat(os.path.join(src, "sub"))
        assert (st.st_uid, st.st_gid) == (1000, 1000)
    finally:
        pp("volume", "rm", "-f", "vo-u", check=False)
