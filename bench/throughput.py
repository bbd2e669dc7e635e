"""Throughput host -> container through a published TCP port, pypod against podman, in one run.

Target (issue 4): pypod's median throughput >= podman's (ratio pypod/podman >= 1), root and
rootless.

Each tool runs one container per network mode, serving `nc -ll -p 8000 -e sh -c 'cat >/dev/null;
echo done'` (busybox: a persistent listener, one reader per connection). This process connects to
127.0.0.1:HOSTPORT, writes --mb MiB of zeros in 1 MiB writes, shuts down its side and waits for
"done", i.e. until the container has read every byte; MB/s is the size over that time. The two
tools' runs alternate (and which goes first), so both see the same load on the machine.

- root: both on a bridge network of their own (netavark: an iptables DNAT, no proxy process),
  created for the run with distinct subnets and bridge names (two stores would hand out the same
  addresses of the default network `podman`, so they cannot share it at the same time). podman's
  network files go to the run's directory, not /etc/containers/networks.
- rootless (as the test user pypodtest, through runuser): each tool's default, pypod: pasta;
  podman 4.3: slirp4netns with its port handler rootlessport (4.3 has no pasta); then both with
  `--network slirp4netns` (pypod forwards through slirp4netns's own port forwarding whatever the
  port_handler, podman through rootlessport); then both with port_handler=slirp4netns, the same
  forwarding on both sides.

podman gets the containers.conf of bench/run.py (runc, ulimits clamped to ours). --verbose prints
the command lines of the helpers (pasta, slirp4netns, rootlessport) serving each container.

Usage: .venv/bin/python bench/throughput.py [--mb N] [--runs N] [--no-root] [--no-rootless]
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import PYPOD, need_podman
from run import IMAGE, shared_inputs
from run_network import USER, _as_user

from tests.e2e.network_helpers import bridge_name, free_subnet

CTR_PORT = 8000
CHUNK = 1 << 20
SINK = ("nc", "-ll", "-p", str(CTR_PORT), "-e", "sh", "-c", "cat >/dev/null; echo done")
HELPERS = ("pasta", "pasta.avx2", "slirp4netns")

Wrap = Callable[[list[str]], list[str]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Tool:
    name: str
    cmd: list[str]  # the binary and its store flags
    wrap: Wrap  # runs a command as the right user with the right environment
    env: dict[str, str]

    def __call__(self, *args: str, check: bool = True) -> str:
        r = subprocess.run(self.wrap([*self.cmd, *args]), env=self.env, capture_output=True,
                           text=True, check=False)  # fmt: skip
        if r.returncode != 0:
            msg = f"{self.name} {' '.join(args[:3])}... failed: {r.stderr.strip()}"
            if check:
                raise SystemExit(msg)
            print(f"warning: {msg}", file=sys.stderr)  # cleanup: may have left something
        return r.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def transfer(port: int, size: int) -> float | None:
    """Seconds to push size bytes into the container and hear that it read them all; None
    when the connection broke (nothing listening yet behind the helper)."""
    buf = bytes(CHUNK)
    start = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=120) as c:
            left = size
            while left > 0:
                n = min(left, CHUNK)
                c.sendall(buf[:n] if n < CHUNK else buf)
                left -= n
            c.shutdown(socket.SHUT_WR)
            reply = c.recv(16)
    except OSError:
        return None
    elapsed = time.perf_counter() - start
    return elapsed if reply.startswith(b"done") else None


def _wait_ready(port: int) -> None:
    for _ in range(150):
        if transfer(port, 1024) is not None:
            return
        time.sleep(0.2)
    raise SystemExit(f"nothing answers on 127.0.0.1:{port}")


def _read_argv(pid: str) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def _helpers(sandbox: str, ctr_pid: str) -> list[str]:
    """Command lines of the processes serving a container's network namespace: pasta or
    slirp4netns (named in their arguments), rootlessport (the parent of the rootlessport-child
    that shares the container's namespace)."""
    try:
        ns = os.stat(f"/proc/{ctr_pid}/ns/net").st_ino
    except OSError:
        return []
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        argv = _read_argv(pid)
        name = os.path.basename(argv[0]) if argv else ""
        if name in HELPERS and sandbox in argv:
            out.append(" ".join(argv))
        elif name == "rootlessport-child":
            try:
                if os.stat(f"/proc/{pid}/ns/net").st_ino != ns:
                    continue
                with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                    ppid = f.read().rsplit(")", 1)[1].split()[1]
            except OSError:
                continue
            out += [" ".join(_read_argv(ppid)), " ".join(argv)]
    return out


def _start(tool: Tool, net_args: Sequence[str]) -> tuple[str, int]:
    port = _free_port()
    name = f"tp{os.urandom(3).hex()}"
    tool("run", "-d", "--name", name, *net_args, "-p", f"{port}:{CTR_PORT}", IMAGE, *SINK)
    _wait_ready(port)
    return name, port


def _mbps(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def compare(label: str, pair: Sequence[tuple[Tool, Sequence[str]]], size: int, runs: int,
            verbose: bool) -> None:  # fmt: skip
    started = [(tool, *_start(tool, net_args)) for tool, net_args in pair]
    try:
        if verbose:
            for tool, name, _port in started:
                fmt = "{{.NetworkSettings.SandboxKey}} {{.State.Pid}}"
                sandbox, pid = tool("inspect", "--format", fmt, name).split()
                for line in _helpers(sandbox, pid):
                    print(f"  {tool.name}: {line}")
        times: dict[str, list[float]] = {tool.name: [] for tool, _, _ in started}
        for i in range(runs + 1):  # the first round warms up; who goes first alternates
            for tool, _name, port in started if i % 2 else started[::-1]:
                t = None
                for _ in range(3):
                    t = transfer(port, size)
                    if t is not None:
                        break
                if t is None:
                    raise SystemExit(f"{tool.name}: the transfer through port {port} failed")
                if i:
                    times[tool.name].append(t)
        a, b = (statistics.median(times[tool.name]) for tool, _, _ in started)
        report(label, _mbps(size, a), _mbps(size, b))
    finally:
        for tool, name, _port in started:
            tool("rm", "-f", "-t", "0", name, check=False)


def report(label: str, pypod_mbps: float, podman_mbps: float) -> None:
    ratio = pypod_mbps / podman_mbps if podman_mbps else float("inf")
    verdict = "ok" if ratio >= 1.0 else "MISSED"
    print(f"{label:<48} pypod {pypod_mbps:6.0f} MB/s  podman {podman_mbps:6.0f} MB/s  "
          f"ratio {ratio:5.2f} (target >= 1.0) {verdict}", flush=True)  # fmt: skip


def _store(binary: str, base: str) -> list[str]:
    argv = [binary, "--root", base, "--runroot", f"{base}-run"]
    return argv if binary == PYPOD else [*argv, "--storage-driver", "overlay"]


def _root(tmp: str, podman: str, conf: str, size: int, runs: int, verbose: bool) -> None:
    env = {**os.environ, "CONTAINERS_CONF": conf}
    pp = Tool(name="pypod", cmd=_store(PYPOD, f"{tmp}/root/pypod"), wrap=list, env=env)
    pm = Tool(name="podman", cmd=_store(podman, f"{tmp}/root/podman"), wrap=list, env=env)
    nets = []
    try:
        for tool in (pp, pm):
            tool("import", "-q", f"{tmp}/busybox.tar", IMAGE)
            net = f"tp{os.urandom(3).hex()}"
            # podman 4.3 has no --interface-name: it picks a free podmanN itself
            bridge = ["--interface-name", bridge_name()] if tool is pp else []
            tool("network", "create", "--subnet", free_subnet(), *bridge, net)
            nets.append((tool, net))
        pair = [(tool, ["--network", net]) for tool, net in nets]
        compare("root: bridge (netavark DNAT)", pair, size, runs, verbose)
    finally:
        for tool, net in nets:
            tool("rm", "-a", "-f", "-t", "0", check=False)
            tool("network", "rm", "-f", net, check=False)


def _rootless(tmp: str, podman: str, conf: str, size: int, runs: int, verbose: bool) -> None:
    user = os.path.join(tmp, "user")
    os.makedirs(user)
    pw = pwd.getpwnam(USER)
    os.chown(user, pw.pw_uid, pw.pw_gid)
    inner = {"CONTAINERS_CONF": conf}

    def wrap(argv: list[str]) -> list[str]:
        return _as_user(argv, inner)

    env = dict(os.environ)  # runuser needs our PATH; the wrapper hands `inner` on
    pp = Tool(name="pypod", cmd=_store(PYPOD, f"{user}/pypod"), wrap=wrap, env=env)
    pm = Tool(name="podman", cmd=_store(podman, f"{user}/podman"), wrap=wrap, env=env)
    try:
        for tool in (pp, pm):
            tool("import", "-q", f"{tmp}/busybox.tar", IMAGE)
        compare("rootless: defaults (pasta | slirp4netns)", [(pp, []), (pm, [])], size, runs,
                verbose)  # fmt: skip
        slirp = ["--network", "slirp4netns"]
        compare("rootless: --network slirp4netns", [(pp, slirp), (pm, slirp)], size, runs,
                verbose)  # fmt: skip
        own = ["--network", "slirp4netns:port_handler=slirp4netns"]
        compare("rootless: slirp4netns:port_handler=slirp4netns", [(pp, own), (pm, own)], size,
                runs, verbose)  # fmt: skip
    finally:
        for tool in (pp, pm):
            tool("rm", "-a", "-f", "-t", "0", check=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=1024, help="MiB per transfer (default 1024)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-root", action="store_true")
    ap.add_argument("--no-rootless", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="print the helpers' command lines")
    opts = ap.parse_args()
    podman = need_podman()
    size = opts.mb << 20
    tmp = tempfile.mkdtemp(dir="/var/tmp", prefix="pypod-bench-tp-")
    try:
        _tarball, conf = shared_inputs(tmp)  # the rows import {tmp}/busybox.tar
        root_conf = os.path.join(tmp, "containers-root.conf")
        shutil.copyfile(conf, root_conf)
        with open(root_conf, "a", encoding="utf-8") as f:  # not /etc/containers/networks
            f.write(f'[network]\nnetwork_config_dir = "{tmp}/podman-networks"\n')
        print(f"{opts.mb} MiB per transfer, median of {opts.runs} (after one warm-up)")
        if not opts.no_root:
            _root(tmp, podman, root_conf, size, opts.runs, opts.verbose)
        if not opts.no_rootless:
            _rootless(tmp, podman, conf, size, opts.runs, opts.verbose)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
