"""`ps -a` with 1,000 containers and `inspect` of one of them, pypod against podman.

Target (issue 3): both medians <= 0.5x podman's.

Like is compared with like: both tools get the same number of real containers made by their
own `create` command (busybox imported from one tarball, a label and a bind mount each so the
rows are not trivially small), started in parallel batches to keep the set-up short. Podman
gets the clamped containers.conf of bench/run.py (it is read by every podman command).

Usage: .venv/bin/python bench/ps.py [--count N] [--runs N] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import measure, need_podman, report, time_cmd
from run import IMAGE, side_by_side


def create_many(cmd: list[str], count: int, jobs: int, env: dict[str, str], tag: str) -> float:
    """count containers through `create`, jobs at a time; seconds taken."""

    def one(i: int) -> None:
        argv = [*cmd, "create", "--name", f"{tag}{i:05d}", "--label", f"n={i}",
                "-v", "/tmp:/mnt/host:ro", IMAGE, "sleep", "1000"]  # fmt: skip
        subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for _ in pool.map(one, range(count)):
            pass
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--jobs", type=int, default=4)
    opts = ap.parse_args()
    podman = need_podman()
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        env, pp, pm = side_by_side(tmp, podman)
        try:
            for name, cmd in (("pypod", pp), ("podman", pm)):
                took = create_many(cmd, opts.count, opts.jobs, env, "bench")
                print(f"{name}: {opts.count} creates in {took:.1f} s ({opts.jobs} at a time)")
            a, b = measure(
                lambda: time_cmd([*pp, "ps", "-a"], env=env),
                lambda: time_cmd([*pm, "ps", "-a"], env=env),
                opts.runs,
            )
            report(f"ps -a ({opts.count} containers)", a, b, 0.5)
            target = f"bench{opts.count // 2:05d}"
            a, b = measure(
                lambda: time_cmd([*pp, "inspect", target], env=env),
                lambda: time_cmd([*pm, "inspect", target], env=env),
                opts.runs,
            )
            report(f"inspect (1 of {opts.count})", a, b, 0.5)
        finally:
            for cmd in (pp, pm):  # nothing may be left mounted or recorded
                subprocess.run([*cmd, "rm", "-a", "-f"], env=env, capture_output=True,
                               check=False)  # fmt: skip


if __name__ == "__main__":
    main()
