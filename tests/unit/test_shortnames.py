"""Short-name resolution for pull and local lookup."""

from __future__ import annotations

import pytest

from pypod.config.registries_conf import RegistriesConf
from pypod.errors import InvalidReference, ManifestUnknown, ShortNameError
from pypod.image import shortnames

DIGEST = "sha256:" + "d" * 64


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / "registries.conf"
    path.write_text("""
unqualified-search-registries = ["127.0.0.1:5000", "docker.io"]
[aliases]
"alpine" = "docker.io/library/alpine"
"opensuse/leap" = "registry.opensuse.org/opensuse/leap"
""")
    return RegistriesConf.load(paths=[str(path)], env={"HOME": str(tmp_path)}, alias_cache="")


def names(resolution):
    return [(str(c), c.from_alias) for c in resolution.candidates]


def test_qualified_name_is_used_as_is(conf):
    res = shortnames.resolve_pull("docker.io/busybox", conf)
    assert names(res) == [("docker.io/library/busybox:latest", False)]
    assert res.description == ""
    assert names(shortnames.resolve_pull("localhost/app:1", conf)) == [("localhost/app:1", False)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("alpine", "docker.io/library/alpine:latest"),
        ("alpine:3.19", "docker.io/library/alpine:3.19"),
        (f"alpine@{DIGEST}", f"docker.io/library/alpine@{DIGEST}"),
        ("opensuse/leap:15", "registry.opensuse.org/opensuse/leap:15"),
    ],
)
def test_alias_is_the_only_candidate(conf, name, expected):
    res = shortnames.resolve_pull(name, conf)
    assert names(res) == [(expected, True)]
    assert res.description.startswith(f'Resolved "{name}" as an alias (')


def test_search_registries_in_order(conf):
    res = shortnames.resolve_pull("busybox:1", conf)
    assert names(res) == [
        ("127.0.0.1:5000/busybox:1", False),
        ("docker.io/library/busybox:1", False),
    ]
    assert "unqualified-search registries" in res.description


def test_no_search_registries(tmp_path):
    conf = RegistriesConf.load(paths=[str(tmp_path / "none.conf")], alias_cache="")
    with pytest.raises(ShortNameError, match='short-name "foo" did not resolve to an alias'):
        shortnames.resolve_pull("foo", conf)


def test_invalid_name(conf):
    with pytest.raises(InvalidReference):
        shortnames.resolve_pull("Bad", conf)


def test_pull_error_lists_every_attempt(conf):
    res = shortnames.resolve_pull("busybox", conf)
    errors = [(c, ManifestUnknown(f"{c}: manifest unknown")) for c in res.candidates]
    err = shortnames.pull_error(res, errors)
    assert isinstance(err, ShortNameError)
    assert str(err) == (
        "2 errors occurred while pulling:\n"
        " * initializing source docker://127.0.0.1:5000/busybox:latest: "
        "127.0.0.1:5000/busybox:latest: manifest unknown\n"
        " * initializing source docker://docker.io/library/busybox:latest: "
        "docker.io/library/busybox:latest: manifest unknown"
    )
    only = ManifestUnknown("x")
    assert shortnames.pull_error(res, errors[:1] and [(res.candidates[0], only)]) is only


def test_resolve_local(conf):
    assert shortnames.resolve_local("quay.io/a/b", conf) == ["quay.io/a/b:latest"]
    assert shortnames.resolve_local("app:2", conf) == [
        "localhost/app:2",
        "127.0.0.1:5000/app:2",
        "docker.io/library/app:2",
    ]
    assert shortnames.resolve_local("alpine", conf)[:2] == [
        "docker.io/library/alpine:latest",
        "localhost/alpine:latest",
    ]


@pytest.mark.parametrize(
    ("short", "stored", "expected"),
    [
        ("busybox", "docker.io/library/busybox:latest", True),
        ("busybox", "quay.io/x/busybox:latest", True),
        ("busybox:1", "quay.io/x/busybox:latest", False),
        ("x/busybox", "quay.io/x/busybox:latest", True),
        ("box", "quay.io/x/busybox:latest", False),
        (f"busybox@{DIGEST}", f"quay.io/busybox@{DIGEST}", True),
    ],
)
def test_matches_short_name(short, stored, expected):
    assert shortnames.matches_short_name(short, stored) is expected
