"""Real network namespaces for the network tests: `ip netns add` + a TCP/UDP peer inside.

Every test takes its own random /24 in 10.240.0.0/12 (checked against the host's routes) and
its own bridge name, so tests run in parallel under pytest-xdist without touching each other.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pypod.network.subnets import host_routes, overlaps


def free_subnet() -> str:
    routes = host_routes()
    for _ in range(200):
        cand = ipaddress.ip_network((0x0AF00000 | (secrets.randbelow(1 << 12) << 8), 24))
        if not overlaps(cand, routes):
            return str(cand)
    raise RuntimeError("no free test subnet")


def bridge_name() -> str:
    return "pyt" + secrets.token_hex(4)


@contextmanager
def netns() -> Iterator[str]:
    """A fresh named network namespace; yields its path (/run/netns/NAME)."""
    name = "pypodt-" + secrets.token_hex(4)
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        yield f"/run/netns/{name}"
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)


def in_ns(path: str, code: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    """Run Python code inside the namespace."""
    return subprocess.run(
        ["ip", "netns", "exec", os.path.basename(path), sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


ECHO_SERVER = """
import socket, sys
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
print('ready', flush=True)
while True:
    c, _ = s.accept()
    c.sendall(b'echo:' + c.recv(100))
    c.close()
"""


@contextmanager
def echo_server(path: str, port: int, addr: str = "0.0.0.0") -> Iterator[None]:
    proc = subprocess.Popen(
        ["ip", "netns", "exec", os.path.basename(path), sys.executable, "-c", ECHO_SERVER,
         addr, str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield
    finally:
        proc.kill()
        proc.wait()


CLIENT = """
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
    c.sendall(b'hi')
    print(c.recv(100).decode())
except OSError as e:
    print('error', e)
"""


def tcp_echo(path: str | None, host: str, port: int) -> str:
    """'echo:hi' when the server answered (from inside `path`, or the host when None)."""
    argv = [sys.executable, "-c", CLIENT, host, str(port)]
    if path:
        argv = ["ip", "netns", "exec", os.path.basename(path), *argv]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=15, check=False)
    return r.stdout.strip()


DNS_QUERY = """
import socket, struct, sys
name, server = sys.argv[1], sys.argv[2]
q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0)
q += b''.join(bytes([len(p)]) + p.encode() for p in name.split('.')) + b'\\0'
q += struct.pack('>HH', 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
for _ in range(3):
    try:
        s.sendto(q, (server, 53))
        data = s.recv(512)
        break
    except OSError:
        continue
else:
    print('timeout'); sys.exit(0)
an = struct.unpack('>H', data[6:8])[0]
if not an:
    print('nxdomain'); sys.exit(0)
print(socket.inet_ntoa(data[-4:]))
"""


def dns_a(path: str, name: str, server: str) -> str:
    """The A record aardvark-dns answers for `name`, asked from inside the namespace."""
    argv = ["ip", "netns", "exec", os.path.basename(path), sys.executable, "-c", DNS_QUERY]
    r = subprocess.run(
        [*argv, name, server], capture_output=True, text=True, timeout=20, check=False
    )
    return r.stdout.strip()


def links() -> set[str]:
    return set(os.listdir("/sys/class/net"))


def iptables_lines(*needles: str) -> list[str]:
    """iptables-save lines (filter and nat) mentioning any of the needles."""
    out = []
    for cmd in (["iptables-save"], ["ip6tables-save"]):
        text = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
        out += [ln for ln in text.splitlines() if any(n in ln for n in needles)]
    return out


def wait_for(pred, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return bool(pred())


@contextmanager
def isolation_exclusive() -> Iterator[None]:
    """Serialise the tests that rely on `-o isolate=true`: netavark 1.4 removes FORWARD's jump
    to NETAVARK_ISOLATION_1 when one isolated network is torn down, even while another
    isolated network (a parallel test's) is still in use, which lets that one's traffic through."""
    import fcntl

    fd = os.open(
        "/run/lock/pypod-test-isolation.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
    )
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that is free now (TCP, or UDP with socket.SOCK_DGRAM)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(port: int) -> str:
    """An HTTP/1.0 GET of / on 127.0.0.1:port, retried for ~5 s while the server starts."""
    last = ""
    for _ in range(50):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                data = b""
                while chunk := s.recv(4096):
                    data += chunk
                if data:
                    return data.decode(errors="replace")
        except OSError as exc:
            last = str(exc)
        time.sleep(0.1)
    raise AssertionError(f"no answer on {port}: {last}")


def serve_once(payload: bytes) -> tuple[socket.socket, int]:
    """A TCP server on 127.0.0.1 that sends payload to its first client: (socket, port)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()

    def loop() -> None:
        with srv:
            conn, _ = srv.accept()
            with conn:
                conn.sendall(payload)

    threading.Thread(target=loop, daemon=True).start()
    return srv, int(srv.getsockname()[1])
