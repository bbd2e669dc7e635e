"""The container's environment, merged as Podman merges it.

Lowest to highest precedence: containers.conf `env` (PATH, TERM=xterm) and container=podman,
the image's Env, the host's environment (--env-host), the host's proxy variables
(containers.conf http_proxy), --env-file lines, -e/--env. Then --unsetenv removes names.
--unsetenv-all leaves out the first two layers (Podman's and the image's defaults).

Values of the form "KEY" (no "=") take the host's value when the host has one and are dropped
otherwise; "PREFIX*" takes every host variable whose name starts with PREFIX.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pypod.errors import InvalidArgument

PROXY_VARS = ("http_proxy", "https_proxy", "ftp_proxy", "no_proxy")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def parse_entry(entry: str, host_env: Mapping[str, str]) -> list[tuple[str, str]]:
    """One -e value or env-file line as (name, value) pairs; raises on an empty name."""
    name, sep, value = entry.partition("=")
    if not name:
        raise InvalidArgument(f'invalid environment variable: "{entry}"')
    if sep:
        return [(name, value)]
    if name.endswith("*"):
        prefix = name[:-1]
        return [(k, v) for k, v in host_env.items() if k.startswith(prefix)]
    return [(name, host_env[name])] if name in host_env else []


def parse_env_file(path: str, host_env: Mapping[str, str]) -> list[tuple[str, str]]:
    """KEY=VAL lines; KEY alone or PREFIX* read the host; blank lines and # comments skipped."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise InvalidArgument(f'opening env file "{path}": {exc.strerror or exc}') from exc
    out: list[tuple[str, str]] = []
    for number, raw in enumerate(lines, 1):
        line = raw.lstrip(" \t")
        if not line or line.startswith("#"):
            continue
        try:
            out += parse_entry(line, host_env)
        except InvalidArgument as exc:
            raise InvalidArgument(f'parsing env file "{path}": line {number}: {exc}') from None
    return out


def _pairs(entries: Iterable[str], host_env: Mapping[str, str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for entry in entries:
        out += parse_entry(entry, host_env)
    return out


def merge_env(
    *,
    image_env: Sequence[str] = (),
    conf_env: Sequence[str] = (f"PATH={DEFAULT_PATH}", "TERM=xterm"),
    host_env: Mapping[str, str] | None = None,
    env_host: bool = False,
    http_proxy: bool = True,
    env_files: Sequence[str] = (),
    env: Sequence[str] = (),
    unsetenv: Sequence[str] = (),
    unsetenv_all: bool = False,
) -> dict[str, str]:
    """The final environment stored in ContainerConfig.env (HOME and HOSTNAME come later,
    from build_spec, because they depend on the user and the hostname)."""
    host = dict(host_env or {})
    merged: dict[str, str] = {}
    if not unsetenv_all:
        merged.update(_pairs(conf_env, host))
        merged["container"] = "podman"
        merged.update(_pairs(image_env, {}))
    if env_host:
        merged.update(host)
    if http_proxy:
        for name in PROXY_VARS:
            for key in (name, name.upper()):
                if key in host:
                    merged[key] = host[key]
    for path in env_files:
        merged.update(parse_env_file(path, host))
    merged.update(_pairs(env, host))
    for name in unsetenv:
        merged.pop(name, None)
    return merged


def to_list(env: Mapping[str, str]) -> list[str]:
    return [f"{k}={v}" for k, v in env.items()]
