"""Small builders shared by the image CLI tests: rootfs tarballs and registry images."""

from __future__ import annotations

import io
import os
import tarfile

from pypod.image.registry import RegistryClient
from tests.fixtures import ocibuild


def rootfs_tar(path: str, files: dict[str, bytes] | None = None) -> str:
    """A tiny filesystem tarball (plain tar) at path."""
    files = files or {"etc/": b"", "etc/hello": b"hello world\n", "bin/": b"", "bin/tool": b"#!x\n"}
    with open(path, "wb") as f:
        f.write(ocibuild.make_tar(files))
    return path


def import_image(pypod, tmp_path, name: str = "", *extra: str, content: bytes = b"x") -> str:
    """`pypod import` a one-file tarball; returns the image id (without sha256:)."""
    tar = rootfs_tar(
        os.path.join(tmp_path, f"rootfs-{os.urandom(4).hex()}.tar"),
        {"data/": b"", "data/file": content},
    )
    args = ["import", "-q", *extra, tar] + ([name] if name else [])
    out = pypod(*args).stdout.strip()
    assert out.startswith("sha256:"), out
    return out.removeprefix("sha256:")


def push_test_image(
    registry,
    repo: str,
    tag: str,
    *,
    labels: dict[str, str] | None = None,
    layers: int = 2,
) -> ocibuild.Built:
    img = ocibuild.build_image(
        [{f"layer{i}/": b"", f"layer{i}/f": os.urandom(64)} for i in range(layers)],
        labels=labels,
    )
    client = RegistryClient(registry.host, insecure=True)
    try:
        ocibuild.push_image(client, repo, tag, img)
    finally:
        client.close()
    return img


def tar_names(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.getnames()
