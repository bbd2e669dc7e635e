"""certs.d: per-host directories, CA and client certificate files."""

from __future__ import annotations

import pytest

from pypod.config import certs
from pypod.errors import ConfigError


def test_cert_dir_files(tmp_path):
    for name in ("b.crt", "a.crt", "client.cert", "client.key", "README"):
        (tmp_path / name).write_text("x")
    tls = certs.tls_config("127.0.0.1:5000", str(tmp_path))
    assert tls.directory == str(tmp_path)
    assert tls.ca_files == (str(tmp_path / "a.crt"), str(tmp_path / "b.crt"))
    assert tls.client_cert == str(tmp_path / "client.cert")
    assert tls.client_key == str(tmp_path / "client.key")


def test_missing_key_is_an_error(tmp_path):
    (tmp_path / "client.cert").write_text("x")
    with pytest.raises(ConfigError, match=r"missing key client\.key"):
        certs.tls_config("h", str(tmp_path))


def test_no_configuration(tmp_path):
    assert certs.tls_config("nohost.invalid:1", env={"HOME": str(tmp_path)}) == certs.TLSFiles()


def test_rootless_user_dir_first(tmp_path):
    host_dir = tmp_path / ".config/containers/certs.d/r.io:5000"
    host_dir.mkdir(parents=True)
    (host_dir / "ca.crt").write_text("x")
    env = {"HOME": str(tmp_path), "_PYPOD_ROOTLESS_UID": "1000"}
    assert certs.tls_config("r.io:5000", env=env).ca_files == (str(host_dir / "ca.crt"),)
