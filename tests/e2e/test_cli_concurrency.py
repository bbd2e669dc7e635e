"""Concurrent `pypod pull`s of one image, and of two images sharing base layers: all succeed,
each layer is stored once, and `pypod images` run meanwhile never errors nor lists an image
that is not complete (every listed image inspects, with all its layers on disk)."""

from __future__ import annotations

import json
import os
import subprocess
import threading

import pytest

from pypod.image.registry import RegistryClient
from tests.fixtures import ocibuild as ob
from tests.fixtures.pypod_cli import root_env

TLS = "--tls-verify=false"


def push(registry, layers: list[dict[str, bytes]]) -> tuple[ob.Built, str]:
    img = ob.build_image(layers)
    repo = registry.repo("conc")
    client = RegistryClient(registry.host, insecure=True)
    try:
        ob.push_image(client, repo, "v1", img)
    finally:
        client.close()
    return img, f"{registry.host}/{repo}:v1"


def layer_dirs(root: str) -> list[str]:
    home = os.path.join(root, "overlay")
    return [n for n in os.listdir(home) if len(n) == 64] if os.path.isdir(home) else []


def watch_images(pypod, stop: threading.Event, problems: list[str]) -> None:
    """Loop `pypod images`; every listed image must inspect and have its layer dirs."""
    while not stop.is_set():
        r = pypod("images", "-q", "--no-trunc", check=False)
        if r.rc != 0:
            problems.append(str(r))
            continue
        for image_id in r.stdout.split():
            i = pypod("image", "inspect", image_id, check=False)
            if i.rc != 0:
                problems.append(str(i))
                continue
            doc = json.loads(i.stdout)[0]
            data = doc["GraphDriver"]["Data"]
            dirs = [data.get("UpperDir", ""), *data.get("LowerDir", "").split(":")]
            missing = [d for d in dirs if d and not os.path.isdir(d)]
            if missing:
                problems.append(f"{image_id}: layer dirs missing {missing}")


def pull_all(pypod, refs: list[str]) -> list[subprocess.CompletedProcess[bytes]]:
    procs = [
        subprocess.Popen(
            pypod.argv(("pull", "-q", TLS, ref)),
            env=root_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for ref in refs
    ]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=60)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def run_concurrently(pypod, refs: list[str]) -> list[subprocess.CompletedProcess[bytes]]:
    stop, problems = threading.Event(), []
    watcher = threading.Thread(target=watch_images, args=(pypod, stop, problems))
    watcher.start()
    try:
        results = pull_all(pypod, refs)
    finally:
        stop.set()
        watcher.join(30)
    assert problems == []
    for r in results:
        assert r.returncode == 0, r.stderr.decode()
    return results


def layers(n: int, tag: str) -> list[dict[str, bytes]]:
    return [{f"{tag}{i}/": b"", f"{tag}{i}/data": os.urandom(256 * 1024)} for i in range(n)]


@pytest.mark.parametrize("n", [2, 4])
def test_same_image_pulled_at_once(pypod, registry, n):
    img, ref = push(registry, layers(4, "same"))
    results = run_concurrently(pypod, [ref] * n)
    image_id = img.config_digest.split(":")[1]
    assert {r.stdout.decode().strip() for r in results} == {image_id}
    assert pypod("images", "-q", "--no-trunc").stdout.split() == [img.config_digest]
    assert len(layer_dirs(pypod.dirs.root)) == 4
    assert os.listdir(os.path.join(pypod.dirs.root, "tmp")) == []


def test_images_sharing_base_layers(pypod, registry):
    base = layers(3, "base")
    a, ref_a = push(registry, [*base, {"a": os.urandom(1024)}])
    b, ref_b = push(registry, [*base, {"b": os.urandom(1024)}])
    assert a.diff_ids[:3] == b.diff_ids[:3]
    run_concurrently(pypod, [ref_a, ref_b, ref_a, ref_b])
    listed = sorted(pypod("images", "-q", "--no-trunc").stdout.split())
    assert listed == sorted([a.config_digest, b.config_digest])
    assert len(layer_dirs(pypod.dirs.root)) == 5  # 3 shared + one of each
    for img in (a, b):
        doc = json.loads(pypod("image", "inspect", img.config_digest).stdout)[0]
        assert doc["RootFS"]["Layers"] == img.diff_ids
