"""--userns for containers and pods (keep-id, nomap, auto), root and rootless.

A container in a user namespace of its own has its rootfs mounted through fuse-overlayfs with
uidmapping/gidmapping, so image files keep their in-image owners inside; removing it leaves
neither the mount nor a fuse-overlayfs process. Root's `auto` takes its ids from the
/etc/subuid range of the user "containers" (hack/setup.sh adds one).
"""

from __future__ import annotations

import grp
import itertools
import json
import os
import pwd

import pytest

from tests.e2e.cli_run_helpers import engine, processes  # noqa: F401 - fixture
from tests.fixtures.images import BUSYBOX_REF as BB
from tests.fixtures.pypod_cli import Pypod, StoreDirs
from tests.fixtures.users import RootlessPypod, get_test_user

OWNERS = "stat -c '%u:%g' /etc/group /bin/busybox"


def _rootless(pp: Pypod) -> bool:
    return isinstance(pp, RootlessPypod)


def _has_auto_range() -> bool:
    with open("/etc/subuid", encoding="utf-8") as f:
        return any(line.startswith("containers:") for line in f)


def _mountinfo(pp: Pypod) -> str:
    if _rootless(pp):  # the mounts live in the rootless namespace's mount namespace
        return pp("unshare", "cat", "/proc/self/mountinfo").stdout
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        return f.read()


def _fuse_processes(cid: str) -> list[int]:
    """Live fuse-overlayfs processes serving cid's rootfs."""
    return [
        pid for pid, argv in processes()
        if os.path.basename(argv[0]) == b"fuse-overlayfs" and cid.encode() in b" ".join(argv)
    ]  # fmt: skip


def _uid_map(pp: Pypod, *args: str) -> list[list[int]]:
    out = pp("run", "--rm", *args, BB, "cat", "/proc/self/uid_map").stdout
    return [[int(x) for x in line.split()] for line in out.splitlines()]


def test_keep_id_maps_the_user_and_keeps_owners(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    if not _rootless(pp):
        r = pp("run", "--rm", "--userns", "keep-id", BB, "true", check=False)
        assert r.rc == 125 and "keep-id is only supported in rootless mode" in r.stderr
        assert pp("ps", "-aq").stdout == ""
        return
    uid = get_test_user().uid
    out = pp("run", "--rm", "--userns", "keep-id", BB, "sh", "-c", f"id -u; id -g; {OWNERS}")
    assert out.stdout.split() == [str(uid), str(get_test_user().gid), "0:0", "0:0"]
    # the user's group gets an /etc/group entry with its host name (Podman's generateGroupEntry)
    group = grp.getgrgid(get_test_user().gid).gr_name
    names = pp("run", "--rm", "--userns", "keep-id", BB, "sh", "-c", "id -gn; id -un").stdout
    assert names.split() == [group, pwd.getpwuid(uid).pw_name]
    assert [uid, 0, 1] in _uid_map(pp, "--userns", "keep-id")
    # --user wins over keep-id's default user; uid= moves the user's own id
    assert pp("run", "--rm", "--userns", "keep-id", "--user", "0", BB, "id", "-u").stdout == "0\n"
    out = pp("run", "--rm", "--userns", "keep-id:uid=200,gid=210", BB, "sh", "-c",
             f"id -u; id -g; {OWNERS}")  # fmt: skip
    assert out.stdout.split() == ["200", "210", "0:0", "0:0"]


def test_auto_and_nomap_keep_owners(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    if not _rootless(pp) and not _has_auto_range():
        pytest.skip('no /etc/subuid range for "containers" (make setup adds one)')
    out = pp("run", "--rm", "--userns", "auto:size=2000", BB, "sh", "-c",
             f"id -u; {OWNERS}; touch /new; stat -c '%u:%g' /new")  # fmt: skip
    assert out.stdout.split() == ["0", "0:0", "0:0", "0:0"]
    (inside, outside, size), *_rest = _uid_map(pp, "--userns", "auto:size=2000")
    assert (inside, size) == (0, 2000) and outside > 0
    if _rootless(pp):
        assert _uid_map(pp, "--userns", "nomap")[0][:2] == [0, 1]
        out = pp("run", "--rm", "--userns", "nomap", BB, "sh", "-c", f"id -u; {OWNERS}")
        assert out.stdout.split() == ["0", "0:0", "0:0"]
    else:
        r = pp("run", "--rm", "--userns", "nomap", BB, "true", check=False)
        assert r.rc == 125 and "nomap is only supported in rootless mode" in r.stderr


def test_auto_containers_get_distinct_ranges_and_inspect(
    engine: tuple[Pypod, StoreDirs],  # noqa: F811
) -> None:
    pp, _store = engine
    if not _rootless(pp) and not _has_auto_range():
        pytest.skip('no /etc/subuid range for "containers" (make setup adds one)')
    pp("create", "--name", "ua", "--userns", "auto:size=1500", BB, "true")
    pp("create", "--name", "ub", "--userns", "auto:size=1500", BB, "true")
    docs = json.loads(pp("inspect", "ua", "ub").stdout)
    maps = [d["HostConfig"]["IDMappings"]["UidMap"] for d in docs]
    assert all(d["HostConfig"]["UsernsMode"] == "private" for d in docs)
    (a,), (b,) = maps
    a_start, b_start = int(a.split(":")[1]), int(b.split(":")[1])
    assert a.endswith(":1500") and b.endswith(":1500") and abs(a_start - b_start) >= 1500
    plain = json.loads(pp("inspect", pp("create", BB, "true").stdout.strip()).stdout)[0]
    assert plain["HostConfig"]["UsernsMode"] == "" and "IDMappings" not in plain["HostConfig"]


def test_concurrent_auto_creates_get_disjoint_ranges(
    engine: tuple[Pypod, StoreDirs],  # noqa: F811
) -> None:
    pp, _store = engine
    if not _rootless(pp) and not _has_auto_range():
        pytest.skip('no /etc/subuid range for "containers" (make setup adds one)')
    from concurrent.futures import ThreadPoolExecutor

    def create(i: int) -> str:
        return pp("create", "--name", f"par{i}", "--userns", "auto:size=1000", BB, "true").stdout

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(create, range(4)))
    docs = json.loads(pp("inspect", *(f"par{i}" for i in range(4))).stdout)
    starts = sorted(int(d["HostConfig"]["IDMappings"]["UidMap"][0].split(":")[1]) for d in docs)
    assert all(b - a >= 1000 for a, b in itertools.pairwise(starts)), starts


def test_bad_userns_fails_and_leaves_nothing(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    for mode, message in (
        ("bogus", "unrecognized namespace mode bogus passed"),
        ("auto:size=x", "invalid value 'x' for option size of --userns auto"),
        ("auto:color=red", "unknown option 'color=red' for --userns auto"),
    ):
        r = pp("run", "--rm", "--name", "bad", "--userns", mode, BB, "true", check=False)
        assert r.rc == 125 and message in r.stderr, r.stderr
        r = pp("pod", "create", "--name", "badpod", "--userns", mode, check=False)
        assert r.rc == 125 and message in r.stderr, r.stderr
    assert pp("ps", "-aq").stdout == ""
    assert pp("pod", "ps", "-q").stdout == ""


def test_pod_userns_is_shared_and_removal_leaves_nothing(
    engine: tuple[Pypod, StoreDirs],  # noqa: F811
) -> None:
    pp, _store = engine
    if not _rootless(pp) and not _has_auto_range():
        pytest.skip('no /etc/subuid range for "containers" (make setup adds one)')
    mode = "keep-id" if _rootless(pp) else "auto"
    try:
        pp("pod", "create", "--name", "upod", "--network", "none", "--userns", mode)
        pod_doc = json.loads(pp("pod", "inspect", "upod").stdout)
        infra = pod_doc["InfraContainerID"]
        assert pod_doc["InfraConfig"]["userns"] == mode
        cid = pp("run", "-d", "--pod", "upod", "--name", "um", BB, "sleep", "1000").stdout.strip()
        pids = [json.loads(pp("inspect", c).stdout)[0]["State"]["Pid"] for c in (infra, cid)]
        infra_ns, member_ns = (os.readlink(f"/proc/{pid}/ns/user") for pid in pids)
        assert member_ns == infra_ns != os.readlink("/proc/self/ns/user")
        lines = [
            x.split() for x in pp("exec", "um", "cat", "/proc/self/uid_map").stdout.splitlines()
        ]
        if _rootless(pp):
            assert [str(get_test_user().uid), "0", "1"] in lines
        else:
            assert lines[0][:1] == ["0"] and lines[0][1] != "0"
        expected_uid = str(get_test_user().uid) if _rootless(pp) else "0"
        out = pp("exec", "um", "sh", "-c", f"id -u; {OWNERS}; hostname").stdout.split()
        assert out == [expected_uid, "0:0", "0:0", "upod"]
        r = pp("run", "--rm", "--pod", "upod", "--userns", "host", BB, "true", check=False)
        assert r.rc == 125
        assert "cannot set user namespace mode when joining pod with infra container" in r.stderr
        assert any(cid in line for line in _mountinfo(pp).splitlines())
        assert _fuse_processes(cid)
        clone = pp("pod", "clone", "upod").stdout.strip()
        assert json.loads(pp("pod", "inspect", clone).stdout)["InfraConfig"]["userns"] == mode
    finally:
        pp("pod", "rm", "-a", "-f", "-t", "0", check=False, timeout=60)
    assert not any(cid in line for line in _mountinfo(pp).splitlines())
    assert not any(infra in line for line in _mountinfo(pp).splitlines())
    assert _fuse_processes(cid) == [] and _fuse_processes(infra) == []
