"""The text of the files pypod bind-mounts into a container from its userdata directory.

The engine writes them (userdata/hosts, hostname, resolv.conf, .containerenv, localtime); this
module only says what they contain, as Podman 4.3 writes them:

hosts        --add-host lines first, then the base hosts file (containers.conf base_hosts_file,
             default the host's /etc/hosts) with one tab after the address,
             "host.containers.internal" with the host's address, and for a private network
             namespace "127.0.0.1<TAB><hostname> <name>" (network none).
hostname     the hostname, no newline.
resolv.conf  network host: the host's file; network none: no file at all (None), and --dns*
             flags are rejected; other modes (issue 4): the host's minus loopback nameservers.
.containerenv  empty, except with --privileged: engine, name, id, image, imageid, rootless.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from pypod.errors import InvalidArgument

ENGINE_VERSION = "4.3.1"  # what .containerenv reports: pypod speaks Podman 4.3's formats


def _base_hosts(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        fields = raw.split("#", 1)[0].split()
        if len(fields) >= 2:
            lines.append(f"{fields[0]}\t{' '.join(fields[1:])}")
    return lines


def parse_add_host(text: str) -> tuple[str, str]:
    """ "name:ip" (ip may be IPv6 with colons) -> (name, ip)."""
    name, sep, ip = text.partition(":")
    if not sep or not name or not ip:
        raise InvalidArgument(f"invalid add-host format {text!r}: expected HOST:IP")
    return name, ip


def hosts(
    *,
    hostname: str,
    name: str,
    network_mode: str,
    add_hosts: Sequence[str] = (),
    base_hosts_text: str = "",
    host_ip: str = "",
    container_ip: str = "",
) -> str:
    lines = []
    for entry in add_hosts:
        host, ip = parse_add_host(entry)
        lines.append(f"{ip}\t{host}")
    lines += _base_hosts(base_hosts_text)
    if host_ip:
        lines.append(f"{host_ip}\thost.containers.internal")
    if network_mode != "host":
        lines.append(f"{container_ip or '127.0.0.1'}\t{hostname} {name}")
    return "".join(line + "\n" for line in lines)


def hostname_file(hostname: str) -> str:
    return hostname


def check_dns(network_mode: str, servers: Sequence[str], search: Sequence[str],
              options: Sequence[str]) -> None:  # fmt: skip
    if network_mode == "none" and (servers or search or options):
        raise InvalidArgument("conflicting options: dns and the network mode: none")


def resolv_conf(
    *,
    network_mode: str,
    host_text: str,
    servers: Sequence[str] = (),
    search: Sequence[str] = (),
    options: Sequence[str] = (),
) -> str | None:
    """None: no /etc/resolv.conf mount (network none keeps the image's own file)."""
    check_dns(network_mode, servers, search, options)
    if network_mode == "none":
        return None
    keep: list[str] = []
    host_servers: list[str] = []
    for raw in host_text.splitlines():
        fields = raw.split()
        if not fields or fields[0].startswith(("#", ";")):
            continue
        if fields[0] == "nameserver" and len(fields) > 1:
            loopback = fields[1].startswith("127.") or fields[1] == "::1"
            if network_mode == "host" or not loopback:
                host_servers.append(fields[1])
        elif (fields[0] in ("search", "domain") and not search) or (
            fields[0] == "options" and not options
        ):
            keep.append(raw.strip())
    if network_mode != "host" and not host_servers and not servers:
        host_servers = ["8.8.8.8", "8.8.4.4"]  # a private netns cannot reach the host's stub
    lines = [f"search {' '.join(search)}"] if search else []
    lines += keep
    lines += [f"nameserver {s}" for s in (servers or host_servers)]
    if options:
        lines.append(f"options {' '.join(options)}")
    return "".join(line + "\n" for line in lines)


def containerenv(
    *, privileged: bool, name: str, container_id: str, image_name: str, image_id: str,
    rootless: bool,
) -> str:  # fmt: skip
    if not privileged:
        return ""
    return (
        f'engine="podman-{ENGINE_VERSION}"\nname="{name}"\nid="{container_id}"\n'
        f'image="{image_name}"\nimageid="{image_id}"\nrootless={int(rootless)}\n'
    )


def host_ipv4(fib_trie: str = "/proc/net/fib_trie", route: str = "/proc/net/route") -> str:
    """The host's address on the interface of its default route (for host.containers.internal
    rootless), else its first non-loopback local IPv4 address. Not simply the first: a netavark
    bridge's gateway (10.89.x.1) would win whenever a root container network is up."""
    try:
        with open(fib_trie, encoding="ascii") as f:
            lines = f.read().splitlines()
    except OSError:
        return ""
    local: list[str] = []
    previous = ""
    for line in lines:
        text = line.strip()
        local_address = text.startswith("/32 host LOCAL") and not previous.startswith("127.")
        if local_address and previous and previous not in local:
            local.append(previous)
        if text.startswith(("|--", "+--")):
            previous = text[3:].strip().split("/")[0] if text.startswith("|--") else ""
    nets = _default_route_subnets(route)
    for addr in local:
        value = int.from_bytes(bytes(int(p) for p in addr.split(".")), sys.byteorder)
        if any(value & mask == dest for dest, mask in nets):
            return addr
    return local[0] if local else ""


def _default_route_subnets(route: str) -> list[tuple[int, int]]:
    """(destination, mask) of the on-link routes of the default route's interface, as the
    kernel prints them in /proc/net/route (host byte order)."""
    try:
        with open(route, encoding="ascii") as f:
            rows = [line.split() for line in f.read().splitlines()[1:]]
    except OSError:
        return []
    default = {r[0] for r in rows if len(r) > 7 and r[1] == "00000000" and r[7] == "00000000"}
    return [
        (int(r[1], 16), int(r[7], 16))
        for r in rows
        if len(r) > 7 and r[0] in default and r[7] != "00000000"
    ]


def timezone_file(tz: str, zoneinfo: str = "/usr/share/zoneinfo") -> str:
    """The host file whose bytes become the container's /etc/localtime for --tz."""
    if tz == "local":
        return os.path.realpath("/etc/localtime")
    path = os.path.normpath(os.path.join(zoneinfo, tz))
    if tz.startswith("/") or ".." in tz.split("/") or not os.path.isfile(path):
        raise InvalidArgument(f"finding timezone: unknown time zone {tz}")
    return path
