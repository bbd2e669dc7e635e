"""User-mode networking for a container's network namespace: pasta or slirp4netns.

Neither needs privilege: the helper opens a tap device inside the namespace (see netns.py),
configures it, and relays the container's traffic through ordinary sockets of the host — so it
works for an unprivileged user, inside pypod's user namespace. Port forwarding is a listening
socket on the host that the helper relays into the namespace.

Usage by the engine, around the runtime's create/start:

    opts = parse_mode("pasta:--map-gw")              # from --network, or default_options(...)
    path = netns.create(run_root)                    # its path goes into config.json
    net = start(opts, netns_path=path, run_dir=ctr_run_dir, ports=mappings)
    ... persist net.to_dict() with the container's state ...
    stop(RootlessNet.from_dict(saved))               # kills the helper, removes the netns

pasta (passt package) is started like Podman 4.4+ starts it: `--config-net` copies the host's
addresses and routes into the namespace, `-t/-u` forward the published ports, `-t none -u none
-T none -U none` unless the user asked for forwarding, `--no-map-gw` unless `--map-gw` (not a
real pasta option: it drops --no-map-gw so the gateway address reaches the host's loopback).
pasta forks into the background once the namespace is configured, writes its pid file and
quits by itself when the namespace file is deleted; stop() still kills it, by pid.

slirp4netns is started like Podman 4.3 starts it: `--configure --mtu=65520
--disable-host-loopback --enable-sandbox --enable-seccomp --netns-type=path PATH tap0`, a ready
pipe (-r) to wait on, its output in a log file (it outlives pypod, so no pipe would do), and
published ports added through its API socket (`add_hostfwd`). Podman's default port handler,
rootlessport, is Podman's own binary; pypod serves port_handler=rootlesskit through the API
socket too (the container then sees the client's real address, as with port_handler=slirp4netns).

Both print noise on stderr (pasta: "Failed to send N bytes to syslog" on hosts without
/dev/log): it is captured and filtered, never shown.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import select
import signal
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pypod.errors import CommandFailed, InvalidArgument, PypodError
from pypod.host import processes, userns
from pypod.log import get_logger
from pypod.network import netns
from pypod.network import ports as portspec
from pypod.network.ports import PortMapping
from pypod.records import asdict, record

log = get_logger(__name__)

PASTA = "pasta"
SLIRP4NETNS = "slirp4netns"
MODES = (PASTA, SLIRP4NETNS)
SLIRP_MTU = 65520
SLIRP_CIDR = "10.0.2.0/24"
SLIRP_TAP = "tap0"
_READY_TIMEOUT = 30.0


@record
class RootlessOptions:
    """What `--network pasta[:OPTS]` / `slirp4netns[:OPTS]` asked for."""

    mode: str
    pasta_args: tuple[str, ...] = ()  # extra pasta arguments, in the user's order
    map_gw: bool = False  # pasta: let the gateway address reach the host's loopback
    allow_host_loopback: bool = False  # slirp4netns: 10.0.2.2 reaches the host's loopback
    port_handler: str = "rootlesskit"
    mtu: int = SLIRP_MTU
    cidr: str = ""
    enable_ipv6: bool = True
    outbound_addr: str = ""
    outbound_addr6: str = ""
    binary: str = ""  # containers.conf network_cmd_path ("" = search for it)


@record
class RootlessNet:
    """A running helper; persist it with to_dict() to stop it from another process."""

    mode: str
    pid: int
    netns_path: str
    run_dir: str
    interface: str  # inside the namespace
    address: str  # the container's IPv4 address ("" when pasta copies the host's)
    gateway: str
    dns_servers: tuple[str, ...]  # for resolv.conf; () = keep the host's servers
    host_gateway: str  # reaches the host's loopback (host.containers.internal), or ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["dns_servers"] = list(self.dns_servers)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RootlessNet:
        fields = dict(data)
        fields["dns_servers"] = tuple(fields.get("dns_servers", ()))
        return cls(**fields)


# --- choosing and parsing ----


def default_mode(configured: str) -> str:
    """containers.conf default_rootless_network_cmd, falling back to the other helper when the
    configured one is not installed (pasta is the default; slirp4netns when pasta is missing)."""
    mode = configured if configured in MODES else PASTA
    if processes.find_binary(mode) is None:
        other = SLIRP4NETNS if mode == PASTA else PASTA
        if processes.find_binary(other) is not None:
            log.debug("%s is not installed, using %s", mode, other)
            return other
    return mode


def parse_mode(
    value: str, *, default_options: Sequence[str] = (), binary: str = ""
) -> RootlessOptions | None:
    """Parse a --network value; None when it names neither pasta nor slirp4netns.
    default_options (containers.conf network_cmd_options) apply to slirp4netns before the
    command line's."""
    mode, _, rest = value.partition(":")
    if mode not in MODES:
        return None
    opts = [o for o in rest.split(",") if o] if rest else []
    if mode == PASTA:
        return _parse_pasta(opts)
    return _parse_slirp([*default_options, *opts], binary)


def _parse_pasta(opts: list[str]) -> RootlessOptions:
    map_gw = "--map-gw" in opts
    args = tuple(o for o in opts if o not in ("--map-gw", "--no-map-gw"))
    if "--no-map-gw" in opts:
        map_gw = False
    for reserved in ("--netns", "--config-net", "-f", "--foreground", "-P", "--pid"):
        if reserved in args:
            raise InvalidArgument(f"pasta option {reserved} is set by pypod and cannot be given")
    return RootlessOptions(mode=PASTA, pasta_args=args, map_gw=map_gw)


def _bool_opt(key: str, value: str) -> bool:
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise InvalidArgument(f'cannot parse {key} value "{value}" for slirp4netns: not a boolean')


def _parse_slirp(opts: list[str], binary: str) -> RootlessOptions:
    fields: dict[str, Any] = {"mode": SLIRP4NETNS, "binary": binary}
    for opt in opts:
        key, sep, value = opt.partition("=")
        if not sep:
            raise InvalidArgument(f"invalid slirp4netns option {opt!r}: expected key=value")
        if key in ("allow_host_loopback", "enable_ipv6"):
            fields[key] = _bool_opt(key, value)
        elif key == "mtu":
            try:
                fields["mtu"] = int(value)
            except ValueError as exc:
                raise InvalidArgument(f'invalid slirp4netns mtu "{value}"') from exc
        elif key == "cidr":
            try:
                fields["cidr"] = str(ipaddress.IPv4Network(value, strict=False))
            except ValueError as exc:
                raise InvalidArgument(f'invalid cidr "{value}" for slirp4netns') from exc
        elif key == "port_handler":
            if value not in ("rootlesskit", "slirp4netns"):
                raise InvalidArgument(f'unknown port_handler for slirp4netns: "{value}"')
            fields[key] = value
        elif key in ("outbound_addr", "outbound_addr6"):
            fields[key] = _outbound(value, v6=key.endswith("6"))
        else:
            raise InvalidArgument(f'unknown option for slirp4netns: "{opt}"')
    return RootlessOptions(**fields)


def _outbound(value: str, *, v6: bool) -> str:
    """An address stays as it is; an interface name becomes its first address of the family."""
    with contextlib.suppress(ValueError):
        ip = ipaddress.ip_address(value)
        if ip.version != (6 if v6 else 4):
            raise InvalidArgument(f"outbound address {value} is not an IPv{6 if v6 else 4}")
        return value
    addr = _interface_address(value, v6=v6)
    if not addr:
        raise InvalidArgument(f'"{value}" is not a valid IP address or network interface')
    return addr


def _interface_address(name: str, *, v6: bool) -> str:
    if v6:
        with contextlib.suppress(OSError), open("/proc/net/if_inet6", encoding="ascii") as f:
            for line in f:
                hexaddr, _, _, scope, _, dev = line.split()
                if dev == name and scope == "00":  # global scope
                    return str(ipaddress.IPv6Address(bytes.fromhex(hexaddr)))
        return ""
    import fcntl
    import struct

    siocgifaddr = 0x8915
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            req = struct.pack("256s", name.encode()[:15])
            res = fcntl.ioctl(s.fileno(), siocgifaddr, req)
        except OSError:
            return ""
    return socket.inet_ntoa(res[20:24])


# --- ports ----


def _expand(ports: Sequence[PortMapping]) -> Iterator[tuple[str, str, int, int]]:
    """(protocol, host_ip, host_port, container_port) for every single port."""
    for pm in ports:
        for proto in pm.protocol.split(","):
            if proto not in ("tcp", "udp"):
                raise InvalidArgument(f"protocol {proto} cannot be forwarded by pasta/slirp4netns")
            for i in range(max(pm.range, 1)):
                yield proto, pm.host_ip, pm.host_port + i, pm.container_port + i


def _pasta_port_args(ports: Sequence[PortMapping]) -> list[str]:
    args = []
    for pm in ports:
        first, count = pm.container_port, max(pm.range, 1)
        host = f"{pm.host_port}" if count == 1 else f"{pm.host_port}-{pm.host_port + count - 1}"
        ctr = f"{first}" if count == 1 else f"{first}-{first + count - 1}"
        spec = f"{pm.host_ip}/{host}:{ctr}" if pm.host_ip else f"{host}:{ctr}"
        for proto in pm.protocol.split(","):
            args += ["-t" if proto == "tcp" else "-u", spec]
    return args


# --- pasta ----


def _default_route() -> tuple[str, str]:
    """(interface, IPv4 gateway) of the host's default route, or ("", "")."""
    with contextlib.suppress(OSError, ValueError), open("/proc/net/route", encoding="ascii") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] == "00000000" and int(fields[3], 16) & 0x2:  # RTF_GATEWAY
                gw = socket.inet_ntoa(int(fields[2], 16).to_bytes(4, "little"))
                return fields[0], gw
    return "", ""


def _pasta_argv(
    opts: RootlessOptions, netns_path: str, pid_file: str, ports: Sequence[PortMapping]
) -> list[str]:
    argv = [opts.binary or processes.require_binary(PASTA), "--config-net"]
    argv += _pasta_port_args(ports)
    argv += opts.pasta_args
    present = set(argv)
    for short, long in (("-t", "--tcp-ports"), ("-u", "--udp-ports")):
        if short not in present and long not in present:
            argv += [short, "none"]
    for short, long in (("-T", "--tcp-ns"), ("-U", "--udp-ns")):
        if short not in present and long not in present:
            argv += [short, "none"]
    if not opts.map_gw:
        argv.append("--no-map-gw")
    if not userns.is_rootless():
        # Real root: pasta would switch to nobody, who cannot enter the namespace (this
        # pasta opens it after dropping privileges); it keeps only the capabilities it needs.
        argv += ["--runas", "0:0"]
    return [*argv, "--quiet", "--pid", pid_file, "--netns", netns_path]


def _quiet_stderr(raw: bytes) -> str:
    lines = raw.decode(errors="replace").splitlines()
    keep = [ln for ln in lines if "to syslog" not in ln and not ln.startswith("Don't run as root")]
    return "\n".join(keep)


def _start_pasta(
    opts: RootlessOptions, netns_path: str, run_dir: str, ports: Sequence[PortMapping]
) -> RootlessNet:
    pid_file = os.path.join(run_dir, "pasta.pid")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(pid_file)
    argv = _pasta_argv(opts, netns_path, pid_file, ports)
    proc = processes.run(argv, env=_helper_env(), timeout=_READY_TIMEOUT, check=False)
    if proc.returncode != 0:
        raise CommandFailed(argv, proc.returncode, _quiet_stderr(proc.stderr))
    try:
        with open(pid_file, encoding="ascii") as f:
            pid = int(f.read().strip())
    except (OSError, ValueError) as exc:
        raise PypodError(f"pasta started but wrote no pid file {pid_file}: {exc}") from exc
    iface, gateway = _default_route()
    if "-I" in opts.pasta_args or "--ns-ifname" in opts.pasta_args:
        iface = ""  # the user named it; we do not second-guess pasta's parsing
    return RootlessNet(
        mode=PASTA,
        pid=pid,
        netns_path=netns_path,
        run_dir=run_dir,
        interface=iface,
        address="",
        gateway=gateway,
        dns_servers=(),
        host_gateway=gateway if opts.map_gw else "",
    )


# --- slirp4netns ----


def _slirp_addresses(cidr: str) -> tuple[str, str, str]:
    """(container address, gateway/host, DNS) of a slirp4netns network: .100, .2 and .3."""
    net = ipaddress.IPv4Network(cidr or SLIRP_CIDR, strict=False)
    base = net.network_address
    return str(base + 100), str(base + 2), str(base + 3)


def _slirp_argv(opts: RootlessOptions, netns_path: str, ready_fd: int, api: str) -> list[str]:
    argv = [opts.binary or processes.require_binary(SLIRP4NETNS), "--configure"]
    argv.append(f"--mtu={opts.mtu}")
    if not opts.allow_host_loopback:
        argv.append("--disable-host-loopback")
    if opts.cidr:
        argv.append(f"--cidr={opts.cidr}")
    if opts.enable_ipv6:
        argv.append("--enable-ipv6")
    if opts.outbound_addr:
        argv.append(f"--outbound-addr={opts.outbound_addr}")
    if opts.outbound_addr6:
        argv.append(f"--outbound-addr6={opts.outbound_addr6}")
    argv += ["--enable-sandbox", "--enable-seccomp", "-r", str(ready_fd)]
    if api:
        argv += ["--api-socket", api]
    return [*argv, "--netns-type=path", netns_path, SLIRP_TAP]


def _start_slirp(
    opts: RootlessOptions,
    netns_path: str,
    run_dir: str,
    ports: Sequence[PortMapping],
    api_socket: bool = False,
) -> RootlessNet:
    api = os.path.join(run_dir, "slirp4netns.sock") if ports or api_socket else ""
    log_path = os.path.join(run_dir, "slirp4netns.log")
    if api:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(api)
    ready_r, ready_w = os.pipe()
    try:
        argv = _slirp_argv(opts, netns_path, ready_w, api)
        proc = processes.spawn(
            argv, env=_helper_env(), pass_fds=(ready_w,), log_path=log_path, new_session=True
        )
        os.close(ready_w)
        ready_w = -1
        _wait_ready(ready_r, proc.pid, argv, log_path)
    finally:
        os.close(ready_r)
        if ready_w >= 0:
            os.close(ready_w)
    address, gateway, dns = _slirp_addresses(opts.cidr)
    net = RootlessNet(
        mode=SLIRP4NETNS,
        pid=proc.pid,
        netns_path=netns_path,
        run_dir=run_dir,
        interface=SLIRP_TAP,
        address=address,
        gateway=gateway,
        dns_servers=(dns,),
        host_gateway=gateway if opts.allow_host_loopback else "",
    )
    try:
        for proto, host_ip, host_port, ctr_port in _expand(ports):
            add_forward(api, proto, host_ip, host_port, ctr_port)
    except BaseException:
        _kill(net)
        raise
    return net


def _wait_ready(fd: int, pid: int, argv: list[str], log_path: str) -> None:
    ready, _, _ = select.select([fd], [], [], _READY_TIMEOUT)
    data = os.read(fd, 16) if ready else b""
    if data.startswith(b"1"):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    tail = ""
    with contextlib.suppress(OSError), open(log_path, encoding="utf-8", errors="replace") as f:
        tail = f.read()[-2000:]
    status = -1 if not ready else 1
    raise CommandFailed(argv, status, tail or "slirp4netns did not become ready")


def add_forward(
    api: str, proto: str, host_ip: str, host_port: int, guest_port: int, guest_addr: str = ""
) -> None:
    """Ask a running slirp4netns (its API socket) to forward a host port into its namespace."""
    args: dict[str, Any] = {
        "proto": proto,
        "host_addr": host_ip or "0.0.0.0",
        "host_port": host_port,
        "guest_port": guest_port,
    }
    if guest_addr:
        args["guest_addr"] = guest_addr
    answer = _api_call(api, {"execute": "add_hostfwd", "arguments": args})
    if "error" in answer:
        desc = answer["error"].get("desc", answer["error"])
        raise PypodError(f"failed to expose ports via slirp4netns: {desc}")


def remove_forwards(api: str, wanted: set[tuple[str, str, int]]) -> None:
    """Remove the forwards matching (proto, host_ip or "0.0.0.0", host_port)."""
    listed = _api_call(api, {"execute": "list_hostfwd"})
    for entry in (listed.get("return") or {}).get("entries") or ():
        key = (entry.get("proto"), entry.get("host_addr"), entry.get("host_port"))
        if key in wanted:
            answer = _api_call(
                api, {"execute": "remove_hostfwd", "arguments": {"id": entry.get("id")}}
            )
            if "error" in answer:
                log.warning("slirp4netns remove_hostfwd %s: %s", key, answer["error"])


def _api_call(api: str, request: Mapping[str, Any]) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(api)
        s.sendall(json.dumps(request).encode())
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
    try:
        answer = json.loads(reply)
    except ValueError as exc:
        raise PypodError(f"slirp4netns answered {reply[:200]!r} to {request['execute']}") from exc
    return answer if isinstance(answer, dict) else {}


# --- start and stop ----


def _helper_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH") or "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}


def start(
    opts: RootlessOptions,
    *,
    netns_path: str,
    run_dir: str,
    ports: Sequence[PortMapping] = (),
    api_socket: bool = False,
) -> RootlessNet:
    """Connect the namespace at netns_path and forward ports; returns once traffic flows.
    run_dir (the container's run directory) holds the helper's pid file, socket and log.
    api_socket: slirp4netns listens on run_dir/slirp4netns.sock even without ports (the
    rootless network namespace adds forwards later, see rootless_netns.py)."""
    if opts.mode not in MODES:
        raise InvalidArgument(f"unknown rootless network mode {opts.mode!r}")
    if not netns.is_netns(netns_path):
        raise PypodError(f"{netns_path} is not a network namespace")
    os.makedirs(run_dir, mode=0o700, exist_ok=True)
    list(_expand(ports))  # raises for a protocol the helpers cannot forward (sctp)
    portspec.check_unprivileged(ports, userns.is_rootless())
    portspec.check_free(ports)
    if opts.mode == PASTA:
        net = _start_pasta(opts, netns_path, run_dir, ports)
    else:
        net = _start_slirp(opts, netns_path, run_dir, ports, api_socket)
    log.debug("%s (pid %d) serves %s", net.mode, net.pid, netns_path)
    return net


def stop(net: RootlessNet, *, remove_netns: bool = True) -> None:
    """Kill the helper, remove its files and (by default) the namespace. Safe to repeat."""
    _kill(net)
    for name in ("pasta.pid", "slirp4netns.sock", "slirp4netns.log"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(net.run_dir, name))
    if remove_netns:
        netns.remove(net.netns_path)


def is_running(net: RootlessNet) -> bool:
    return _is_ours(net)


def _state(pid: int) -> bytes:
    """The one-letter state of a process, b"" when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return b""


def _alive(pid: int) -> bool:
    return _state(pid) not in (b"", b"Z", b"X")


def _is_ours(net: RootlessNet) -> bool:
    """The pid is still this helper for this namespace (pids get reused)."""
    try:
        with open(f"/proc/{net.pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    if not _alive(net.pid):
        return False
    return os.path.basename(argv[0]).decode(errors="replace") == net.mode and (
        os.fsencode(net.netns_path) in argv
    )


def _kill(net: RootlessNet) -> None:
    """SIGTERM, then SIGKILL after 5 s; gives up (with a warning) after 10 s. Identity is
    checked once: an exiting process loses its command line before it is gone."""
    if not _is_ours(net):
        return
    start = time.monotonic()
    sig = signal.SIGTERM
    while _alive(net.pid):
        elapsed = time.monotonic() - start
        if elapsed > 10:
            log.warning("%s (pid %d) does not exit", net.mode, net.pid)
            return
        if elapsed > 5:
            sig = signal.SIGKILL
        with contextlib.suppress(ProcessLookupError):
            os.kill(net.pid, sig)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(net.pid, os.WNOHANG)  # our own child (slirp4netns): reap it
        time.sleep(0.005)
