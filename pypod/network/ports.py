"""Published ports: parsing -p/--publish, random host ports, and the "already in use" check.

Spec forms, as Podman's: ``[[hostIP:][hostPort]:]containerPort[/protocol]`` where ports may be
ranges (``8000-8010``), hostIP may be bracketed IPv6 (``[::1]:8080:80``), the protocol is
tcp, udp or sctp (or several, comma-separated), and an empty host port means a random free one.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence

from pypod.errors import Conflict, InvalidArgument
from pypod.records import record, replace

PROTOCOLS = ("tcp", "udp", "sctp")


@record
class PortMapping:
    """netavark's PortMapping: host_port..host_port+range-1 -> container_port..+range-1."""

    container_port: int
    host_port: int = 0  # 0: pick a free one (assign_random)
    range: int = 1
    protocol: str = "tcp"
    host_ip: str = ""  # "" means every host address

    def to_json(self) -> dict[str, object]:
        return {
            "host_ip": self.host_ip,
            "container_port": self.container_port,
            "host_port": self.host_port,
            "range": self.range,
            "protocol": self.protocol,
        }


def _port_range(text: str, what: str) -> tuple[int, int]:
    """ "80" -> (80, 1); "80-82" -> (80, 3)."""
    lo, sep, hi = text.partition("-")
    try:
        start = int(lo)
        end = int(hi) if sep else start
    except ValueError as exc:
        raise InvalidArgument(f"invalid {what} port {text!r}") from exc
    if not 1 <= start <= 65535 or not 1 <= end <= 65535:
        raise InvalidArgument(f"{what} port {text} must be between 1 and 65535")
    if end < start:
        raise InvalidArgument(f"invalid {what} port range {text}: end before start")
    return start, end - start + 1


def _split_host_ip(spec: str) -> tuple[str, str]:
    """("host_ip", "rest") from "[::1]:8080:80" or "127.0.0.1:8080:80"; ("", spec) if none."""
    if spec.startswith("["):
        end = spec.find("]")
        if end < 0 or spec[end + 1 : end + 2] != ":":
            raise InvalidArgument(f"invalid IP address in port spec {spec!r}")
        return spec[1:end], spec[end + 2 :]
    parts = spec.split(":")
    if len(parts) == 3:
        return parts[0], f"{parts[1]}:{parts[2]}"
    if len(parts) > 3:
        raise InvalidArgument(f"invalid port format {spec!r}")
    return "", spec


def parse_publish(spec: str) -> list[PortMapping]:
    """One -p value into one mapping per protocol."""
    body, _, protos = spec.partition("/")
    protocols = [p.strip().lower() for p in protos.split(",")] if protos else ["tcp"]
    for p in protocols:
        if p not in PROTOCOLS:
            raise InvalidArgument(f"invalid protocol {p!r} in port spec {spec!r}")
    host_ip, rest = _split_host_ip(body)
    if host_ip:
        try:
            host_ip = str(ipaddress.ip_address(host_ip))
        except ValueError as exc:
            raise InvalidArgument(f"invalid IP address {host_ip!r} in port spec {spec!r}") from exc
    host_part, sep, ctr_part = rest.rpartition(":")
    if not sep:
        host_part, ctr_part = "", rest
    ctr_start, ctr_len = _port_range(ctr_part, "container")
    host_start = 0
    if host_part:
        host_start, host_len = _port_range(host_part, "host")
        if host_len != ctr_len and ctr_len != 1:
            raise InvalidArgument(
                f"host port range ({host_part}) and container port range ({ctr_part}) "
                "must have the same size"
            )
        if ctr_len == 1 and host_len > 1:
            # Docker's rule: one container port, a host range: any free port of the range
            host_start = _free_in_range(host_ip, host_start, host_len, protocols)
    return [
        PortMapping(
            container_port=ctr_start,
            host_port=host_start,
            range=ctr_len,
            protocol=p,
            host_ip=host_ip,
        )
        for p in protocols
    ]


def parse_all(specs: Iterable[str]) -> list[PortMapping]:
    out: list[PortMapping] = []
    for spec in specs:
        out.extend(parse_publish(spec))
    return out


def _socket_for(host_ip: str, protocol: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host_ip else socket.AF_INET
    kind = socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM
    proto = socket.IPPROTO_SCTP if protocol == "sctp" else 0
    return socket.socket(family, kind, proto)


def port_is_free(host_ip: str, port: int, protocol: str = "tcp") -> bool:
    """Whether pypod could bind the port. SO_REUSEADDR so a TIME_WAIT leftover does not count
    as in use; a listening socket still does."""
    try:
        sock = _socket_for(host_ip, protocol)
    except OSError:
        return True  # e.g. no SCTP module: nothing can hold the port either
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host_ip or "0.0.0.0", port))
    except OSError:
        return False
    finally:
        sock.close()
    return True


def _free_in_range(host_ip: str, start: int, length: int, protocols: Sequence[str]) -> int:
    for port in range(start, start + length):
        if all(port_is_free(host_ip, port, p) for p in protocols):
            return port
    raise Conflict(f"no free host port in range {start}-{start + length - 1}")


def random_port(host_ip: str, protocol: str, length: int = 1) -> int:
    """A free port (the first of `length` consecutive ones) the kernel picks."""
    for _ in range(50):
        sock = _socket_for(host_ip, protocol)
        try:
            sock.bind((host_ip or "0.0.0.0", 0))
            port = int(sock.getsockname()[1])
        finally:
            sock.close()
        if port + length - 1 <= 65535 and all(
            port_is_free(host_ip, p, protocol) for p in range(port, port + length)
        ):
            return port
    raise Conflict(f"could not find {length} free {protocol} port(s)")


def assign_random(mappings: Sequence[PortMapping]) -> list[PortMapping]:
    """Every host_port 0 replaced by a free port (as Podman does at create time)."""
    return [
        replace(m, host_port=random_port(m.host_ip, m.protocol, m.range)) if not m.host_port else m
        for m in mappings
    ]


def check_free(mappings: Sequence[PortMapping]) -> None:
    """Before a container starts: fail naming the first host port something else holds."""
    for m in mappings:
        for port in range(m.host_port, m.host_port + m.range):
            if port and not port_is_free(m.host_ip, port, m.protocol):
                addr = f"[{m.host_ip}]" if ":" in m.host_ip else (m.host_ip or "0.0.0.0")
                raise Conflict(
                    f"cannot publish port {port}/{m.protocol}: {addr}:{port} is already in "
                    "use on the host: address already in use"
                )


def check_unprivileged(mappings: Sequence[PortMapping], rootless: bool) -> None:
    """Rootless: ports below net.ipv4.ip_unprivileged_port_start cannot be bound."""
    if not rootless:
        return
    try:
        with open("/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding="ascii") as f:
            limit = int(f.read().strip())
    except (OSError, ValueError):
        limit = 1024
    for m in mappings:
        if m.host_port and m.host_port < limit:
            raise InvalidArgument(
                f"rootless: cannot publish host port {m.host_port} below "
                f"net.ipv4.ip_unprivileged_port_start ({limit})"
            )
