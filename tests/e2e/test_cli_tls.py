"""Registries over HTTPS with a test CA: trust through --cert-dir (certs.d layout) or the
user's certs.d/HOST:PORT, --tls-verify=false, login, push and image copy over TLS."""

from __future__ import annotations

import os
import shutil

from pypod.config.certs import TLSFiles
from pypod.image.registry import RegistryClient
from pypod.image.registry.auth import Creds
from tests.fixtures import ocibuild

UNKNOWN_CA = "x509: certificate signed by unknown authority"


def _push(reg, repo: str, tag: str = "v1") -> ocibuild.Built:
    img = ocibuild.build_image([{"f": os.urandom(32)}])
    client = RegistryClient(
        reg.host,
        tls_files=TLSFiles(ca_files=(reg.ca_file,)),
        credentials=Creds(username=reg.username, password=reg.password),
    )
    try:
        ocibuild.push_image(client, repo, tag, img)
    finally:
        client.close()
    return img


def _cert_dir(tmp_path, reg) -> str:
    """A certs.d-style directory holding the registry's CA as ca.crt."""
    d = tmp_path / "certs"
    d.mkdir(exist_ok=True)
    shutil.copy(reg.ca_file, d / "ca.crt")
    return str(d)


def test_pull_needs_the_ca(pypod, tls_registry, tmp_path):
    reg = tls_registry
    repo = reg.repo()
    img = _push(reg, repo)
    ref = f"{reg.host}/{repo}:v1"
    creds = f"--creds={reg.username}:{reg.password}"
    r = pypod("pull", creds, ref, check=False)
    assert r.rc == 125
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].endswith(UNKNOWN_CA), r.stderr
    assert f"pinging container registry {reg.host}" in errors[0]
    assert pypod("images", "-aq").stdout == ""
    # --cert-dir DIR with DIR/ca.crt
    r = pypod("pull", "-q", creds, "--cert-dir", _cert_dir(tmp_path, reg), ref)
    assert r.stdout.strip() == img.config_digest.split(":")[1]
    pypod("rmi", ref)
    # or no verification at all
    r = pypod("pull", "-q", creds, "--tls-verify=false", ref)
    assert r.stdout.strip() == img.config_digest.split(":")[1]


def test_login_push_and_copy_over_tls(pypod, tls_registry, registry, tmp_path):
    reg = tls_registry
    certs = _cert_dir(tmp_path, reg)
    auth = str(tmp_path / "auth.json")
    login = ("login", "--authfile", auth, "-u", reg.username, "-p", reg.password, reg.host)
    r = pypod(*login, check=False)
    assert r.rc == 125 and UNKNOWN_CA in r.stderr
    assert not os.path.exists(auth)
    r = pypod(*login[:1], "--cert-dir", certs, *login[1:])
    assert r.stdout == "Login Succeeded!\n"
    # push with the stored credentials and the CA
    repo = reg.repo()
    img = _push(reg, repo)
    src = f"{reg.host}/{repo}:v1"
    pypod("pull", "-q", "--authfile", auth, "--cert-dir", certs, src)
    dest = f"{reg.host}/{repo}-pushed:v1"
    pypod("push", "-q", "--authfile", auth, "--cert-dir", certs, src, dest)
    # TLS source, plain destination, each with its own options
    plain = f"{registry.host}/{registry.repo()}:v1"
    r = pypod(
        "image",
        "copy",
        "-q",
        "--authfile",
        auth,
        "--src-cert-dir",
        certs,
        "--dest-tls-verify=false",
        f"docker://{dest}",
        f"docker://{plain}",
    )
    r = pypod("image", "inspect", "--tls-verify=false", f"docker://{plain}")
    assert img.layer_digests[0] in r.stdout
    # without the source's CA the copy fails before anything is written
    other = f"{registry.host}/{registry.repo()}:v1"
    r = pypod(
        "image",
        "copy",
        "--authfile",
        auth,
        "--dest-tls-verify=false",
        f"docker://{dest}",
        f"docker://{other}",
        check=False,
    )
    assert r.rc == 125 and UNKNOWN_CA in r.stderr
    r = pypod("image", "inspect", "--tls-verify=false", f"docker://{other}", check=False)
    assert r.rc == 125


def test_rootless_certs_d_host_port(pypod_rootless, tls_registry):
    """~/.config/containers/certs.d/HOST:PORT/ca.crt is trusted without flags."""
    from tests.fixtures.users import get_test_user, make_user_dir

    reg = tls_registry
    repo = reg.repo()
    img = _push(reg, repo)
    user = get_test_user()
    config = make_user_dir("pypod-test-xdg-")
    try:
        d = os.path.join(config, "containers", "certs.d", reg.host)
        os.makedirs(d)
        shutil.copy(reg.ca_file, os.path.join(d, "ca.crt"))
        for root, dirs, files in os.walk(config):
            for n in dirs + files:
                os.chown(os.path.join(root, n), user.uid, user.gid)
        env = {"XDG_CONFIG_HOME": config}
        ref = f"{reg.host}/{repo}:v1"
        creds = f"--creds={reg.username}:{reg.password}"
        r = pypod_rootless("pull", "-q", creds, ref, env=env)
        assert r.stdout.strip() == img.config_digest.split(":")[1]
    finally:
        shutil.rmtree(config, ignore_errors=True)
