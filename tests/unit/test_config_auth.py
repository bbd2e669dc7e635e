"""auth.json: lookup order, key specificity, and the write/remove round trip."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from pypod.config import auth, paths
from pypod.errors import ConfigError


def b64(text):
    return base64.b64encode(text.encode()).decode()


def put(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


@pytest.fixture
def env(tmp_path):
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    return {
        "HOME": str(tmp_path / "home"),
        "XDG_RUNTIME_DIR": str(run),
        paths.ROOTLESS_UID_ENV: "1000",
    }


def test_lookup_order(tmp_path, env):
    home = tmp_path / "home"
    assert auth.auth_files(env=env) == [
        f"{tmp_path}/run/containers/auth.json",
        f"{home}/.config/containers/auth.json",
        f"{home}/.docker/config.json",
        f"{home}/.dockercfg",
    ]
    assert auth.auth_files("/x.json", env) == ["/x.json"]
    assert auth.auth_files(env={**env, "REGISTRY_AUTH_FILE": "/y.json"}) == ["/y.json"]


def test_first_file_wins_and_most_specific_key(tmp_path, env):
    home = tmp_path / "home"
    put(home / ".docker/config.json", {"auths": {
        "https://index.docker.io/v1/": {"auth": b64("hub:pw")},
        "quay.io": {"auth": b64("docker:pw")},
    }})  # fmt: skip
    put(home / ".config/containers/auth.json", {"auths": {
        "quay.io": {"auth": b64("user:pw")},
        "quay.io/team": {"auth": b64("team:pw")},
        "quay.io/team/app": {"auth": b64("app:p:w")},
    }})  # fmt: skip
    put(home / ".dockercfg", {"legacy.io": {"auth": b64("old:pw")}})
    get = lambda key: auth.get_credentials(key, env=env)  # noqa: E731
    assert get("quay.io").username == "user"
    assert get("quay.io/team/app:1").password == "p:w"
    assert get("quay.io/team/other").username == "team"
    assert get("docker.io/library/busybox").username == "hub"
    assert get("legacy.io/x").username == "old"
    assert get("nothing.io") is None
    assert "pw" not in repr(get("quay.io"))
    assert set(auth.get_all(env=env)) == {
        "quay.io", "quay.io/team", "quay.io/team/app", "docker.io", "legacy.io"
    }  # fmt: skip


def test_identity_token(tmp_path):
    path = tmp_path / "a.json"
    put(path, {"auths": {"r.io": {"identitytoken": "tok"}}})
    creds = auth.get_credentials("r.io", str(path))
    assert creds.identity_token == "tok" and creds.username == ""


def test_write_remove_round_trip(tmp_path, env):
    target = f"{tmp_path}/run/containers/auth.json"
    put(tmp_path / "run/containers/auth.json", {"auths": {"keep.io": {"auth": b64("k:k")}},
                                                "credHelpers": {"x": "y"}})  # fmt: skip
    written = auth.set_credentials("https://127.0.0.1:5000", "me", "secret", env=env)
    assert written == target
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    data = json.loads(Path(target).read_text())
    assert data["credHelpers"] == {"x": "y"}
    assert data["auths"]["127.0.0.1:5000"] == {"auth": b64("me:secret")}
    assert auth.get_credentials("127.0.0.1:5000/ns/img", env=env).password == "secret"
    assert auth.remove_credentials("127.0.0.1:5000", env=env) is True
    assert auth.remove_credentials("127.0.0.1:5000", env=env) is False
    assert auth.get_credentials("keep.io", env=env).username == "k"
    auth.remove_all(env=env)
    assert json.loads(Path(target).read_text()) == {"auths": {}, "credHelpers": {"x": "y"}}


def test_explicit_authfile_is_created(tmp_path):
    path = tmp_path / "new" / "auth.json"
    auth.set_credentials("r.io/ns", "u", "p", str(path))
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert auth.get_credentials("r.io/ns/img", str(path)).username == "u"
    assert auth.get_credentials("r.io/other", str(path)) is None


def test_malformed_file(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"auths": {\n "r.io": {"auth": "%%%"}\n}}')
    with pytest.raises(ConfigError, match="invalid base64"):
        auth.get_credentials("r.io", str(path))
    path.write_text('{"auths": {\n "r.io": \n}}')
    with pytest.raises(ConfigError) as info:
        auth.get_credentials("r.io", str(path))
    assert info.value.line == 3


def test_default_write_path_root(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("root only")
    assert auth.default_write_path({"HOME": str(tmp_path)}) == "/run/containers/0/auth.json"
