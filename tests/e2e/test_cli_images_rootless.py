"""pull / images / rmi / import as the unprivileged test user (inside pypod's user namespace)."""

from __future__ import annotations

import json
import os

import pytest
from cli_image_helpers import push_test_image

pytestmark = pytest.mark.rootless


def test_rootless_pull_images_rmi(pypod_rootless, registry):
    repo = registry.repo()
    img = push_test_image(registry, repo, "r1", layers=2)
    ref = f"{registry.host}/{repo}:r1"
    image_id = img.config_digest.split(":")[1]
    r = pypod_rootless("pull", "-q", "--tls-verify=false", ref)
    assert r.stdout == image_id + "\n"
    assert pypod_rootless("images", "--format", "{{.Repository}}:{{.Tag}}").stdout == ref + "\n"
    doc = json.loads(pypod_rootless("image", "inspect", ref).stdout)[0]
    assert doc["Id"] == image_id
    assert pypod_rootless("rmi", ref).stdout == f"Untagged: {ref}\nDeleted: {image_id}\n"
    assert pypod_rootless("images", "-aq").stdout == ""
    r = pypod_rootless("rmi", "nope", check=False)
    assert r.rc == 1


def test_rootless_import_keeps_ownership_inside(pypod_rootless, rootless_store):
    from tests.fixtures import ocibuild

    tar = os.path.join(rootless_store.base, "rootfs.tar")
    with open(tar, "wb") as f:
        f.write(ocibuild.make_tar({"etc/": b"", "etc/hello": b"hi\n"}))
    os.chmod(tar, 0o644)
    r = pypod_rootless("import", "-q", tar, "mine:1")
    assert r.stdout.startswith("sha256:")
    assert pypod_rootless("image", "exists", "mine:1").rc == 0
    r = pypod_rootless("image", "mount", "mine:1", check=False)
    assert r.rc == 125 and "pypod unshare" in r.stderr
