"""Cold pull of a ~250 MB, ~9,000-file image from a loopback registry: pypod vs podman.

Target (issue 2): pypod's median wall time <= 0.5x podman's in the same run.
Each run pulls into a fresh, empty store on disk (/var/tmp), never tmpfs.
Usage: .venv/bin/python bench/pull.py [--runs 3] [--files 9000] [--mb 250]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import PYPOD, measure, need_podman, report, time_cmd

from pypod.image.registry import RegistryClient
from tests.fixtures.ocibuild import build_image, push_image
from tests.fixtures.registry import start_registry, stop_registry


def _layers(files: int, total_mb: int, nlayers: int = 5) -> list[dict[str, bytes]]:
    """Files of mixed sizes, half random (incompressible) and half text-like, like real images."""
    rng = random.Random(42)
    avg = total_mb * 1_000_000 // files
    words = [rng.randbytes(6).hex().encode() for _ in range(512)]
    layers: list[dict[str, bytes]] = [{} for _ in range(nlayers)]
    for i in range(files):
        size = max(16, int(rng.expovariate(1 / avg)))
        if i % 2:
            data = rng.randbytes(size)
        else:
            data = b" ".join(rng.choice(words) for _ in range(size // 13 + 1))[:size]
        layer = layers[i % nlayers]
        layer[f"usr/share/bench/d{i % 97:02d}/"] = b""
        layer[f"usr/share/bench/d{i % 97:02d}/f{i}"] = data
    return layers


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--files", type=int, default=9000)
    ap.add_argument("--mb", type=int, default=250)
    opts = ap.parse_args()
    podman = need_podman()
    reg = start_registry()
    try:
        img = build_image(_layers(opts.files, opts.mb))
        client = RegistryClient(reg.host, insecure=True)
        push_image(client, "bench/big", "latest", img)
        size = sum(len(b) for b in img.blobs.values())
        print(
            f"image: {opts.files} files, {sum(len(t) for t in img.tars) / 1e6:.0f} MB "
            f"uncompressed, {size / 1e6:.0f} MB compressed, {len(img.tars)} layers"
        )
        ref = f"{reg.host}/bench/big:latest"

        def cold(cmd: list[str]) -> float:
            base = tempfile.mkdtemp(dir="/var/tmp", prefix="pypod-bench-")
            try:
                argv = [
                    *cmd,
                    "--root",
                    f"{base}/root",
                    "--runroot",
                    f"{base}/run",
                    "pull",
                    "-q",
                    "--tls-verify=false",
                    ref,
                ]
                return time_cmd(argv)
            finally:
                os.system(f"umount -R {base}/root/*/merged 2>/dev/null")
                shutil.rmtree(base, ignore_errors=True)
                # untimed: the next run (the other tool's, runs alternate) must not pay for
                # writing back this one's 250 MB
                os.sync()

        a, b = measure(
            lambda: cold([PYPOD]),
            lambda: cold([podman, "--storage-driver", "overlay"]),
            opts.runs,
            warmup=0,
        )
        report("cold pull (~250 MB, ~9,000 files)", a, b, 0.5)
    finally:
        stop_registry(reg)


if __name__ == "__main__":
    main()
