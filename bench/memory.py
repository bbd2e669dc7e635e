"""Host memory per running container: what each tool leaves running after `run -d`.

Target (issue 3): pypod leaves no more than podman, i.e. conmon alone (no Python process).

For each tool, N `run -d IMG sleep 1000` containers are started; the processes that appeared
on the host meanwhile, minus the containers' own processes (those in the containers' pid
namespaces), are what the tool leaves behind. Their RSS and PSS (/proc/PID/smaps_rollup) are
summed and divided by N. With --health, the containers get a health check every 2 s (pypod's
design may keep a helper process for the timer; podman 4.3 uses systemd timers, which this
host does not have, so podman's column then shows what it leaves without them).

Usage: .venv/bin/python bench/memory.py [--count N] [--health]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import need_podman
from run import IMAGE, side_by_side


def _pids() -> set[int]:
    return {int(p) for p in os.listdir("/proc") if p.isdigit()}


def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def _pidns(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return ""


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in kB; zeros for a process that is gone."""
    rss = pss = 0
    for line in _read(f"/proc/{pid}/smaps_rollup").splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


def _ppid(pid: int) -> int:
    stat = _read(f"/proc/{pid}/stat")
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[1]) if len(fields) > 1 else 0


def _comm(pid: int) -> str:
    return _read(f"/proc/{pid}/comm").strip()


def measure(cmd: list[str], count: int, env: dict[str, str], health: bool, store: str) -> None:
    before = _pids()
    run = [*cmd, "run", "-d", "--network", "none"]
    if health:
        run += ["--health-cmd", "true", "--health-interval", "2s"]
    ctr_pids = []
    for _ in range(count):
        out = subprocess.run([*run, IMAGE, "sleep", "1000"], check=True, env=env,
                             capture_output=True, text=True).stdout.strip()  # fmt: skip
        pid = subprocess.run([*cmd, "inspect", "--format", "{{.State.Pid}}", out], check=True,
                             env=env, capture_output=True, text=True).stdout.strip()  # fmt: skip
        ctr_pids.append(int(pid))
    time.sleep(3 if health else 1)  # let exit commands and first health checks come and go
    namespaces = {_pidns(p) for p in ctr_pids} - {""}
    # other work on the host starts processes too: keep those naming this store, and their
    # children (a health-check timer's shell, say)
    new = [p for p in _pids() - before if _pidns(p) not in namespaces and _comm(p)]
    ours = {p for p in new if store in _read(f"/proc/{p}/cmdline")}
    left = [p for p in new if p in ours or _ppid(p) in ours]
    kinds: dict[str, int] = {}
    rss = pss = 0
    for pid in left:
        r, p = _memory_kb(pid)
        rss, pss = rss + r, pss + p
        kinds[_comm(pid)] = kinds.get(_comm(pid), 0) + 1
    name = os.path.basename(cmd[0])
    what = ", ".join(f"{n} x{c}" for n, c in sorted(kinds.items()))
    print(f"{name:<8} per container: RSS {rss / count:8.0f} kB  PSS {pss / count:8.0f} kB  "
          f"({len(left)} processes for {count} containers: {what})")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--health", action="store_true")
    opts = ap.parse_args()
    podman = need_podman()
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        env, pp, pm = side_by_side(tmp, podman)
        try:
            for cmd in (pp, pm):
                try:
                    measure(cmd, opts.count, env, opts.health, tmp)
                except subprocess.CalledProcessError as exc:
                    print(f"{os.path.basename(cmd[0])}: {exc.stderr or exc}".strip())
                finally:
                    subprocess.run([*cmd, "rm", "-a", "-f", "-t", "0"], env=env,
                                   capture_output=True, check=False)  # fmt: skip
        finally:
            for cmd in (pp, pm):
                subprocess.run([*cmd, "rm", "-a", "-f"], env=env, capture_output=True,
                               check=False)  # fmt: skip


if __name__ == "__main__":
    main()
