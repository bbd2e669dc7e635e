"""containers.conf: defaults, merging of files and drop-ins, env overrides, errors."""

from __future__ import annotations

import pytest

from pypod.config import containers_conf, paths
from pypod.config.containers_conf import ContainersConf
from pypod.errors import ConfigError


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_defaults_are_podmans():
    conf = ContainersConf.load(paths=[], env={"HOME": "/nonexistent"})
    assert conf.engine.runtime == "crun"
    assert conf.engine.runtime_paths()[0] == "/usr/bin/crun"
    assert "/usr/bin/runc" in conf.engine.runtimes["runc"]
    assert conf.engine.num_locks == 2048
    assert conf.engine.image_default_transport == "docker://"
    assert conf.containers.pids_limit == 2048
    assert conf.containers.shm_size == "65536k"
    assert "SYS_CHROOT" in conf.containers.default_capabilities
    assert conf.network.default_subnet == "10.88.0.0/16"
    assert conf.network.default_network == "podman"
    assert conf.secrets.driver == "file"
    assert conf.engine.resolved_static_dir("/g") == "/g/libpod"
    assert conf.engine.resolved_volume_path("/g") == "/g/volumes"
    assert conf.sources == ()


def test_files_merge_key_by_key(tmp_path):
    a = write(
        tmp_path / "a.conf",
        """
[containers]
pids_limit = 100
env = ["A=1"]
[engine]
runtime = "runc"
[engine.runtimes]
runc = ["/opt/runc"]
[network]
default_subnet_pools = [{base = "10.1.0.0/16", size = 24}]
[secrets.opts]
root = "/s"
""",
    )
    b = write(
        tmp_path / "b.conf",
        """
unknown_top = 1
[containers]
tz = "local"
future_key = "ignored"
[engine]
num_locks = 8
""",
    )
    conf = ContainersConf.load(paths=[a, str(tmp_path / "missing.conf"), b], env={})
    assert conf.containers.pids_limit == 100
    assert conf.containers.env == ("A=1",)
    assert conf.containers.tz == "local"
    assert conf.engine.runtime == "runc"
    assert conf.engine.runtimes["runc"] == ("/opt/runc",)
    assert conf.engine.runtimes["crun"][0] == "/usr/bin/crun"  # other runtimes kept
    assert conf.engine.num_locks == 8
    assert conf.network.default_subnet_pools == (("10.1.0.0/16", 24),)
    assert conf.secrets.opts == {"root": "/s"}
    assert conf.sources == (a, b)


def test_containers_conf_env_replaces_and_override_appends(tmp_path):
    only = write(tmp_path / "only.conf", "[engine]\nruntime = 'runc'\n")
    over = write(tmp_path / "over.conf", "[engine]\nnum_locks = 4\n")
    env = {"CONTAINERS_CONF": only, "CONTAINERS_CONF_OVERRIDE": over, "HOME": str(tmp_path)}
    assert containers_conf.config_files(env) == [only, over]
    conf = ContainersConf.load(env=env)
    assert (conf.engine.runtime, conf.engine.num_locks) == ("runc", 4)


def test_rootless_adds_user_files_and_dropins(tmp_path):
    home = tmp_path / "home"
    user = write(home / ".config/containers/containers.conf", "[engine]\nruntime='runc'\n")
    d1 = write(home / ".config/containers/containers.conf.d/10-a.conf", "")
    d0 = write(home / ".config/containers/containers.conf.d/01-b.conf", "")
    env = {"HOME": str(home), paths.ROOTLESS_UID_ENV: "1000"}
    files = containers_conf.config_files(env)
    assert files[:2] == ["/usr/share/containers/containers.conf", "/etc/containers/containers.conf"]
    assert files[-3:] == [user, d0, d1]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("[containers]\npids_limit = 'many'\n", 2, "containers.pids_limit: must be an integer"),
        ("[engine]\n\nnum_locks = true\n", 3, "must be an integer, not a boolean"),
        ("[containers]\nenv = 'A=1'\n", 2, "must be an array"),
        ("[containers]\ndns_servers = [1]\n", 2, "array of strings"),
        ("[containers]\nlabel = 1\n", 2, "must be a boolean"),
        ("[engine]\nruntime = \n", 2, "Invalid value"),
        ("[engine\n", 1, ""),
    ],
)
def test_errors_name_file_and_line(tmp_path, text, line, fragment):
    path = write(tmp_path / "bad.conf", text)
    with pytest.raises(ConfigError) as info:
        ContainersConf.load(paths=[path], env={})
    assert info.value.path == path
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert fragment in str(info.value)
    assert "(at line" not in str(info.value)
