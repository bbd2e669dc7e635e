"""`run --rm IMG true` on the default network, pypod against podman, root and rootless.

Target (issue 4): pypod's median <= 0.5x podman's. Root: both on the default bridge network
`podman` through netavark; rootless (as the test user pypodtest, through runuser): both on
their default rootless network (pypod: pasta; podman 4.3: slirp4netns — its default here).
podman gets the containers.conf of bench/run.py (runc, ulimits clamped to ours).

Usage: .venv/bin/python bench/run_network.py [--runs N] [--no-rootless]
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import PYPOD, measure, need_podman, report, time_cmd
from run import IMAGE, shared_inputs

USER = "pypodtest"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _as_user(argv: list[str], env: dict[str, str]) -> list[str]:
    pw = pwd.getpwnam(USER)
    base = {"HOME": pw.pw_dir, "PATH": PATH, "USER": USER, "LANG": "C.UTF-8", **env}
    return ["runuser", "-u", USER, "--", "env", "-i", *(f"{k}={v}" for k, v in base.items()),
            *argv]  # fmt: skip


def _bench(label: str, pp: list[str], pm: list[str], tarball: str, runs: int,
           wrap: object, env: dict[str, str]) -> None:  # fmt: skip
    inner = env

    def w(argv: list[str]) -> list[str]:
        return wrap(argv, inner) if callable(wrap) else argv

    if callable(wrap):  # the wrapper hands env to the command; runuser needs our PATH
        env = dict(os.environ)

    for cmd in (pp, pm):
        subprocess.run(w([*cmd, "import", "-q", tarball, IMAGE]), check=True, env=env,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    run = ("run", "--rm", IMAGE, "true")
    try:
        a, b = measure(
            lambda: time_cmd(w([*pp, *run]), env=env),
            lambda: time_cmd(w([*pm, *run]), env=env),
            runs,
            warmup=2,
        )
        report(f"run --rm IMG true, default network ({label})", a, b, 0.5)
    finally:
        for cmd in (pp, pm):  # nothing may be left running, mounted or connected
            subprocess.run(w([*cmd, "rm", "-a", "-f"]), env=env, capture_output=True,
                           check=False)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--no-rootless", action="store_true")
    opts = ap.parse_args()
    podman = need_podman()
    tmp = tempfile.mkdtemp(dir="/var/tmp", prefix="pypod-bench-net-")
    try:
        tarball, conf = shared_inputs(tmp)
        env = {"CONTAINERS_CONF": conf}
        root = os.path.join(tmp, "root")
        pp = [PYPOD, "--root", f"{root}/pypod", "--runroot", f"{root}/pypod-run"]
        pm = [podman, "--root", f"{root}/podman", "--runroot", f"{root}/podman-run",
              "--storage-driver", "overlay"]  # fmt: skip
        _bench("root", pp, pm, tarball, opts.runs, None, {**os.environ, **env})
        if not opts.no_rootless:
            user = os.path.join(tmp, "user")
            os.makedirs(user)
            pw = pwd.getpwnam(USER)
            os.chown(user, pw.pw_uid, pw.pw_gid)
            pp = [PYPOD, "--root", f"{user}/pypod", "--runroot", f"{user}/pypod-run"]
            pm = [podman, "--root", f"{user}/podman", "--runroot", f"{user}/podman-run",
                  "--storage-driver", "overlay"]  # fmt: skip
            _bench("rootless", pp, pm, tarball, opts.runs, _as_user, env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
