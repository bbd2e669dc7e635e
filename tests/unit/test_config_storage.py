"""storage.conf: driver and options honoured, store paths only from an explicit file."""

from __future__ import annotations

import pytest

from pypod.config import paths
from pypod.config.storage_conf import StorageConf
from pypod.errors import ConfigError

PODMAN_STYLE = """
[storage]
driver = "overlay"
graphroot = "{graph}"
runroot = "{run}"
rootless_storage_path = "$HOME/rootless-store"
[storage.options]
additionalimagestores = ["/ro/store"]
[storage.options.overlay]
mount_program = "/usr/bin/fuse-overlayfs"
mountopt = "nodev,metacopy=on"
ignore_chown_errors = "true"
"""


def write(path, text):
    path.write_text(text)
    return str(path)


def root_env(tmp_path):
    return {"HOME": str(tmp_path)}


def test_system_file_gives_driver_and_options_but_not_paths(tmp_path):
    path = write(tmp_path / "storage.conf", PODMAN_STYLE.format(graph="/g", run="/r"))
    env = root_env(tmp_path)
    conf = StorageConf.load(path, env)
    assert conf.driver == "overlay"
    assert conf.graph_root == paths.graph_root(env)
    assert conf.run_root == paths.run_root(env)
    assert conf.mount_program == "/usr/bin/fuse-overlayfs"
    assert conf.mount_options == "nodev,metacopy=on"
    assert conf.ignore_chown_errors is True
    assert conf.additional_image_stores == ("/ro/store",)
    assert conf.source == path
    assert conf.driver_options() == (
        "overlay.imagestore=/ro/store",
        "overlay.mount_program=/usr/bin/fuse-overlayfs",
        "overlay.mountopt=nodev,metacopy=on",
        "overlay.ignore_chown_errors=true",
    )


def test_containers_storage_conf_env_paths_are_honoured(tmp_path):
    path = write(tmp_path / "s.conf", PODMAN_STYLE.format(graph="/srv/g", run="/srv/r"))
    env = {**root_env(tmp_path), "CONTAINERS_STORAGE_CONF": path, "STORAGE_DRIVER": "vfs"}
    conf = StorageConf.load(env=env)
    assert (conf.graph_root, conf.run_root, conf.driver) == ("/srv/g", "/srv/r", "vfs")


def test_rootless_storage_path_expands_home(tmp_path):
    path = write(tmp_path / "s.conf", PODMAN_STYLE.format(graph="/srv/g", run="/srv/r"))
    env = {"HOME": str(tmp_path), paths.ROOTLESS_UID_ENV: "1000", "CONTAINERS_STORAGE_CONF": path}
    assert StorageConf.load(env=env).graph_root == f"{tmp_path}/rootless-store"


def test_podmans_store_is_never_used(tmp_path):
    text = PODMAN_STYLE.format(graph="/var/lib/containers/storage", run="/run/containers/storage")
    path = write(tmp_path / "s.conf", text)
    env = {**root_env(tmp_path), "CONTAINERS_STORAGE_CONF": path}
    conf = StorageConf.load(env=env)
    assert conf.graph_root == paths.graph_root(env)
    assert conf.run_root == paths.run_root(env)


def test_missing_file_gives_defaults(tmp_path):
    conf = StorageConf.load(str(tmp_path / "none.conf"), root_env(tmp_path))
    assert conf.driver == "" and conf.source == ""
    assert conf.graph_root == paths.graph_root(root_env(tmp_path))


def test_wrong_type_names_file_and_line(tmp_path):
    path = write(
        tmp_path / "s.conf",
        '[storage]\ndriver = "overlay"\n\n[storage.options.overlay]\nmountopt = 3\n',
    )
    with pytest.raises(ConfigError) as info:
        StorageConf.load(path, root_env(tmp_path))
    assert (info.value.path, info.value.line) == (path, 5)
