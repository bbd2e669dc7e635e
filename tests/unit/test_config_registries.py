"""registries.conf v1/v2: merging with drop-ins, prefixes, mirrors, aliases, errors."""

from __future__ import annotations

import pytest

from pypod.config import paths, registries_conf
from pypod.config.registries_conf import RegistriesConf
from pypod.errors import ConfigError

MAIN = """
unqualified-search-registries = ["registry.fedoraproject.org", "docker.io"]
short-name-mode = "enforcing"

[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
insecure = true

[[registry.mirror]]
location = "mirror-1.local/mirrored"
[[registry.mirror]]
location = "mirror-2.local"
insecure = true
pull-from-mirror = "digest-only"

[[registry]]
location = "example.com"
blocked = true

[[registry]]
prefix = "*.wild.io"
insecure = true

[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
"gone" = "quay.io/gone/image"
"""

DROPIN = """
unqualified-search-registries = ["quay.io"]

[[registry]]
location = "example.com"
blocked = false

[aliases]
"gone" = ""
"podman" = "quay.io/podman/stable"
"""


def write(path, text):
    path.write_text(text)
    return str(path)


def load(tmp_path, *texts, cache=""):
    files = [write(tmp_path / f"{i}.conf", t) for i, t in enumerate(texts)]
    return RegistriesConf.load(paths=files, env={"HOME": str(tmp_path)}, alias_cache=cache)


def test_single_file(tmp_path):
    conf = load(tmp_path, MAIN)
    assert conf.unqualified_search_registries == ("registry.fedoraproject.org", "docker.io")
    assert conf.short_name_mode == "enforcing"
    assert conf.aliases["fedora"] == "registry.fedoraproject.org/fedora"
    assert conf.is_blocked("example.com/other:1")
    assert not conf.is_blocked("example.com/foo/x")  # the longer prefix wins
    assert not conf.is_blocked("example.community/x")  # a prefix ends at / : @


def test_dropins_replace_and_merge(tmp_path):
    conf = load(tmp_path, MAIN, DROPIN)
    assert conf.unqualified_search_registries == ("quay.io",)
    assert conf.short_name_mode == "enforcing"  # not set in the drop-in: kept
    assert not conf.is_blocked("example.com/other")
    assert "gone" not in conf.aliases
    assert conf.aliases["podman"] == "quay.io/podman/stable"
    assert conf.aliases["fedora"] == "registry.fedoraproject.org/fedora"
    assert conf.alias_sources["podman"].endswith("1.conf")
    assert conf.find_registry("example.com/foo/x").insecure  # untouched registry survives


def test_pull_sources_mirrors_first(tmp_path):
    conf = load(tmp_path, MAIN)
    tagged = conf.pull_sources("example.com/foo/app:1")
    assert [(e.name, e.insecure, e.mirror) for e in tagged] == [
        ("mirror-1.local/mirrored/app:1", False, True),
        ("internal.example.com/bar/app:1", True, False),
    ]
    digest = "example.com/foo/app@sha256:" + "a" * 64
    names = [e.name for e in conf.pull_sources(digest)]
    assert names == [
        "mirror-1.local/mirrored/app@sha256:" + "a" * 64,
        "mirror-2.local/app@sha256:" + "a" * 64,
        "internal.example.com/bar/app@sha256:" + "a" * 64,
    ]
    assert [e.name for e in conf.pull_sources("quay.io/x:1")] == ["quay.io/x:1"]


def test_wildcard_prefix_and_insecure_hosts(tmp_path):
    conf = load(tmp_path, MAIN)
    reg = conf.find_registry("a.b.wild.io/ns/img:1")
    assert reg is not None and reg.prefix == "a.b.wild.io" and reg.insecure
    assert conf.find_registry("wild.io/x") is None
    assert conf.find_registry("x.io/a.wild.io") is None  # the wildcard only matches the host
    assert conf.is_insecure("mirror-2.local")
    assert conf.is_insecure("x.wild.io")
    assert not conf.is_insecure("quay.io")
    assert [e.name for e in conf.pull_sources("a.wild.io/n:1")] == ["a.wild.io/n:1"]


def test_v1_format_is_converted(tmp_path):
    conf = load(
        tmp_path,
        """
[registries.search]
registries = ["docker.io", "quay.io"]
[registries.insecure]
registries = ["localhost:5000"]
[registries.block]
registries = ["bad.io"]
""",
    )
    assert conf.unqualified_search_registries == ("docker.io", "quay.io")
    assert conf.is_insecure("localhost:5000")
    assert conf.is_blocked("bad.io/x")


def test_alias_cache_wins(tmp_path):
    cache = write(tmp_path / "cache.conf", '[aliases]\n"fedora" = "quay.io/fedora/fedora"\n')
    conf = load(tmp_path, MAIN, cache=cache)
    assert conf.aliases["fedora"] == "quay.io/fedora/fedora"
    assert conf.alias_sources["fedora"] == cache


def test_file_lookup_order(tmp_path):
    home = tmp_path / "home"
    env = {"HOME": str(home), paths.ROOTLESS_UID_ENV: "1000"}
    files = registries_conf.config_files(env)
    assert files[0] == "/etc/containers/registries.conf"
    (home / ".config/containers/registries.conf.d").mkdir(parents=True)
    user = write(home / ".config/containers/registries.conf", "")
    drop = write(home / ".config/containers/registries.conf.d/50-x.conf", "")
    assert registries_conf.config_files(env) == [user, drop]
    env["CONTAINERS_REGISTRIES_CONF"] = "/x.conf"
    files = registries_conf.config_files(env)
    assert files[0] == "/x.conf" and files[-1] == drop
    assert (
        registries_conf.alias_cache_path(env) == f"{home}/.cache/containers/short-name-aliases.conf"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[[registry]]\nlocation = 'https://x.io'\n", "URI schemes are not supported"),
        ("[[registry]]\ninsecure = true\n", "both location and prefix are unset"),
        ("[[registry]]\nprefix = '*.x.io'\nlocation = 'y.io'\n", "must be empty"),
        ("[[registry]]\nprefix = 'a.*.io'\n", "invalid wildcard prefix"),
        ("[[registry]]\nlocation = 'a.io'\n[[registry]]\nlocation = 'a.io'\n", "multiple times"),
        (
            "[[registry]]\nlocation = 'a.io'\n[[registry.mirror]]\ninsecure = true\n",
            "needs a location",
        ),
        ("short-name-mode = 'strict'\n", "invalid short-name mode"),
        ("unqualified-search-registries = 'docker.io'\n", "must be an array"),
        ("[aliases]\n'quay.io/x' = 'quay.io/x'\n", "must be a short name"),
        ("[aliases]\n'x' = 'x'\n", "must be fully qualified"),
        ("[aliases]\n'x' = 'quay.io/x:1'\n", "must be fully qualified"),
        ("[registries.search]\nregistries = []\n[[registry]]\nlocation='a.io'\n", "mixing"),
        ("[[registry]]\nlocation = 'a.io'\ninsecure = 'yes'\n", "must be a boolean"),
    ],
)
def test_invalid(tmp_path, text, fragment):
    with pytest.raises(ConfigError, match=fragment) as info:
        load(tmp_path, text)
    assert info.value.path.endswith("0.conf")


def test_syntax_error_has_line(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, "[[registry]]\nlocation = 'a.io'\ninsecure = yes\n")
    assert info.value.line == 3
