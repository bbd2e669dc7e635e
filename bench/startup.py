"""`pypod --version` and `pypod images` with 100 tags, against podman.

Targets (issue 2): both <= 0.5x podman's median; `pypod --version` under 50 ms.
Usage: .venv/bin/python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import PYPOD, measure, need_podman, report, time_cmd


def _tarball(path: str) -> None:
    with tarfile.open(path, "w") as tar:
        data = b"hello\n"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def _store_with_tags(cmd: list[str], tarball: str, tags: int) -> None:
    subprocess.run(
        [*cmd, "import", "-q", tarball, "localhost/bench:0"], check=True, stdout=subprocess.DEVNULL
    )
    for i in range(1, tags):
        subprocess.run([*cmd, "tag", "localhost/bench:0", f"localhost/bench:{i}"], check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--tags", type=int, default=100)
    opts = ap.parse_args()
    podman = need_podman()
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        tarball = os.path.join(tmp, "layer.tar")
        _tarball(tarball)
        pp = [PYPOD, "--root", f"{tmp}/pypod", "--runroot", f"{tmp}/pypod-run"]
        pm = [
            podman,
            "--root",
            f"{tmp}/podman",
            "--runroot",
            f"{tmp}/podman-run",
            "--storage-driver",
            "overlay",
        ]
        a, b = measure(
            lambda: time_cmd([PYPOD, "--version"]),
            lambda: time_cmd([podman, "--version"]),
            opts.runs,
        )
        report("--version", a, b, 0.5)
        print(f"{'':<40} pypod --version under 50 ms: {'ok' if a < 0.05 else 'MISSED'}")
        _store_with_tags(pp, tarball, opts.tags)
        _store_with_tags(pm, tarball, opts.tags)
        a, b = measure(
            lambda: time_cmd([*pp, "images"]),
            lambda: time_cmd([*pm, "images"]),
            opts.runs,
        )
        report(f"images ({opts.tags} tags)", a, b, 0.5)


if __name__ == "__main__":
    main()
