"""pull, push, search --list-tags, image copy, remote inspect, login/logout against real
registries on 127.0.0.1, as root."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cli_image_helpers import import_image, push_test_image

TLS = "--tls-verify=false"


def _registries_conf(tmp_path, search: list[str]) -> dict[str, str]:
    path = tmp_path / "registries.conf"
    regs = ", ".join(f'"{s}"' for s in search)
    path.write_text(
        f"unqualified-search-registries = [{regs}]\n"
        '[aliases]\n"myalias" = "127.0.0.1:1/nothing/here"\n'
    )
    return {"CONTAINERS_REGISTRIES_CONF": str(path)}


def test_pull_plain_lines_and_id(pypod, registry):
    repo = registry.repo()
    img = push_test_image(registry, repo, "v1", labels={"k": "v"})
    ref = f"{registry.host}/{repo}:v1"
    r = pypod("pull", TLS, ref)
    image_id = img.config_digest.split(":")[1]
    assert r.stdout == image_id + "\n"
    lines = r.stderr.splitlines()
    assert lines[0] == f"Trying to pull {ref}..."
    assert lines[1] == "Getting image source signatures"
    assert sum(1 for line in lines if line.startswith("Copying blob sha256:")) == 2
    assert lines[-3] == f"Copying config {img.config_digest}"
    assert lines[-2:] == ["Writing manifest to image destination", "Storing signatures"]
    i = json.loads(pypod("image", "inspect", ref).stdout)[0]
    assert i["Id"] == image_id and i["Labels"] == {"k": "v"}
    assert i["Digest"] == img.digest
    assert pypod("images", "--format", "{{.Repository}}:{{.Tag}}").stdout == ref + "\n"
    # again: blobs are already there; -q prints only the id
    r = pypod("pull", "-q", TLS, ref)
    assert (r.stdout, r.stderr) == (image_id + "\n", "")


def test_pull_errors_leave_nothing(pypod, registry, tmp_path):
    repo = registry.repo()
    r = pypod("pull", TLS, f"{registry.host}/{repo}:missing", check=False)
    assert r.rc == 125
    assert r.stderr.splitlines()[-1] == (
        f"Error: initializing source docker://{registry.host}/{repo}:missing: reading manifest "
        f"missing in {registry.host}/{repo}: manifest unknown: manifest unknown"
    )
    assert pypod("images", "-aq").stdout == ""
    r = pypod("pull", "--policy", "bogus", "x", check=False)
    assert r.rc == 125 and "unsupported pull policy" in r.stderr
    r = pypod("pull", check=False)
    assert r.rc == 125
    # a tampered blob: the digest check fails and no image appears
    img = push_test_image(registry, repo, "bad")
    with open(registry.blob_path(img.layer_digests[0]), "r+b") as f:
        data = f.read()
        f.seek(0)
        f.write(bytes([data[0] ^ 0xFF]) + data[1:])
    r = pypod("pull", TLS, f"{registry.host}/{repo}:bad", check=False)
    assert r.rc == 125
    assert pypod("images", "-aq").stdout == ""


def test_pull_short_names_try_each_registry(pypod, registry, tmp_path):
    repo = registry.repo()
    img = push_test_image(registry, repo, "latest", layers=1)
    env = _registries_conf(tmp_path, ["127.0.0.1:1", registry.host])
    r = pypod("pull", TLS, repo, env=env)
    assert r.stdout == img.config_digest.split(":")[1] + "\n"
    assert f"Trying to pull 127.0.0.1:1/{repo}:latest..." in r.stderr
    assert f"Trying to pull {registry.host}/{repo}:latest..." in r.stderr
    # the short name now finds the local image
    assert pypod("image", "exists", repo, env=env).rc == 0
    r = pypod("pull", TLS, "nothere/atall", env=env, check=False)
    assert r.rc == 125 and "2 errors occurred while pulling:" in r.stderr
    env = _registries_conf(tmp_path, [])
    r = pypod("pull", "nothere", env=env, check=False)
    assert r.rc == 125 and 'short-name "nothere" did not resolve' in r.stderr


def test_pull_policies_and_all_tags(pypod, registry):
    repo = registry.repo()
    push_test_image(registry, repo, "a", layers=1)
    push_test_image(registry, repo, "b", layers=1)
    ref = f"{registry.host}/{repo}"
    r = pypod("pull", "--policy", "never", f"{ref}:a", check=False)
    assert (r.rc, r.stderr) == (125, f"Error: {ref}:a: image not known\n")
    pypod("pull", "-q", TLS, "--policy", "missing", f"{ref}:a")
    r = pypod("pull", TLS, "--policy", "missing", f"{ref}:a")
    assert r.stderr == ""  # present: nothing pulled
    r = pypod("pull", "-q", TLS, "--policy", "newer", f"{ref}:a")
    assert r.stderr == ""
    r = pypod("pull", "-q", TLS, "--all-tags", ref)
    assert len(r.stdout.split()) == 2
    tags = pypod("images", "--format", "{{.Tag}}").stdout.split()
    assert sorted(tags) == ["a", "b"]
    r = pypod("pull", TLS, "--all-tags", f"{ref}:a", check=False)
    assert r.rc == 125


def test_push_and_search_list_tags(pypod, registry, tmp_path):
    image_id = import_image(pypod, tmp_path, "pushme:1")
    repo = registry.repo()
    dest = f"{registry.host}/{repo}:1"
    digestfile = tmp_path / "digest"
    r = pypod("push", TLS, "--digestfile", str(digestfile), "pushme:1", dest)
    assert "Writing manifest to image destination" in r.stderr
    assert digestfile.read_text().startswith("sha256:")
    pypod("tag", "pushme:1", f"{registry.host}/{repo}:2")
    assert pypod("push", "-q", TLS, f"{registry.host}/{repo}:2").stderr == ""
    pypod(
        "push", "-q", TLS, "--compression-format", "zstd", "pushme:1", f"{registry.host}/{repo}:z"
    )
    out = pypod("search", "--list-tags", TLS, f"{registry.host}/{repo}").stdout.splitlines()
    assert out[0].split() == ["NAME", "TAG"]
    assert sorted(line.split()[1] for line in out[1:]) == ["1", "2", "z"]
    doc = json.loads(
        pypod("search", "--list-tags", TLS, "--format", "json", f"{registry.host}/{repo}").stdout
    )
    assert doc[0]["Name"] == f"{registry.host}/{repo}" and len(doc[0]["Tags"]) == 3
    assert (
        len(
            pypod(
                "search", "--list-tags", "--limit", "1", TLS, f"{registry.host}/{repo}"
            ).stdout.splitlines()
        )
        == 2
    )
    r = pypod("search", "--list-tags", TLS, f"{registry.host}/nope/nope", check=False)
    assert r.rc == 125
    # round trip through the registry
    pypod("rmi", "-a", "-f")
    assert pypod("pull", "-q", TLS, dest).stdout == image_id + "\n"
    r = pypod("push", TLS, "nope:1", dest, check=False)
    assert (r.rc, r.stderr) == (125, "Error: nope:1: image not known\n")
    assert pypod("push", TLS, "pushme:1", dest, "extra", check=False).rc == 125


def test_push_to_other_transports_and_copy(pypod, registry, tmp_path):
    import_image(pypod, tmp_path, "tr:1")
    pypod("push", "-q", "tr:1", f"oci:{tmp_path}/layout:tr")
    assert os.path.exists(tmp_path / "layout" / "index.json")
    pypod("push", "-q", "tr:1", f"dir:{tmp_path}/dirout")
    assert os.path.exists(tmp_path / "dirout" / "manifest.json")
    repo = registry.repo()
    # registry -> registry without the local store, then a remote inspect
    pypod(
        "image",
        "copy",
        "-q",
        "--dest-tls-verify=false",
        f"oci:{tmp_path}/layout:tr",
        f"docker://{registry.host}/{repo}:c",
    )
    pypod(
        "image",
        "copy",
        "-q",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        f"docker://{registry.host}/{repo}:c",
        f"docker://{registry.host}/{repo}:d",
    )
    doc = json.loads(pypod("image", "inspect", TLS, f"docker://{registry.host}/{repo}:d").stdout)[0]
    assert doc["Name"] == f"{registry.host}/{repo}"
    assert sorted(doc["RepoTags"]) == ["c", "d"] and len(doc["Layers"]) == 1
    r = pypod("image", "copy", "only-one", check=False)
    assert r.rc == 125


def test_login_logout(pypod, auth_registry, tmp_path):
    authfile = str(tmp_path / "auth.json")
    host = auth_registry.host
    common = ("--authfile", authfile, TLS)
    r = pypod("login", *common, "-u", auth_registry.username, "-p", "wrong", host, check=False)
    assert r.rc == 125 and "invalid username/password" in r.stderr
    assert not os.path.exists(authfile)
    r = pypod(
        "login",
        *common,
        "-u",
        auth_registry.username,
        "--password-stdin",
        host,
        input=auth_registry.password + "\n",
    )
    assert r.stdout == "Login Succeeded!\n"
    assert host in json.loads(Path(authfile).read_text())["auths"]
    assert pypod("login", "--get-login", "--authfile", authfile, host).stdout == (
        auth_registry.username + "\n"
    )
    # the stored credentials are used for push and pull
    import_image(pypod, tmp_path, "authed:1")
    pypod("push", "-q", *common, "authed:1", f"{host}/private/img:1")
    r = pypod(
        "pull",
        "-q",
        TLS,
        "--authfile",
        str(tmp_path / "none.json"),
        f"{host}/private/img:1",
        check=False,
    )
    assert r.rc == 125
    r = pypod(
        "pull",
        "-q",
        TLS,
        "--creds",
        f"{auth_registry.username}:{auth_registry.password}",
        f"{host}/private/img:1",
    )
    assert r.rc == 0
    assert pypod("logout", "--authfile", authfile, host).stdout == (
        f"Removed login credentials for {host}\n"
    )
    r = pypod("logout", "--authfile", authfile, host, check=False)
    assert (r.rc, r.stderr) == (125, f"Error: not logged into {host}\n")
    r = pypod("login", "--get-login", "--authfile", authfile, host, check=False)
    assert r.rc == 125
    assert pypod("logout", "-a", "--authfile", authfile).stdout == (
        "Removed login credentials for all registries\n"
    )
    r = pypod("login", *common, "-p", "x", "--password-stdin", "-u", "u", host, check=False)
    assert r.rc == 125


def test_login_with_bearer_tokens(pypod, token_registry, tmp_path):
    authfile = str(tmp_path / "auth.json")
    host = token_registry.host
    r = pypod(
        "login",
        "--authfile",
        authfile,
        TLS,
        "-u",
        token_registry.username,
        "-p",
        token_registry.password,
        host,
    )
    assert r.stdout == "Login Succeeded!\n"
    import_image(pypod, tmp_path, "tok:1")
    pypod("push", "-q", TLS, "--authfile", authfile, "tok:1", f"{host}/tok/img:1")
    pypod("rmi", "-a")
    assert pypod("pull", "-q", TLS, "--authfile", authfile, f"{host}/tok/img:1").rc == 0


def test_import_from_url(pypod, tmp_path):
    import functools
    import http.server
    import threading

    from cli_image_helpers import rootfs_tar

    rootfs_tar(str(tmp_path / "served.tar"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        r = pypod("import", "-q", f"{url}/served.tar", "fromurl:1")
        assert r.stdout.startswith("sha256:")
        assert pypod("image", "exists", "fromurl:1").rc == 0
        r = pypod("import", f"{url}/missing.tar", check=False)
        assert r.rc == 125 and "404" in r.stderr
    finally:
        server.shutdown()
