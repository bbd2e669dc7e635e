"""--userns parsing and id maps (core/userns_modes.py): Podman's rules, no host state."""

from __future__ import annotations

import pytest

from pypod.core import userns_modes as um
from pypod.errors import InvalidArgument
from pypod.host.userns import IDMap


def _t(maps: list[IDMap]) -> list[tuple[int, int, int]]:
    return [(m.container_id, m.host_id, m.size) for m in maps]


@pytest.mark.parametrize(
    ("text", "rootless", "expected"),
    [
        ("", False, um.Mode(kind="")),
        ("host", True, um.Mode(kind="host")),
        ("keep-id", True, um.Mode(kind="keep-id")),
        ("keep-id:uid=200,gid=210", True, um.Mode(kind="keep-id", uid=200, gid=210)),
        ("auto", False, um.Mode(kind="auto")),
        ("auto:size=4096", True, um.Mode(kind="auto", size=4096)),
        ("nomap", True, um.Mode(kind="nomap")),
        ("private", False, um.Mode(kind="private")),
        ("container:web", False, um.Mode(kind="container", target="web")),
        ("container:0a1b", True, um.Mode(kind="container", target="0a1b")),
    ],
)
def test_parse(text: str, rootless: bool, expected: um.Mode) -> None:
    assert um.parse(text, rootless=rootless) == expected


@pytest.mark.parametrize(
    ("text", "rootless", "message"),
    [
        ("bogus", True, "unrecognized namespace mode bogus passed"),
        ("keep-id", False, "keep-id is only supported in rootless mode"),
        ("nomap", False, "nomap is only supported in rootless mode"),
        ("auto:size=0", False, "invalid value '0' for option size of --userns auto"),
        ("auto:uid=1", False, "unknown option 'uid=1' for --userns auto"),
        ("keep-id:uid=x", True, 'cannot parse uid value "x"'),
        ("ns:/proc/1/ns/user", False, "joining a user namespace by path is not supported"),
        ("container:", False, "must provide name or ID or a container"),
        ("host:x", False, "unrecognized namespace mode host:x passed"),
    ],
)
def test_parse_errors(text: str, rootless: bool, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        um.parse(text, rootless=rootless)


def test_pod_modes_refuse_joining() -> None:
    assert um.check_pod_mode("auto", rootless=False) == um.Mode(kind="auto")
    with pytest.raises(InvalidArgument, match="a pod cannot join the user namespace"):
        um.check_pod_mode("container:web", rootless=True)
    assert not um.parse("container:web", rootless=True).own


def test_keep_id_and_nomap_maps() -> None:
    # a rootless namespace of 1 + 65536 ids, user 1000
    assert _t(um.keep_id(1000, 65537)) == [(0, 1, 1000), (1000, 0, 1), (1001, 1001, 64536)]
    assert _t(um.keep_id(0, 65537)) == [(0, 0, 1), (1, 1, 65536)]
    assert _t(um.nomap(65537)) == [(0, 1, 65536)]


def test_auto_block_skips_taken_and_spans_ranges() -> None:
    pool = [(200000, 3000), (500000, 5000)]
    assert _t(um.auto_block(pool, 1024, [], "f")) == [(0, 200000, 1024)]
    taken = [(200000, 1024), (201024, 1024)]
    assert _t(um.auto_block(pool, 1024, taken, "f")) == [(0, 202048, 952), (952, 500000, 72)]
    with pytest.raises(InvalidArgument, match="could not find enough available IDs"):
        um.auto_block(pool, 9000, [], "f")


def test_strings_and_sizes() -> None:
    maps = [IDMap(container_id=0, host_id=1, size=1000)]
    assert um.as_strings(maps) == ("0:1:1000",)
    assert um.to_oci(("0:1:1000",)) == [{"containerID": 0, "hostID": 1, "size": 1000}]
    assert um.max_id("root:x:0:0::/:/bin/sh\nu:x:1500:1500::/:/bin/sh\nnobody:x:65534:65534::/:",
                     "g:x:2000:") == 2000  # fmt: skip
    assert um.auto_size(um.Mode(kind="auto"), 2000) == 2001
    assert um.auto_size(um.Mode(kind="auto"), 10) == um.AUTO_MIN_SIZE
    assert um.auto_size(um.Mode(kind="auto", size=5), 2000) == 5
