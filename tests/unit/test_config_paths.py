"""Paths for root and rootless users, from explicit environments."""

from __future__ import annotations

import os
import stat

import pytest

from pypod.config import paths
from pypod.errors import ConfigError


def rootless_env(tmp_path, **extra):
    env = {"HOME": str(tmp_path / "home"), paths.ROOTLESS_UID_ENV: str(os.getuid() + 54321)}
    env.update(extra)
    return env


@pytest.mark.skipif(os.geteuid() != 0, reason="root defaults")
def test_root_defaults(tmp_path):
    env = {"HOME": str(tmp_path)}
    assert not paths.is_rootless(env)
    assert paths.graph_root(env) == "/var/lib/pypod"
    assert paths.run_root(env) == "/run/pypod"
    assert paths.runtime_dir(env) == "/run"
    assert paths.real_uid(env) == 0


def test_rootless_inside_userns_uses_the_users_paths(tmp_path):
    env = rootless_env(tmp_path)
    uid = int(env[paths.ROOTLESS_UID_ENV])
    assert paths.is_rootless(env)
    assert paths.real_uid(env) == uid
    assert paths.config_home(env) == str(tmp_path / "home" / ".config")
    assert paths.data_home(env) == str(tmp_path / "home" / ".local" / "share")
    assert paths.graph_root(env) == str(tmp_path / "home/.local/share/pypod/storage")
    assert paths.user_containers_dir(env) == str(tmp_path / "home/.config/containers")


def test_xdg_overrides(tmp_path):
    env = rootless_env(tmp_path, XDG_CONFIG_HOME="/c", XDG_DATA_HOME="/d", XDG_CACHE_HOME="/x")
    assert paths.config_home(env) == "/c"
    assert paths.data_home(env) == "/d"
    assert paths.cache_home(env) == "/x"
    assert paths.graph_root(env) == "/d/pypod/storage"


def test_runtime_dir_uses_owned_xdg_runtime_dir(tmp_path):
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    env = rootless_env(tmp_path, XDG_RUNTIME_DIR=str(run))
    assert paths.runtime_dir(env) == str(run)
    assert paths.run_root(env) == str(run / "pypod")


def test_runtime_dir_falls_back_to_private_tmp(tmp_path):
    env = rootless_env(tmp_path, XDG_RUNTIME_DIR=str(tmp_path / "missing"))
    got = paths.runtime_dir(env)
    try:
        assert got == f"/tmp/pypod-run-{env[paths.ROOTLESS_UID_ENV]}"
        assert stat.S_IMODE(os.stat(got).st_mode) == 0o700
    finally:
        os.rmdir(got)


def test_bad_rootless_uid_is_a_config_error():
    with pytest.raises(ConfigError):
        paths.is_rootless({paths.ROOTLESS_UID_ENV: "bob"})


def test_tmp_dir_honours_tmpdir():
    assert paths.tmp_dir({}) == "/var/tmp"
    assert paths.tmp_dir({"TMPDIR": "/big"}) == "/big"
