"""policy.json decisions and errors."""

from __future__ import annotations

import json

import pytest

from pypod.config.policy import Policy
from pypod.errors import ConfigError, PolicyDenied

POLICY = {
    "default": [{"type": "reject"}],
    "transports": {
        "docker": {
            "": [{"type": "insecureAcceptAnything"}],
            "quay.io/bad": [{"type": "reject"}],
            "quay.io/bad/but-ok:1": [{"type": "insecureAcceptAnything"}],
            "*.signed.io": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k.gpg"}],
            "ghcr.io/sig": [{"type": "sigstoreSigned", "keyPath": "/k.pub"}],
        },
        "oci": {"/data/trusted": [{"type": "insecureAcceptAnything"}]},
    },
}


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(POLICY, indent=2))
    return Policy.load(str(path))


@pytest.mark.parametrize(
    "transport,name",
    [
        ("docker", "docker.io/library/busybox:latest"),
        ("docker", "quay.io/bad/but-ok:1"),
        ("docker", "quay.io/badly/named:1"),
        ("oci", "/data/trusted/img:tag"),
        ("oci", "/data/trusted"),
    ],
)
def test_accepted(policy, transport, name):
    policy.check(transport, name)


@pytest.mark.parametrize(
    "transport,name,fragment",
    [
        ("docker", "quay.io/bad/app:1", 'scope "quay.io/bad"'),
        ("docker", "quay.io/bad/but-ok:2", "rejected by policy"),
        ("oci", "/data/other:tag", "the default policy"),
        ("dir", "/tmp/x", "Running image dir:/tmp/x is rejected"),
        ("docker", "reg.signed.io/a:1", "signature verification is not supported"),
        ("docker", "ghcr.io/sig/x@sha256:" + "a" * 64, "sigstoreSigned"),
    ],
)
def test_rejected(policy, transport, name, fragment):
    with pytest.raises(PolicyDenied, match=fragment):
        policy.check(transport, name)


def test_rejection_message_is_podmans(policy):
    with pytest.raises(PolicyDenied) as info:
        policy.check("docker", "quay.io/bad/app:1")
    assert info.value.message.startswith(
        "Source image rejected: Running image docker://quay.io/bad/app:1 is rejected by policy"
    )


def test_malformed_json_names_line(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text('{\n  "default": [\n    {"type": "reject"},\n  ]\n}\n')
    with pytest.raises(ConfigError) as info:
        Policy.load(str(path))
    assert info.value.path == str(path) and info.value.line == 4


@pytest.mark.parametrize(
    "data,fragment",
    [
        ({}, "missing"),
        ({"default": []}, "empty"),
        ({"default": [{"type": "maybe"}]}, 'unknown policy requirement type "maybe"'),
        ({"default": [{}]}, "needs a"),
        ({"default": [{"type": "reject"}], "transports": {"docker": []}}, "must be an object"),
    ],
)
def test_invalid_policies(tmp_path, data, fragment):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=fragment):
        Policy.load(str(path))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"no policy\.json"):
        Policy.load(str(tmp_path / "none.json"))


def test_user_policy_wins(tmp_path):
    user = tmp_path / ".config" / "containers"
    user.mkdir(parents=True)
    (user / "policy.json").write_text(json.dumps({"default": [{"type": "reject"}]}))
    policy = Policy.load(env={"HOME": str(tmp_path)})
    assert policy.path == str(user / "policy.json")
