"""core.users: --user/--group-add resolved inside the rootfs, as Podman does."""

from __future__ import annotations

import os
import pathlib

import pytest

from pypod.core import users
from pypod.errors import InvalidArgument


@pytest.fixture
def rootfs(tmp_path: pathlib.Path) -> str:
    (tmp_path / "real-etc").mkdir()
    os.symlink("/real-etc", tmp_path / "etc")  # absolute symlink: must stay inside the rootfs
    (tmp_path / "real-etc/passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\n# comment\nu:x:1000:1000:u:/home/u:/bin/sh\n"
    )
    (tmp_path / "real-etc/group").write_text("root:x:0:\nwheel:x:10:u,root\naudio:x:29:u\n")
    return str(tmp_path)


@pytest.mark.parametrize(
    ("spec", "group_add", "uid", "gid", "gids", "home"),
    [
        ("", (), 0, 0, (10,), "/root"),
        ("root", (), 0, 0, (0, 10), "/root"),
        ("u", ("audio",), 1000, 1000, (1000, 29, 10), "/home/u"),
        ("1000", (), 1000, 1000, (1000, 10, 29), "/home/u"),
        ("u:wheel", (), 1000, 10, (10,), "/home/u"),
        ("2000", (), 2000, 0, (0,), ""),
        ("2000:3000", ("5",), 2000, 3000, (3000, 5), ""),
    ],
)
def test_resolve(rootfs: str, spec: str, group_add: tuple[str, ...], uid: int, gid: int,
                 gids: tuple[int, ...], home: str) -> None:  # fmt: skip
    u = users.resolve_user(rootfs, spec, group_add)
    assert (u.uid, u.gid, u.additional_gids, u.home) == (uid, gid, gids, home)


def test_unknown_names(rootfs: str) -> None:
    with pytest.raises(InvalidArgument, match="unable to find user nosuch: no matching entries"):
        users.resolve_user(rootfs, "nosuch")
    with pytest.raises(InvalidArgument, match="unable to find group nope"):
        users.resolve_user(rootfs, "u:nope")
    with pytest.raises(InvalidArgument, match="unable to find group nope"):
        users.resolve_user(rootfs, "u", ("nope",))
    with pytest.raises(InvalidArgument, match="keep-groups"):
        users.resolve_user(rootfs, "", ("keep-groups",))


def test_symlinks_never_leave_the_rootfs(tmp_path: pathlib.Path) -> None:
    (tmp_path / "etc").mkdir()
    os.symlink("../../../../../etc/shadow", tmp_path / "etc/passwd")
    assert users.resolve_in_root(str(tmp_path), "/etc/passwd") == str(tmp_path / "etc/shadow")
    assert users.read_passwd(str(tmp_path)) == []  # the host's file is never read


def test_passwd_entry() -> None:
    line = users.passwd_entry("$USERNAME:x:$UID:$GID:$NAME:$HOME:/bin/sh", uid=5, gid=6,
                              name="bob", home="/h")  # fmt: skip
    assert line == "bob:x:5:6:bob:/h:/bin/sh\n"
