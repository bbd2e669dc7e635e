"""Shared helpers for the benchmarks: timing commands and printing medians and ratios."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# PYPOD_BENCH_BIN: another pypod launcher (e.g. an older checkout) for before/after numbers
PYPOD = os.environ.get("PYPOD_BENCH_BIN") or os.path.join(REPO, ".venv", "bin", "pypod")


def need_podman() -> str:
    podman = shutil.which("podman")
    if not podman:
        sys.exit("podman is not installed: apt-get install podman (4.3 in Debian 12)")
    return podman


def time_cmd(argv: Sequence[str], *, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def measure(
    pypod: Callable[[], float], podman: Callable[[], float], runs: int, warmup: int = 1
) -> tuple[float, float]:
    """Both tools' medians, runs alternating: a burst of noise on the VM (10-30% here) then
    lands on both sides instead of on whichever ran during it."""
    for _ in range(warmup):
        pypod()
        podman()
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        a.append(pypod())
        b.append(podman())
    return statistics.median(a), statistics.median(b)


def report(name: str, pypod_s: float, podman_s: float, target: float) -> None:
    ratio = pypod_s / podman_s if podman_s else float("inf")
    verdict = "ok" if ratio <= target else "MISSED"
    print(
        f"{name:<40} pypod {pypod_s * 1000:8.1f} ms  podman {podman_s * 1000:8.1f} ms  "
        f"ratio {ratio:5.2f} (target <= {target}) {verdict}"
    )
