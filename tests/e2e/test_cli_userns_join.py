"""--userns container:NAME: a container joins another container's user namespace, root and
rootless.

The joiner copies the target's id maps (its rootfs is mounted through fuse-overlayfs with
them, so image files keep their owners), depends on the target (rm refuses the target while
the joiner exists, --depend removes both) and starts it first when it is not running.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.cli_run_helpers import engine  # noqa: F401 - fixture
from tests.fixtures.images import BUSYBOX_REF as BB
from tests.fixtures.pypod_cli import Pypod, StoreDirs
from tests.fixtures.users import RootlessPypod

PROBE = "cat /proc/self/uid_map; readlink /proc/self/ns/user"


def _rootless(pp: Pypod) -> bool:
    return isinstance(pp, RootlessPypod)


def _own_mode(pp: Pypod) -> str:
    """A --userns mode with a namespace of its own that this host supports."""
    if _rootless(pp):
        return "keep-id"
    with open("/etc/subuid", encoding="utf-8") as f:
        if not any(line.startswith("containers:") for line in f):
            pytest.skip('no /etc/subuid range for "containers" (make setup adds one)')
    return "auto:size=2000"


def _inspect(pp: Pypod, name: str) -> dict:
    return json.loads(pp("inspect", name).stdout)[0]


def _probe(pp: Pypod, name: str) -> list[str]:
    return pp("exec", name, "sh", "-c", PROBE).stdout.split()


def test_joiner_shares_the_namespace_and_keeps_owners(
    engine: tuple[Pypod, StoreDirs],  # noqa: F811
) -> None:
    pp, _store = engine
    mode = _own_mode(pp)
    target = pp("run", "-d", "--name", "jt", "--userns", mode, BB, "sleep", "1000").stdout.strip()
    expected = _probe(pp, "jt")
    assert expected[-1] != pp("run", "--rm", BB, "readlink", "/proc/self/ns/user").stdout.strip()
    # a run with its own network namespace (made inside the joined user namespace)
    out = pp("run", "--rm", "--userns", "container:jt", BB, "sh", "-c",
             f"{PROBE}; id -u; stat -c %u:%g /etc/passwd /bin/busybox; touch /new; "
             "stat -c %u:%g /new").stdout.split()  # fmt: skip
    # the target's user (keep-id) is not passed on, as Podman's WithUserNSFrom
    assert out == [*expected, "0", "0:0", "0:0", "0:0"]
    # by id prefix; inspect shows the join and the target's maps
    pp("create", "--name", "jj", "--network", "none", "--userns", f"container:{target[:12]}",
       BB, "sleep", "1000")  # fmt: skip
    doc, tdoc = _inspect(pp, "jj"), _inspect(pp, "jt")
    assert doc["HostConfig"]["UsernsMode"] == f"container:{target}"
    assert doc["HostConfig"]["IDMappings"] == tdoc["HostConfig"]["IDMappings"]
    assert target in doc["Dependencies"]
    # the target is a dependency: refused while the joiner exists, even with -f
    for flags in ((), ("-f", "-t", "0")):
        r = pp("rm", *flags, "jt", check=False)
        assert r.rc == 125 and "has dependent containers which must be removed before it: jj" in (
            r.stderr
        ), r.stderr
    assert pp("ps", "-a", "--format", "{{.Names}}").stdout.split() == ["jt", "jj"]  # oldest first
    # starting the joiner starts a stopped target first, and joins its new namespace
    pp("stop", "-t", "0", "jt")
    pp("start", "jj")
    assert _inspect(pp, "jt")["State"]["Status"] == "running"
    assert _probe(pp, "jj") == _probe(pp, "jt")
    out = pp("rm", "-f", "-t", "0", "--depend", "jt").stdout.split()
    assert sorted(out) == sorted([doc["Id"], "jt"])
    assert pp("ps", "-aq").stdout == ""


def test_join_a_container_without_its_own_namespace(
    engine: tuple[Pypod, StoreDirs],  # noqa: F811
) -> None:
    pp, _store = engine
    target = pp("run", "-d", "--name", "plain", BB, "sleep", "1000").stdout.strip()
    expected = _probe(pp, "plain")
    out = pp("run", "--rm", "--userns", "container:plain", BB, "sh", "-c",
             f"{PROBE}; stat -c %u:%g /etc/passwd").stdout.split()  # fmt: skip
    assert out == [*expected, "0:0"]
    pp("create", "--name", "pj", "--userns", "container:plain", BB, "true")
    host_config = _inspect(pp, "pj")["HostConfig"]
    assert host_config["UsernsMode"] == f"container:{target}"
    assert "IDMappings" not in host_config
    r = pp("rm", "plain", check=False)
    assert r.rc == 125 and "has dependent containers" in r.stderr


def test_join_errors_leave_nothing(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    for mode, message in (
        ("container:nosuch", 'looking up container to share user namespace with: no container '
                             'with name or ID "nosuch" found: no such container'),
        ("container:", "must provide name or ID or a container"),
        ("ns:/proc/1/ns/user", "joining a user namespace by path is not supported by pypod"),
    ):  # fmt: skip
        for verb in ("run", "create"):
            r = pp(verb, "--name", "bad", "--userns", mode, BB, "true", check=False)
            assert r.rc == 125 and message in r.stderr, r.stderr
            assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert pp("ps", "-aq").stdout == ""
    pp("create", "--name", "tgt", BB, "true")
    r = pp("pod", "create", "--name", "jp", "--userns", "container:tgt", check=False)
    assert r.rc == 125 and "a pod cannot join the user namespace of another container" in r.stderr
    pp("pod", "create", "--name", "jp2", "--network", "none")
    try:
        r = pp("create", "--pod", "jp2", "--userns", "container:tgt", BB, "true", check=False)
        assert r.rc == 125, r.stderr
        assert "cannot set user namespace mode when joining pod with infra container" in r.stderr
    finally:
        pp("pod", "rm", "-a", "-f", "-t", "0", check=False, timeout=60)
    assert pp("ps", "-a", "--format", "{{.Names}}").stdout.split() == ["tgt"]
