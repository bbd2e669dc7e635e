"""The rootless network namespace: where netavark and aardvark-dns run for an unprivileged user.

An unprivileged user cannot make bridges, veths or firewall rules in the host's network
namespace. As Podman 4 does, pypod makes one more network namespace per store
(`<run_root>/netns/rootless-netns`, owned by pypod's user namespace), connects it to the outside
world with slirp4netns (pasta when slirp4netns is not installed) and runs netavark inside it, so
bridges, veths, iptables rules and aardvark-dns live there; each container's own namespace gets
a veth into a bridge of the rootless one.

    rn = RootlessNetns(run_root)
    with rn.locked():                   # held around every setup, teardown, connect
        rn.ensure(opts)                 # create it and start its helper, once
        ... netavark setup, run with preexec_fn=rn.preexec() and env rn.env() ...
        rn.forward(ports)               # host port -> slirp4netns -> netavark's DNAT
    with rn.locked():
        rn.unforward(ports)
        ... netavark teardown ...
        if nothing uses it any more: rn.remove()

Published ports: slirp4netns listens on the host port (`add_hostfwd` on its API socket) and
delivers to the namespace's own address, same port, where netavark's DNAT rules send the
traffic to the container. No process per container; the one slirp4netns per store is the
long-lived helper, as Podman 4.3's. pasta (Debian 12's passt) cannot add forwards while it
runs, so on a pasta-connected namespace `-p` is refused with a clear error.

netavark runs in a private mount namespace as well (preexec()): there /etc/resolv.conf names
slirp4netns's DNS proxy first, so aardvark-dns resolves outside names through slirp4netns even
when the host's resolver listens on 127.0.0.x; and XTABLES_LOCKFILE moves iptables-legacy's
lock (/run/xtables.lock, not the user's to write) into the state directory.

Files: `<run_root>/rootless-netns/` (state.json: the helper and the forwards it holds; the
helper's socket and log; resolv.conf; xtables.lock) and `<run_root>/rootless-netns.lock`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pypod.errors import InvalidArgument, PypodError
from pypod.host import mounts
from pypod.log import get_logger
from pypod.network import netns, rootless
from pypod.network.ports import PortMapping
from pypod.network.rootless import RootlessNet, RootlessOptions

log = get_logger(__name__)

NAME = "rootless-netns"
STATE = "state.json"
PASTA_NO_PORTS = (
    "publishing ports on a rootless user-defined network needs slirp4netns: pasta cannot "
    "add port forwards while it runs (install slirp4netns)"
)


def helper_options(cmd_options: Sequence[str] = (), binary: str = "") -> RootlessOptions:
    """slirp4netns with containers.conf network_cmd_options (as Podman 4.3, whose rootless
    namespace always uses slirp4netns); pasta when slirp4netns is missing."""
    mode = rootless.default_mode(rootless.SLIRP4NETNS)
    opts = rootless.parse_mode(mode, default_options=cmd_options, binary=binary)
    assert opts is not None
    return opts


class RootlessNetns:
    def __init__(self, run_root: str) -> None:
        self.run_root = run_root
        self.dir = os.path.join(run_root, NAME)
        self.path = os.path.join(netns.netns_dir(run_root), NAME)
        self._lock_path = os.path.join(run_root, NAME + ".lock")

    # --- state ----
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        os.makedirs(self.run_root, mode=0o700, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read(self) -> dict[str, Any]:
        try:
            with open(os.path.join(self.dir, STATE), encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError):
            return {}
        return doc if isinstance(doc, dict) else {}

    def _write(self, doc: dict[str, Any]) -> None:
        path = os.path.join(self.dir, STATE)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(doc, f)
        os.replace(path + ".tmp", path)

    def helper(self) -> RootlessNet | None:
        """The running helper, or None (no namespace, or its helper died)."""
        raw = self._read().get("helper")
        if not raw or not netns.is_netns(self.path):
            return None
        try:
            net = RootlessNet.from_dict(raw)
        except TypeError:
            return None
        return net if rootless.is_running(net) else None

    # --- life cycle ----
    def ensure(self, opts: RootlessOptions) -> RootlessNet:
        """The namespace with a running helper: made now, or kept from an earlier command. A
        helper that died is replaced (its forwards are added again)."""
        running = self.helper()
        if running is not None:
            return running
        state = self._read()
        if state.get("helper"):
            with contextlib.suppress(PypodError, OSError, TypeError):
                rootless.stop(RootlessNet.from_dict(state["helper"]), remove_netns=False)
        if not netns.is_netns(self.path):
            netns.remove(self.path)  # a half-made file from a crash
            netns.create(self.run_root, NAME)
            log.debug("created the rootless network namespace %s", self.path)
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        try:
            net = rootless.start(opts, netns_path=self.path, run_dir=self.dir, api_socket=True)
        except BaseException:
            self.remove()
            raise
        self._write_resolv(net)
        forwards = list(state.get("forwards") or ())
        self._write({"helper": net.to_dict(), "forwards": forwards})
        for fwd in forwards:
            try:
                self._add(net, fwd)
            except (PypodError, OSError) as exc:
                log.warning("restoring forward of port %s: %s", fwd.get("host_port"), exc)
        return net

    def remove(self) -> None:
        """Stop the helper and delete the namespace and its files. Safe to repeat."""
        raw = self._read().get("helper")
        if raw:
            with contextlib.suppress(PypodError, OSError, TypeError):
                rootless.stop(RootlessNet.from_dict(raw), remove_netns=False)
        try:
            netns.remove(self.path)
        except PypodError as exc:
            log.warning("removing the rootless network namespace: %s", exc)
        shutil.rmtree(self.dir, ignore_errors=True)
        log.debug("removed the rootless network namespace %s", self.path)

    # --- running netavark inside ----
    def preexec(self) -> Callable[[], None]:
        """For processes.run(preexec_fn=...): the child enters a private mount namespace (with
        our resolv.conf) and the rootless network namespace before exec."""
        if not netns.is_netns(self.path):
            raise PypodError(f"the rootless network namespace {self.path} is not set up")
        resolv = os.path.join(self.dir, "resolv.conf")
        target = os.path.realpath("/etc/resolv.conf")
        bind = os.path.isfile(resolv) and os.path.isfile(target)
        path = self.path

        def enter() -> None:  # pragma: no cover - runs in the forked child
            mounts.unshare(mounts.CLONE_NEWNS)
            mounts.make_rslave("/")
            if bind:
                mounts.mount(resolv, target, None, mounts.MS_BIND)
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                mounts.setns(fd, mounts.CLONE_NEWNET)
            finally:
                os.close(fd)

        return enter

    def env(self) -> dict[str, str]:
        return {"XTABLES_LOCKFILE": os.path.join(self.dir, "xtables.lock")}

    def _write_resolv(self, net: RootlessNet) -> None:
        """The host's resolv.conf with the helper's DNS proxy first and loopback servers
        dropped (they are the host's, unreachable from the namespace)."""
        servers = list(net.dns_servers)
        others: list[str] = []
        with contextlib.suppress(OSError), open("/etc/resolv.conf", encoding="utf-8") as f:
            for line in f:
                fields = line.split()
                if not fields:
                    continue
                if fields[0] == "nameserver" and len(fields) > 1:
                    addr = fields[1]
                    if not addr.startswith("127.") and addr != "::1" and addr not in servers:
                        servers.append(addr)
                elif fields[0] in ("search", "options"):
                    others.append(line.strip())
        text = "".join(f"nameserver {s}\n" for s in servers) + "".join(o + "\n" for o in others)
        with open(os.path.join(self.dir, "resolv.conf"), "w", encoding="utf-8") as f:
            f.write(text)

    # --- published ports ----
    def forward(self, ports: Sequence[PortMapping]) -> None:
        """Forward the host ports of the mappings into the namespace (same port numbers);
        all or none."""
        if not ports:
            return
        net = self.helper()
        if net is None:
            raise PypodError("the rootless network namespace has no running helper")
        if net.mode != rootless.SLIRP4NETNS:
            raise InvalidArgument(PASTA_NO_PORTS)
        wanted = [
            {"proto": proto, "host_ip": host_ip or "0.0.0.0", "host_port": host_port}
            for proto, host_ip, host_port, _ in rootless._expand(ports)
        ]
        added: list[dict[str, Any]] = []
        try:
            for fwd in wanted:
                self._add(net, fwd)
                added.append(fwd)
        except BaseException:
            self._remove(net, added)
            raise
        state = self._read()
        state["forwards"] = [*(state.get("forwards") or ()), *added]
        self._write(state)

    def unforward(self, ports: Sequence[PortMapping]) -> None:
        """Remove the forwards of the mappings; errors are logged."""
        if not ports:
            return
        gone = [
            {"proto": proto, "host_ip": host_ip or "0.0.0.0", "host_port": host_port}
            for proto, host_ip, host_port, _ in rootless._expand(ports)
        ]
        state = self._read()
        if not state:
            return
        state["forwards"] = [f for f in state.get("forwards") or () if f not in gone]
        self._write(state)
        net = self.helper()
        if net is not None and net.mode == rootless.SLIRP4NETNS:
            try:
                self._remove(net, gone)
            except (PypodError, OSError) as exc:
                log.warning("removing port forwards: %s", exc)

    def _add(self, net: RootlessNet, fwd: dict[str, Any]) -> None:
        api = os.path.join(self.dir, "slirp4netns.sock")
        port = int(fwd["host_port"])
        rootless.add_forward(api, fwd["proto"], fwd["host_ip"], port, port, net.address)

    def _remove(self, net: RootlessNet, forwards: Sequence[dict[str, Any]]) -> None:
        if forwards:
            api = os.path.join(self.dir, "slirp4netns.sock")
            keys = {(f["proto"], f["host_ip"], int(f["host_port"])) for f in forwards}
            rootless.remove_forwards(api, keys)
