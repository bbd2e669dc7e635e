"""`run --rm --network none IMG true`, pypod against podman, in one run.

Target (issue 3): pypod's median <= 0.5x podman's (podman takes about 0.21 s here).

Podman 4.3 cannot run containers on this host with its defaults: crun refuses the hybrid
cgroup layout, and its default ulimits exceed the caller's hard limits without
CAP_SYS_RESOURCE ("error setting rlimit type 7: operation not permitted"). The script therefore
gives podman a containers.conf through CONTAINERS_CONF with `runtime = "runc"` and
default_ulimits clamped to this process's hard limits (nofile, nproc) — the same choices pypod
makes on its own. Both use a busybox-static image imported from the same tarball, overlay
storage on /var/tmp, and runc.

Usage: .venv/bin/python bench/run.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import PYPOD, measure, need_podman, report, time_cmd

from tests.fixtures.images import write_busybox_tar

IMAGE = "localhost/busybox:latest"


def podman_conf(path: str) -> None:
    """runc, and default ulimits no higher than ours (see the module docstring)."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    limits = [f"nofile={nofile}:{nofile}", f"nproc={min(nproc, 32768)}:{min(nproc, 32768)}"]
    with open(path, "w", encoding="utf-8") as f:
        quoted = ", ".join(f'"{u}"' for u in limits)
        f.write(f"[containers]\ndefault_ulimits = [{quoted}]\n")
        f.write('[engine]\nruntime = "runc"\n')


def shared_inputs(tmp: str) -> tuple[str, str]:
    """The busybox tarball and podman's containers.conf in tmp, readable by the rootless user
    (tmp itself too): (tarball, conf)."""
    os.chmod(tmp, 0o755)
    tarball = os.path.join(tmp, "busybox.tar")
    write_busybox_tar(tarball)
    os.chmod(tarball, 0o644)
    conf = os.path.join(tmp, "containers.conf")
    podman_conf(conf)
    os.chmod(conf, 0o644)
    return tarball, conf


def side_by_side(tmp: str, podman: str) -> tuple[dict[str, str], list[str], list[str]]:
    """Both tools' stores under tmp with the busybox image imported, as root: (env with
    podman's containers.conf, pypod's command prefix, podman's)."""
    tarball, conf = shared_inputs(tmp)
    env = {**os.environ, "CONTAINERS_CONF": conf}
    pp = [PYPOD, "--root", f"{tmp}/pypod", "--runroot", f"{tmp}/pypod-run"]
    pm = [podman, "--root", f"{tmp}/podman", "--runroot", f"{tmp}/podman-run",
          "--storage-driver", "overlay"]  # fmt: skip
    for cmd in (pp, pm):
        subprocess.run([*cmd, "import", "-q", tarball, IMAGE], check=True, env=env,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    return env, pp, pm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    opts = ap.parse_args()
    podman = need_podman()
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        env, pp, pm = side_by_side(tmp, podman)
        run = ("run", "--rm", "--network", "none", IMAGE, "true")
        a, b = measure(
            lambda: time_cmd([*pp, *run], env=env),
            lambda: time_cmd([*pm, *run], env=env),
            opts.runs,
            warmup=2,
        )
        report("run --rm --network none IMG true", a, b, 0.5)
        for cmd in (pp, pm):  # nothing may be left running or mounted
            subprocess.run([*cmd, "rm", "-a", "-f"], env=env, capture_output=True, check=False)


if __name__ == "__main__":
    main()
