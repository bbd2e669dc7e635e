"""netavark: set up and tear down a container's network namespace.

    netavark --config DIR --rootless=false --aardvark-binary PATH setup NETNS_PATH < options

The options are libpod's NetworkOptions JSON (container_id, container_name, port_mappings,
networks {name: PerNetworkOptions}, network_info {name: Network}, dns_servers); setup prints
one StatusBlock per network: {"interfaces": {"eth0": {"mac_address", "subnets": [{"ipnet",
"gateway"}]}}, "dns_server_ips", "dns_search_domains"}. netavark assigns no addresses: every
PerNetworkOptions carries static_ips (ipam.py picks them). DIR is where netavark keeps
aardvark-dns's configuration (DIR/aardvark-dns) and its lock; netavark starts aardvark-dns
on the first network with DNS and stops it when the last container leaves.

Debian's aardvark-dns writes "failed to connect to syslog" to the stderr it inherits from
netavark; pypod captures that stderr and only shows it inside a CommandFailed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pypod.errors import CommandFailed, PypodError
from pypod.host import processes
from pypod.log import get_logger
from pypod.network.config import Network
from pypod.network.ports import PortMapping
from pypod.records import field, record

if TYPE_CHECKING:
    from pypod.network.rootless_netns import RootlessNetns

log = get_logger(__name__)

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HOST_LOCK = (
    "/run/lock/pypod-netavark.lock" if os.path.isdir("/run/lock") else "/run/pypod-netavark.lock"
)


@record
class PerNetwork:
    """A container's options on one network (libpod's PerNetworkOptions)."""

    interface_name: str = "eth0"
    static_ips: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    static_mac: str = ""

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"interface_name": self.interface_name}
        if self.static_ips:
            doc["static_ips"] = list(self.static_ips)
        if self.aliases:
            doc["aliases"] = list(self.aliases)
        if self.static_mac:
            doc["static_mac"] = self.static_mac
        return doc


@record
class InterfaceStatus:
    name: str
    mac_address: str = ""
    addresses: tuple[str, ...] = ()  # CIDR ("10.89.0.2/24")
    gateways: tuple[str, ...] = ()


@record
class NetworkStatus:
    """What netavark reports for one network after setup (its StatusBlock)."""

    network: str
    interfaces: tuple[InterfaceStatus, ...] = ()
    dns_server_ips: tuple[str, ...] = ()
    dns_search_domains: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ips(self) -> list[str]:
        """The container's addresses on this network, without prefix length."""
        return [a.split("/", 1)[0] for i in self.interfaces for a in i.addresses]


def parse_status(doc: Mapping[str, Any]) -> dict[str, NetworkStatus]:
    out: dict[str, NetworkStatus] = {}
    for name, block in doc.items():
        ifaces = []
        for ifname, iface in sorted((block.get("interfaces") or {}).items()):
            subnets = iface.get("subnets") or []
            ifaces.append(
                InterfaceStatus(
                    name=ifname,
                    mac_address=str(iface.get("mac_address") or ""),
                    addresses=tuple(str(s.get("ipnet", "")) for s in subnets),
                    gateways=tuple(str(s.get("gateway") or "") for s in subnets),
                )
            )
        out[name] = NetworkStatus(
            network=name,
            interfaces=tuple(ifaces),
            dns_server_ips=tuple(block.get("dns_server_ips") or ()),
            dns_search_domains=tuple(block.get("dns_search_domains") or ()),
            raw=dict(block),
        )
    return out


def build_options(
    *,
    container_id: str,
    container_name: str,
    networks: Mapping[str, PerNetwork],
    network_info: Mapping[str, Network],
    ports: Sequence[PortMapping] = (),
    dns_servers: Sequence[str] = (),
) -> dict[str, Any]:
    """libpod's NetworkOptions document for netavark's stdin."""
    doc: dict[str, Any] = {
        "container_id": container_id,
        "container_name": container_name,
        "networks": {name: opts.to_json() for name, opts in networks.items()},
        "network_info": {name: network_info[name].to_json() for name in networks},
    }
    if ports:
        doc["port_mappings"] = [p.to_json() for p in ports]
    if dns_servers:
        doc["dns_servers"] = list(dns_servers)
    return doc


class Netavark:
    """The netavark binary with pypod's config directory (run_root/networks). Rootless it runs
    inside the rootless network namespace (rootless_netns.py), which the caller has ensured."""

    def __init__(
        self, config_dir: str, *, rootless: bool = False, netns: RootlessNetns | None = None
    ) -> None:
        self.config_dir = config_dir
        self.rootless = rootless
        self.netns = netns

    def _argv(self, *cmd: str) -> list[str]:
        argv = [
            processes.require_binary("netavark"),
            "--config",
            self.config_dir,
            "--rootless",
            "true" if self.rootless else "false",
        ]
        aardvark = processes.find_binary("aardvark-dns")
        if aardvark:  # netavark's built-in default is /usr/libexec/podman, not Debian's path
            argv += ["--aardvark-binary", aardvark]
        return argv + list(cmd)

    def _env(self) -> dict[str, str]:
        # netavark finds iptables/ip6tables on PATH; keep the caller's shell settings out
        env = {"PATH": SYSTEM_PATH}
        for key in ("NETAVARK_FW", "XDG_RUNTIME_DIR"):
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def _run(self, cmd: list[str], options: dict[str, Any] | None) -> str:
        os.makedirs(self.config_dir, mode=0o700, exist_ok=True)
        data = json.dumps(options).encode() if options is not None else b""
        argv = self._argv(*cmd)
        env, preexec = self._env(), None
        if self.netns is not None:
            env.update(self.netns.env())
            preexec = self.netns.preexec()
        with self._host_lock():
            try:
                proc = processes.run(
                    argv, env=env, input=data, timeout=60, check=False, preexec_fn=preexec
                )
            except subprocess.SubprocessError as exc:  # preexec_fn failed in the child
                raise PypodError(f"cannot enter the rootless network namespace: {exc}") from exc
        if proc.returncode != 0:
            # netavark reports errors as {"error": "..."} on stdout or as text on stderr
            raw = proc.stderr.decode(errors="replace") + "\n" + proc.stdout.decode(errors="replace")
            raise CommandFailed(argv, proc.returncode, _error_text(raw.strip())[-2000:])
        noise = _error_text(proc.stderr.decode(errors="replace"))
        if noise:
            log.debug("netavark %s stderr: %s", cmd[0], noise)
        return proc.stdout.decode(errors="replace")

    @contextlib.contextmanager
    def _host_lock(self) -> Iterator[None]:
        """netavark locks its --config dir only, but bridges and firewall chains are the
        host's: two stores (two config dirs) setting up and tearing down the same bridge at once
        race on its iptables chains ("No chain/target/match"). As root, one host-wide lock."""
        if self.rootless:
            yield
            return
        fd = os.open(HOST_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def setup(self, netns_path: str, options: dict[str, Any]) -> dict[str, NetworkStatus]:
        out = self._run(["setup", netns_path], options)
        try:
            doc = json.loads(out)
        except ValueError as exc:
            raise PypodError(f"netavark setup printed no JSON: {out[:200]!r}") from exc
        return parse_status(doc)

    def teardown(self, netns_path: str, options: dict[str, Any]) -> None:
        self._run(["teardown", netns_path], options)

    def update_dns(self, network_name: str, servers: Sequence[str]) -> None:
        """Tell a running aardvark-dns the network's new upstream servers."""
        self._run(
            ["update", network_name, "--network-dns-servers", ",".join(servers)],
            None,
        )


def _error_text(stderr: str) -> str:
    """netavark's stderr without aardvark-dns's syslog complaint; a JSON error's text."""
    lines = [
        ln for ln in stderr.splitlines() if ln.strip() and "failed to connect to syslog" not in ln
    ]
    text = "\n".join(lines)
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    if isinstance(doc, dict) and "error" in doc:
        return str(doc["error"])
    return text
