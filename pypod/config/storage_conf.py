"""storage.conf: the storage driver and its options; pypod's store location.

Which file (like containers/storage, exactly one file is read, no merging):
    $CONTAINERS_STORAGE_CONF if set; else, rootless, $XDG_CONFIG_HOME/containers/storage.conf
    if it exists; else /etc/containers/storage.conf if it exists; else
    /usr/share/containers/storage.conf.

The rule that keeps pypod out of Podman's store: pypod's store is its own, so graphroot,
runroot and rootless_storage_path are honoured *only* from a file named by
$CONTAINERS_STORAGE_CONF (or passed explicitly with ``honour_paths=True``). The system and
user storage.conf files describe Podman's store, so from them pypod takes only ``driver`` and
the driver options, and uses paths.graph_root()/run_root(). Even an explicitly named file
cannot point pypod into Podman's stores (/var/lib/containers, /run/containers/storage,
~/.local/share/containers, $XDG_RUNTIME_DIR/containers): such a path is ignored with a
warning. $STORAGE_DRIVER overrides the driver as it does for Podman.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pypod.config import paths, tomlfile
from pypod.config.tomlfile import TomlFile
from pypod.log import get_logger
from pypod.records import record

log = get_logger(__name__)

SYSTEM_FILES = ("/etc/containers/storage.conf", "/usr/share/containers/storage.conf")


@record
class StorageConf:
    driver: str = ""  # "" = let the store pick (overlay when it works, else vfs)
    graph_root: str = ""
    run_root: str = ""
    additional_image_stores: tuple[str, ...] = ()
    mount_program: str = ""  # e.g. /usr/bin/fuse-overlayfs
    mount_options: str = ""  # overlay "mountopt", comma separated
    ignore_chown_errors: bool = False
    size: str = ""
    force_mask: str = ""
    source: str = ""  # the file read, "" when none existed

    def driver_options(self) -> tuple[str, ...]:
        """Options in containers/storage's "driver.key=value" form, for Store.open()."""
        prefix = self.driver or "overlay"
        opts = [f"{prefix}.imagestore={s}" for s in self.additional_image_stores]
        for key, value in (
            ("mount_program", self.mount_program),
            ("mountopt", self.mount_options),
            ("size", self.size),
            ("force_mask", self.force_mask),
        ):
            if value:
                opts.append(f"{prefix}.{key}={value}")
        if self.ignore_chown_errors:
            opts.append(f"{prefix}.ignore_chown_errors=true")
        return tuple(opts)

    options_list = driver_options

    @classmethod
    def load(
        cls,
        path: str | None = None,
        env: Mapping[str, str] | None = None,
        *,
        honour_paths: bool | None = None,
    ) -> StorageConf:
        """Read `path` (default: the file chosen as the module docstring says).

        honour_paths None means: only when the file came from $CONTAINERS_STORAGE_CONF."""
        env = os.environ if env is None else env
        from_env = bool(env.get("CONTAINERS_STORAGE_CONF"))
        if path is None:
            path = config_file(env)
        else:
            from_env = False
        honour = from_env if honour_paths is None else honour_paths
        doc = tomlfile.load(path) if path else None
        conf = _parse(doc, env, honour) if doc else StorageConf()
        return _finish(conf, env, source=path if doc else "")


def config_file(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    if env.get("CONTAINERS_STORAGE_CONF"):
        return env["CONTAINERS_STORAGE_CONF"]
    if paths.is_rootless(env):
        user = os.path.join(paths.user_containers_dir(env), "storage.conf")
        if os.path.exists(user):
            return user
    for candidate in SYSTEM_FILES:
        if os.path.exists(candidate):
            return candidate
    return SYSTEM_FILES[-1]


def _is_podman_store(path: str, env: Mapping[str, str]) -> bool:
    roots = [paths.PODMAN_GRAPH_ROOT, "/run/containers/storage"]
    roots.append(os.path.join(paths.data_home(env), "containers"))
    xdg = env.get("XDG_RUNTIME_DIR")
    if xdg:
        roots.append(os.path.join(xdg, "containers"))
    real = os.path.normpath(path)
    return any(real == root or real.startswith(root + "/") for root in roots)


def _expand(value: str, env: Mapping[str, str]) -> str:
    # rootless_storage_path may use $HOME, $UID and $USER (containers-storage.conf(5)).
    uid = paths.real_uid(env)
    out = value.replace("$HOME", paths.home_dir(env)).replace("$UID", str(uid))
    return out.replace("$USER", env.get("USER", str(uid)))


def _opt(doc: TomlFile, tables: list[tuple[str, dict[str, Any]]], key: str, kind: type) -> Any:
    """The most specific setting of key among [storage.options] and its driver sub-tables."""
    found = None
    for name, tbl in tables:
        if key in tbl:
            found = tomlfile.check(doc, f"{name}.{key}", tbl[key], kind)
    return found


def _parse(doc: TomlFile, env: Mapping[str, str], honour_paths: bool) -> StorageConf:
    storage = tomlfile.table(doc, "storage", doc.data)
    keys = ("driver", "graphroot", "runroot", "rootless_storage_path")
    get = {k: tomlfile.check(doc, f"storage.{k}", storage[k], str) for k in keys if k in storage}
    options = tomlfile.table(doc, "options", storage)
    tables = [("storage.options", options)]
    for drv in ("overlay", "vfs"):
        tables.append((f"storage.options.{drv}", tomlfile.table(doc, drv, options)))
    stores = options.get("additionalimagestores", [])
    graph_root = run_root = ""
    if honour_paths:
        run_root = get.get("runroot", "")
        graph_root = get.get("graphroot", "")
        if paths.is_rootless(env) and get.get("rootless_storage_path"):
            graph_root = _expand(get["rootless_storage_path"], env)
    return StorageConf(
        driver=get.get("driver", ""),
        graph_root=graph_root,
        run_root=run_root,
        additional_image_stores=tomlfile.str_list(doc, "additionalimagestores", stores),
        mount_program=_opt(doc, tables, "mount_program", str) or "",
        mount_options=_opt(doc, tables, "mountopt", str) or "",
        ignore_chown_errors=_ignore_chown(doc, tables),
        size=_opt(doc, tables, "size", str) or "",
        force_mask=_opt(doc, tables, "force_mask", str) or "",
    )


def _ignore_chown(doc: TomlFile, tables: list[tuple[str, dict[str, Any]]]) -> bool:
    # containers/storage documents it as a string ("true"); accept a boolean too.
    value = None
    for name, tbl in tables:
        if "ignore_chown_errors" in tbl:
            value = tbl["ignore_chown_errors"]
            if not isinstance(value, (bool, str)):
                doc.fail(f"{name}.ignore_chown_errors", "must be a boolean or a string")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _finish(conf: StorageConf, env: Mapping[str, str], *, source: str) -> StorageConf:
    graph_root, run_root = conf.graph_root, conf.run_root
    for label, value in (("graphroot", graph_root), ("runroot", run_root)):
        if value and _is_podman_store(value, env):
            log.warning("%s: ignoring %s %s: pypod never uses Podman's store", source, label, value)
            if label == "graphroot":
                graph_root = ""
            else:
                run_root = ""
    driver = env.get("STORAGE_DRIVER") or conf.driver
    return StorageConf(
        driver=driver,
        graph_root=graph_root or paths.graph_root(env),
        run_root=run_root or paths.run_root(env),
        additional_image_stores=conf.additional_image_stores,
        mount_program=conf.mount_program,
        mount_options=conf.mount_options,
        ignore_chown_errors=conf.ignore_chown_errors,
        size=conf.size,
        force_mask=conf.force_mask,
        source=source,
    )
