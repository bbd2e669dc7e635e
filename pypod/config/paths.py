"""Where pypod's files live, for root and for rootless users, as Podman lays them out.

When pypod re-executes itself inside its user namespace the effective uid is 0 there, yet every
path must still be the invoking user's. The re-exec sets ``_PYPOD_ROOTLESS_UID`` to the user's
real uid; its presence means "rootless" and supplies the uid. The home directory comes from
$HOME (preserved across the re-exec), falling back to the passwd entry of that uid.

Every function takes an optional ``env`` mapping (default: os.environ) so callers and tests can
resolve paths for an environment other than the current one.
"""

from __future__ import annotations

import os
import stat  # os has imported it already

# Only os at import time: `pypod images` resolves its store through here before anything else
# is loaded (cli/quick.py), so the error classes, pwd and contextlib come when needed.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

ROOTLESS_UID_ENV = "_PYPOD_ROOTLESS_UID"

ROOT_GRAPH_ROOT = "/var/lib/pypod"
ROOT_RUN_ROOT = "/run/pypod"
DEFAULT_TMP_DIR = "/var/tmp"

# Podman's own stores: pypod must never write into them (see storage_conf.py).
PODMAN_GRAPH_ROOT = "/var/lib/containers"


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def _rootless_uid(env: Mapping[str, str]) -> int | None:
    value = env.get(ROOTLESS_UID_ENV, "")
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        from pypod.errors import ConfigError

        raise ConfigError(ROOTLESS_UID_ENV, f"not a uid: {value!r}") from exc


def is_rootless(env: Mapping[str, str] | None = None) -> bool:
    """True for an unprivileged user, including inside pypod's own user namespace."""
    if _rootless_uid(_env(env)) is not None:
        return True
    return os.geteuid() != 0


def real_uid(env: Mapping[str, str] | None = None) -> int:
    """The uid whose files pypod works with (the invoking user's, even inside the userns)."""
    uid = _rootless_uid(_env(env))
    return os.geteuid() if uid is None else uid


def home_dir(env: Mapping[str, str] | None = None) -> str:
    e = _env(env)
    home = e.get("HOME", "")
    if home:
        return home
    import pwd

    try:
        return pwd.getpwuid(real_uid(e)).pw_dir
    except KeyError as exc:
        from pypod.errors import ConfigError

        raise ConfigError("HOME", "not set and the user has no passwd entry") from exc


def config_home(env: Mapping[str, str] | None = None) -> str:
    e = _env(env)
    return e.get("XDG_CONFIG_HOME") or os.path.join(home_dir(e), ".config")


def data_home(env: Mapping[str, str] | None = None) -> str:
    e = _env(env)
    return e.get("XDG_DATA_HOME") or os.path.join(home_dir(e), ".local", "share")


def cache_home(env: Mapping[str, str] | None = None) -> str:
    e = _env(env)
    return e.get("XDG_CACHE_HOME") or os.path.join(home_dir(e), ".cache")


def _owned_by_user(path: str, uid: int) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    # Inside pypod's user namespace the user's own files show up as owned by uid 0.
    return stat.S_ISDIR(st.st_mode) and st.st_uid in (uid, os.geteuid())


def runtime_dir(env: Mapping[str, str] | None = None) -> str:
    """The per-user runtime directory: "/run" for root; rootless $XDG_RUNTIME_DIR when it is
    set and owned by the user, else a private /tmp/pypod-run-UID (created 0700)."""
    e = _env(env)
    if not is_rootless(e):
        return "/run"
    uid = real_uid(e)
    xdg = e.get("XDG_RUNTIME_DIR", "")
    if xdg and _owned_by_user(xdg, uid):
        return xdg
    fallback = f"/tmp/pypod-run-{uid}"
    try:  # noqa: SIM105 - contextlib is an import this module avoids
        os.mkdir(fallback, 0o700)
    except FileExistsError:
        pass
    # Someone else may have created it first to spy on us: refuse a directory we do not own.
    st = os.lstat(fallback)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid not in (uid, os.geteuid()):
        from pypod.errors import ConfigError

        raise ConfigError(fallback, "runtime directory is not owned by the current user")
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(fallback, 0o700)
    return fallback


def graph_root(env: Mapping[str, str] | None = None) -> str:
    """pypod's default image/layer store: never Podman's."""
    e = _env(env)
    if not is_rootless(e):
        return ROOT_GRAPH_ROOT
    return os.path.join(data_home(e), "pypod", "storage")


def run_root(env: Mapping[str, str] | None = None) -> str:
    e = _env(env)
    if not is_rootless(e):
        return ROOT_RUN_ROOT
    return os.path.join(runtime_dir(e), "pypod")


def tmp_dir(env: Mapping[str, str] | None = None) -> str:
    """Where large temporary files (image copies) go; $TMPDIR wins as with Podman."""
    return _env(env).get("TMPDIR") or DEFAULT_TMP_DIR


def user_containers_dir(env: Mapping[str, str] | None = None) -> str:
    """~/.config/containers: the user's containers.conf, registries.conf, policy.json..."""
    return os.path.join(config_home(env), "containers")
