"""The rootless user namespace, exercised as the real unprivileged user through `pypod unshare`.

Tests that kill or count pause processes use a private XDG_RUNTIME_DIR (and so a private pause
process): the user's shared one serves every other rootless test running in parallel.
"""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from pypod.host import userns
from tests.fixtures.pypod_cli import Pypod
from tests.fixtures.users import RootlessPypod, UserInfo, run_as_user

pytestmark = pytest.mark.rootless


def _pause_pid(runtime_dir: str) -> int:
    with open(os.path.join(runtime_dir, "pypod", "pause.pid"), encoding="ascii") as f:
        return int(f.read())


def _user_ns(pid: int | str) -> str:
    return os.readlink(f"/proc/{pid}/ns/user")


def _pause_processes(uid: int) -> list[int]:
    """Live catatonit -P processes of uid."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != uid:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if os.path.basename(argv[0]) == b"catatonit" and b"-P" in argv:
            found.append(int(entry))
    return found


def test_unshare_makes_the_user_root(pypod_rootless: RootlessPypod) -> None:
    assert pypod_rootless("unshare", "id", "-u").stdout == "0\n"
    assert pypod_rootless("unshare", "id", "-g").stdout == "0\n"


def test_uid_map_holds_the_subuid_range(
    pypod_rootless: RootlessPypod, rootless_user: UserInfo
) -> None:
    start, count = rootless_user.subuid
    for file, (sub_start, sub_count), own in (
        ("uid_map", (start, count), rootless_user.uid),
        ("gid_map", rootless_user.subgid, rootless_user.gid),
    ):
        out = pypod_rootless("unshare", "cat", f"/proc/self/{file}").stdout
        rows = [line.split() for line in out.splitlines()]
        assert rows[0] == ["0", str(own), "1"]
        assert rows[1] == ["1", str(sub_start), str(sub_count)]


def test_unshare_sets_storage_env(pypod_rootless: RootlessPypod) -> None:
    out = pypod_rootless("unshare", "env").stdout.splitlines()
    assert f"CONTAINERS_GRAPHROOT={pypod_rootless.dirs.root}" in out
    assert f"CONTAINERS_RUNROOT={pypod_rootless.dirs.runroot}" in out


def test_chown_inside_maps_to_subordinate_ids(
    pypod_rootless: RootlessPypod, rootless_user: UserInfo
) -> None:
    path = os.path.join(pypod_rootless.dirs.base, "owned-by-1000")
    pypod_rootless("unshare", "sh", "-c", f"touch {path} && chown 1000:1000 {path}")
    st = os.stat(path)
    assert st.st_uid == rootless_user.subuid[0] + 999
    assert st.st_gid == rootless_user.subgid[0] + 999
    # and the user's own files are root's inside
    assert pypod_rootless("unshare", "stat", "-c", "%u", pypod_rootless.dirs.base).stdout == "0\n"


def test_exit_status_and_missing_command(pypod_rootless: RootlessPypod) -> None:
    assert pypod_rootless("unshare", "sh", "-c", "exit 3", check=False).rc == 3
    missing = pypod_rootless("unshare", "no-such-command-xyz", check=False)
    assert missing.rc == 127
    assert "executable file not found" in missing.stderr


def test_unshare_defaults_to_a_shell(pypod_rootless: RootlessPypod) -> None:
    assert pypod_rootless("unshare", input="id -u\n").stdout == "0\n"


def test_unshare_as_root_fails(pypod: Pypod) -> None:
    result = pypod("unshare", "id", check=False)
    assert result.rc == 125
    assert result.stderr == "Error: please use unshare with rootless\n"


def test_runtime_dir_falls_back_to_tmp(
    pypod_rootless: RootlessPypod, rootless_user: UserInfo
) -> None:
    pypod_rootless("unshare", "true")
    run_dir = f"/tmp/pypod-run-{rootless_user.uid}"
    st = os.lstat(run_dir)
    assert stat.S_ISDIR(st.st_mode) and st.st_uid == rootless_user.uid
    assert stat.S_IMODE(st.st_mode) == 0o700
    pid = _pause_pid(run_dir)
    assert pid in _pause_processes(rootless_user.uid)


def test_xdg_runtime_dir_holds_the_pause_process(
    pypod_rootless: RootlessPypod, private_runtime_dir: str
) -> None:
    ns = pypod_rootless(
        "unshare", "readlink", "/proc/self/ns/user", env={"XDG_RUNTIME_DIR": private_runtime_dir}
    ).stdout.strip()
    assert _user_ns(_pause_pid(private_runtime_dir)) == ns


def test_concurrent_first_entries_create_one_pause_process(
    pypod_rootless: RootlessPypod, private_runtime_dir: str, rootless_user: UserInfo
) -> None:
    env = {"XDG_RUNTIME_DIR": private_runtime_dir}
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(
            pool.map(
                lambda _: pypod_rootless("unshare", "readlink", "/proc/self/ns/user", env=env),
                range(6),
            )
        )
    namespaces = {r.stdout.strip() for r in results}
    assert len(namespaces) == 1
    holders = [p for p in _pause_processes(rootless_user.uid) if _safe_ns(p) in namespaces]
    assert holders == [_pause_pid(private_runtime_dir)]


def _safe_ns(pid: int) -> str | None:
    try:
        return _user_ns(pid)
    except OSError:
        return None


def test_killed_pause_process_is_recreated(
    pypod_rootless: RootlessPypod, private_runtime_dir: str
) -> None:
    env = {"XDG_RUNTIME_DIR": private_runtime_dir}
    first = pypod_rootless("unshare", "readlink", "/proc/self/ns/user", env=env).stdout
    old_pid = _pause_pid(private_runtime_dir)
    os.kill(old_pid, 9)
    second = pypod_rootless("unshare", "readlink", "/proc/self/ns/user", env=env).stdout
    new_pid = _pause_pid(private_runtime_dir)
    assert new_pid != old_pid
    assert second != first
    assert _user_ns(new_pid) == second.strip()
    assert pypod_rootless("unshare", "id", "-u", env=env).stdout == "0\n"


def test_mounts_persist_between_commands_and_stay_private(
    pypod_rootless: RootlessPypod, private_runtime_dir: str
) -> None:
    env = {"XDG_RUNTIME_DIR": private_runtime_dir}
    target = os.path.join(pypod_rootless.dirs.base, "mnt")
    run_as_user(["mkdir", target])
    pypod_rootless("unshare", "mount", "-t", "tmpfs", "none", target, env=env)
    # a later pypod process joins the same mount namespace...
    seen = pypod_rootless("unshare", "cat", "/proc/self/mountinfo", env=env).stdout
    assert f" {target} " in seen
    # ...and the host never sees it (the namespace's mounts are slaves of the host's)
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        assert f" {target} " not in f.read()


# --- pure logic --------------------------------------------------------------------------------


def test_subid_ranges_by_name_or_uid(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "subuid")
    with open(path, "w", encoding="utf-8") as f:
        f.write("alice:100000:65536\nbob:165536:65536\n1001:300000:1000\nbad line\nalice:x:1\n")
    assert userns.subid_ranges(path, "alice", 1001) == [(100000, 65536), (300000, 1000)]
    assert userns.subid_ranges(path, "carol", 1002) == []
    assert userns.subid_ranges(os.path.join(tmp_path, "missing"), "alice", 1) == []


def test_planned_maps_put_ranges_back_to_back() -> None:
    maps = userns._planned_maps(1001, [(100000, 65536), (300000, 1000)])
    assert [(m.container_id, m.host_id, m.size) for m in maps] == [
        (0, 1001, 1),
        (1, 100000, 65536),
        (65537, 300000, 1000),
    ]


def test_id_mappings_for_root_are_null() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    assert userns.rootless_id_mappings() == {"gidmap": None, "uidmap": None}
