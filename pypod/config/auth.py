"""Registry credentials in auth.json files, read and written as Podman does.

Lookup order (the first file with a matching entry wins; inside a file the most specific key
wins: "host/ns/repo", then "host/ns", then "host"):
    --authfile / $REGISTRY_AUTH_FILE: that file only
    otherwise: $XDG_RUNTIME_DIR/containers/auth.json (rootless; /run/containers/UID/auth.json
    when XDG_RUNTIME_DIR is unset; root: /run/containers/0/auth.json),
    $XDG_CONFIG_HOME/containers/auth.json, $DOCKER_CONFIG/config.json or
    ~/.docker/config.json, ~/.dockercfg (the legacy format without "auths").
Keys may be "host", "host/ns/repo" or a URL such as "https://index.docker.io/v1/" (URL keys
count as the bare host; index.docker.io and registry-1.docker.io count as docker.io).
Entries hold "auth" (base64 "user:password") and/or "identitytoken".

Writes go to --authfile / $REGISTRY_AUTH_FILE or the first (runtime) file: mode 0600 in a 0700
directory, replaced atomically, keeping every other entry and top-level key.

Not supported: credential helpers ("credHelpers", "credsStore"); such entries are ignored.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from typing import Any

from pypod.config import paths
from pypod.errors import ConfigError, InvalidArgument
from pypod.log import get_logger
from pypod.records import record

log = get_logger(__name__)


@record
class Credentials:
    username: str = ""
    password: str = ""
    identity_token: str = ""
    source: str = ""  # the file they came from

    def __repr__(self) -> str:  # never print secrets in logs or tracebacks
        return f"Credentials(username={self.username!r}, source={self.source!r})"


@record(kw_only=False)
class _AuthFile:
    path: str
    legacy: bool = False  # ~/.dockercfg: entries at the top level, no "auths"


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def default_write_path(env: Mapping[str, str] | None = None) -> str:
    e = _env(env)
    if not paths.is_rootless(e):
        return "/run/containers/0/auth.json"
    xdg = e.get("XDG_RUNTIME_DIR", "")
    if xdg:
        return os.path.join(xdg, "containers", "auth.json")
    return f"/run/containers/{paths.real_uid(e)}/auth.json"


def _explicit(authfile: str | None, env: Mapping[str, str]) -> str | None:
    return authfile or env.get("REGISTRY_AUTH_FILE") or None


def auth_files(authfile: str | None = None, env: Mapping[str, str] | None = None) -> list[str]:
    """The files consulted for reading, in order."""
    return [f.path for f in _auth_files(authfile, _env(env))]


def _auth_files(authfile: str | None, env: Mapping[str, str]) -> list[_AuthFile]:
    explicit = _explicit(authfile, env)
    if explicit:
        return [_AuthFile(explicit)]
    home = paths.home_dir(env)
    docker_dir = env.get("DOCKER_CONFIG") or os.path.join(home, ".docker")
    return [
        _AuthFile(default_write_path(env)),
        _AuthFile(os.path.join(paths.user_containers_dir(env), "auth.json")),
        _AuthFile(os.path.join(docker_dir, "config.json")),
        _AuthFile(os.path.join(home, ".dockercfg"), legacy=True),
    ]


def _read(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc}") from exc
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(path, exc.msg, exc.lineno) from exc
    if not isinstance(data, dict):
        raise ConfigError(path, "must be a JSON object")
    return data


def _normalize_key(key: str) -> str:
    """URL keys become their bare host; Docker Hub's aliases become docker.io."""
    if key.startswith(("http://", "https://")):
        key = key.split("://", 1)[1].split("/", 1)[0]
    key = key.rstrip("/")
    if key in ("index.docker.io", "registry-1.docker.io"):
        return "docker.io"
    for alias in ("index.docker.io/", "registry-1.docker.io/"):
        if key.startswith(alias):
            return "docker.io/" + key[len(alias) :]
    return key


def _entries(af: _AuthFile, data: dict[str, Any]) -> dict[str, Any]:
    raw = data if af.legacy else data.get("auths", {})
    if not isinstance(raw, dict):
        raise ConfigError(af.path, '"auths" must be an object')
    return {_normalize_key(k): v for k, v in raw.items() if isinstance(v, dict)}


def _decode(path: str, key: str, entry: dict[str, Any]) -> Credentials | None:
    token = entry.get("identitytoken", "") or ""
    auth = entry.get("auth", "") or ""
    if not auth and not token:
        return None
    user = password = ""
    if auth:
        try:
            decoded = base64.b64decode(auth, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ConfigError(path, f"{key}: invalid base64 in auth") from exc
        user, sep, password = decoded.partition(":")
        if not sep:
            raise ConfigError(path, f"{key}: auth must encode user:password")
    return Credentials(username=user, password=password, identity_token=token, source=path)


def _lookup_keys(registry_or_repo: str) -> list[str]:
    """Most specific first: host/ns/repo, host/ns, host (tags and digests dropped)."""
    name = _normalize_key(registry_or_repo).split("@", 1)[0]
    path = name.partition("/")[2]
    if path and ":" in path.rsplit("/", 1)[-1]:
        name = name.rsplit(":", 1)[0]
    keys = [name]
    while "/" in keys[-1]:
        keys.append(keys[-1].rsplit("/", 1)[0])
    return keys


def get_credentials(
    registry_or_repo: str, authfile: str | None = None, env: Mapping[str, str] | None = None
) -> Credentials | None:
    """Credentials for a registry host or a repository in it, or None."""
    keys = _lookup_keys(registry_or_repo)
    for af in _auth_files(authfile, _env(env)):
        data = _read(af.path)
        if data is None:
            continue
        entries = _entries(af, data)
        for key in keys:
            if key in entries and (creds := _decode(af.path, key, entries[key])):
                return creds
    return None


def get_all(
    authfile: str | None = None, env: Mapping[str, str] | None = None
) -> dict[str, Credentials]:
    """Every key with usable credentials; a key in an earlier file wins."""
    out: dict[str, Credentials] = {}
    for af in _auth_files(authfile, _env(env)):
        data = _read(af.path)
        for key, entry in _entries(af, data or {}).items():
            if key not in out and (creds := _decode(af.path, key, entry)):
                out[key] = creds
    return out


def _write_target(authfile: str | None, env: Mapping[str, str]) -> str:
    return _explicit(authfile, env) or default_write_path(env)


def _write(path: str, data: dict[str, Any]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".auth-", dir=directory)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent="\t")
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _valid_key(key: str) -> str:
    norm = _normalize_key(key)
    if not norm or "@" in norm or norm.startswith("/"):
        raise InvalidArgument(f"invalid registry or repository {key!r} for credentials")
    return norm


def set_credentials(
    key: str,
    username: str,
    password: str,
    authfile: str | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Store user:password under key ("host" or "host/ns/repo"); returns the file written."""
    e = _env(env)
    path = _write_target(authfile, e)
    data = _read(path) or {}
    auths = data.setdefault("auths", {})
    if not isinstance(auths, dict):
        raise ConfigError(path, '"auths" must be an object')
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    auths[_valid_key(key)] = {"auth": token}
    _write(path, data)
    return path


def remove_credentials(
    key: str, authfile: str | None = None, env: Mapping[str, str] | None = None
) -> bool:
    """Remove key from the writable file; False when it had no entry for it."""
    path = _write_target(authfile, _env(env))
    data = _read(path)
    if not data or not isinstance(data.get("auths"), dict):
        return False
    norm = _valid_key(key)
    found = [k for k in data["auths"] if _normalize_key(k) == norm]
    for k in found:
        del data["auths"][k]
    if found:
        _write(path, data)
    return bool(found)


def remove_all(authfile: str | None = None, env: Mapping[str, str] | None = None) -> None:
    """Forget every entry in the writable file (other top-level keys stay)."""
    path = _write_target(authfile, _env(env))
    data = _read(path)
    if data is None:
        return
    data["auths"] = {}
    _write(path, data)
