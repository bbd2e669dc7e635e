"""Transfer edge cases real registries show but docker-registry will not stage on demand:
a blob transfer broken mid-way (resumed with Range), a redirect to another host (no
credentials sent there), and 5xx answers (retried). A small HTTP server on 127.0.0.1 plays
the registry."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from pypod.image.registry import RegistryClient
from pypod.image.registry.auth import Challenge, Creds
from tests.fixtures import ocibuild as ob

BLOB = bytes(range(256)) * 4096  # 1 MiB
DIGEST = ob.sha256(BLOB)


class _State:
    def __init__(self) -> None:
        self.log: list[tuple[str, str, str | None]] = []  # (host header, path, authorization)
        self.broken_once = False
        self.failures = 2
        self.port = 0


@pytest.fixture
def fake() -> Iterator[_State]:
    state = _State()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(
            self, code: int, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(code)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            state.log.append((self.headers["Host"], self.path, self.headers.get("Authorization")))
            if self.path == "/v2/":
                return self._send(200, b"{}")
            if self.path == f"/v2/r/blobs/{DIGEST}":
                return self._send(307, headers={"Location": f"http://localhost:{state.port}/store"})
            if self.path == "/v2/flaky/tags/list":
                if state.failures:
                    state.failures -= 1
                    return self._send(503, b"busy")
                return self._send(200, b'{"name":"flaky","tags":["a"]}')
            if self.path == "/store":
                rng = self.headers.get("Range")
                if rng:
                    start = int(rng.split("=")[1].rstrip("-"))
                    return self._send(206, BLOB[start:], {"Accept-Ranges": "bytes"})
                if not state.broken_once:
                    state.broken_once = True
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(BLOB)))
                    self.send_header("Accept-Ranges", "bytes")
                    self.end_headers()
                    self.wfile.write(BLOB[: len(BLOB) // 3])
                    self.wfile.flush()
                    self.close_connection = True
                    return None
                return self._send(200, BLOB, {"Accept-Ranges": "bytes"})
            return self._send(404, b"{}")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def test_redirect_drops_credentials_and_broken_transfer_resumes(fake: _State) -> None:
    client = RegistryClient(
        f"127.0.0.1:{fake.port}", insecure=True, credentials=Creds(username="u", password="p")
    )
    # The fake asks for no auth; pretend it challenged for Basic to see where credentials go.
    client.auth.challenge = Challenge(scheme="basic", params={})
    stream, size = client.get_blob("r", DIGEST)
    with stream:
        assert stream.read() == BLOB
    assert size == len(BLOB)
    store = [entry for entry in fake.log if entry[1] == "/store"]
    assert len(store) == 2  # the broken transfer and its resumption
    assert all(auth is None for _, _, auth in store)
    assert all(host.startswith("localhost:") for host, _, _ in store)
    registry_calls = [e for e in fake.log if e[1].startswith("/v2/r/")]
    assert registry_calls and all(auth for _, _, auth in registry_calls)


def test_server_errors_are_retried(fake: _State) -> None:
    client = RegistryClient(f"127.0.0.1:{fake.port}", insecure=True)
    assert client.tags("flaky") == ["a"]
    assert fake.failures == 0
