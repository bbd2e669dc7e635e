"""certs.d: per-registry TLS files, as containers-certs.d(5) describes.

For a registry "host[:port]" the first existing directory among
    ~/.config/containers/certs.d/HOST   (rootless only)
    /etc/containers/certs.d/HOST
    /etc/docker/certs.d/HOST
is used (only one: directories are not merged). --cert-dir DIR replaces the search and DIR's
files are used directly. In the directory, *.crt files are extra CA certificates and a
*.cert file with the *.key file of the same base name is the client certificate.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pypod.config import paths
from pypod.errors import ConfigError
from pypod.records import record

SYSTEM_DIRS = ("/etc/containers/certs.d", "/etc/docker/certs.d")


@record
class TLSFiles:
    directory: str = ""  # "" when no directory applies
    ca_files: tuple[str, ...] = ()
    client_cert: str | None = None
    client_key: str | None = None


def search_dirs(env: Mapping[str, str] | None = None) -> list[str]:
    dirs = list(SYSTEM_DIRS)
    if paths.is_rootless(env):
        dirs.insert(0, os.path.join(paths.user_containers_dir(env), "certs.d"))
    return dirs


def cert_dir_for(
    host: str, cert_dir: str | None = None, env: Mapping[str, str] | None = None
) -> str | None:
    if cert_dir:
        return cert_dir
    for base in search_dirs(env):
        candidate = os.path.join(base, host)
        if os.path.isdir(candidate):
            return candidate
    return None


def read_dir(directory: str) -> TLSFiles:
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return TLSFiles()
    except OSError as exc:
        raise ConfigError(directory, f"cannot read: {exc}") from exc
    cas = tuple(os.path.join(directory, n) for n in names if n.endswith(".crt"))
    certs = [n for n in names if n.endswith(".cert")]
    keys = {n for n in names if n.endswith(".key")}
    for key in keys:
        if key[: -len(".key")] + ".cert" not in certs:
            raise ConfigError(os.path.join(directory, key), "missing client certificate (.cert)")
    client_cert = client_key = None
    for cert in certs:
        key = cert[: -len(".cert")] + ".key"
        if key not in keys:
            raise ConfigError(os.path.join(directory, cert), f"missing key {key}")
        if client_cert is None:
            client_cert = os.path.join(directory, cert)
            client_key = os.path.join(directory, key)
    return TLSFiles(
        directory=directory, ca_files=cas, client_cert=client_cert, client_key=client_key
    )


def tls_config(
    host: str, cert_dir: str | None = None, env: Mapping[str, str] | None = None
) -> TLSFiles:
    """The TLS files for registry host[:port] (empty TLSFiles when none are configured)."""
    directory = cert_dir_for(host, cert_dir, env)
    return read_dir(directory) if directory else TLSFiles()
