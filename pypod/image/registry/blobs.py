"""Blob transfer: a resumable download stream and the POST/PATCH/PUT upload sequence."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urljoin, urlsplit

from pypod.errors import IntegrityError, RegistryError
from pypod.image.compression import ChunkReader
from pypod.image.registry import errors as rerrors
from pypod.image.registry.auth import push_scope
from pypod.log import get_logger

if TYPE_CHECKING:
    import httpx

    from pypod.image.registry.client import RegistryClient

log = get_logger(__name__)

_MAX_REDIRECTS = 5
_MAX_RESUMES = 3
_READ = 1 << 20


def _get_following(
    client: RegistryClient, url: str, scopes: tuple[str, ...], headers: dict[str, str]
) -> httpx.Response:
    """GET a blob, following redirects by hand: credentials go to the registry host only."""
    import httpx

    resp = client.request("GET", url, scopes=scopes, headers=headers, stream=True)
    own_host = urlsplit(client.base_url()).netloc
    for _ in range(_MAX_REDIRECTS):
        if resp.status_code not in (301, 302, 303, 307, 308):
            return resp
        location = resp.headers.get("location", "")
        resp.close()
        url = urljoin(url, location)
        if urlsplit(url).netloc == own_host:
            resp = client.request("GET", url, scopes=scopes, headers=headers, stream=True)
        else:
            try:
                resp = client._http.send(
                    client._http.build_request("GET", url, headers=headers), stream=True
                )
            except httpx.HTTPError as exc:
                raise RegistryError(f"fetching blob from {url}: {exc}") from exc
    raise RegistryError(f"fetching blob: too many redirects ({url})")


class BlobStream(ChunkReader):
    """A blob body; a broken transfer resumes with a Range request where the server allows."""

    def __init__(
        self,
        client: RegistryClient,
        url: str,
        scopes: tuple[str, ...],
        resp: httpx.Response,
        size: int,
    ) -> None:
        super().__init__(None)
        self._client, self._url, self._scopes = client, url, scopes
        self._resp: httpx.Response | None = resp
        self._iter = resp.iter_raw(_READ)
        self._offset = 0
        self._size = size
        self._resumes = 0
        self._ranges = resp.headers.get("accept-ranges", "") == "bytes"

    def _fill(self) -> bytes:
        import httpx

        while True:
            try:
                chunk = next(self._iter, b"")
            except httpx.HTTPError as exc:
                self._resume(exc)
                continue
            self._offset += len(chunk)
            return chunk

    def _resume(self, exc: Exception) -> None:
        if not self._ranges or self._resumes >= _MAX_RESUMES:
            raise RegistryError(f"reading blob {self._url}: {exc}") from exc
        self._resumes += 1
        log.info("blob transfer broke at %d bytes (%s); resuming", self._offset, exc)
        if self._resp is not None:
            self._resp.close()
        resp = _get_following(
            self._client, self._url, self._scopes, {"Range": f"bytes={self._offset}-"}
        )
        if resp.status_code != 206:
            resp.close()
            raise RegistryError(f"reading blob {self._url}: {exc} (resume refused)") from exc
        self._resp, self._iter = resp, resp.iter_raw(_READ)

    def close(self) -> None:
        if self._resp is not None:
            self._resp.close()
            self._resp = None
        super().close()


def open_blob(
    client: RegistryClient, repo: str, digest: str, scopes: tuple[str, ...]
) -> tuple[BinaryIO, int]:
    url = f"{client.base_url()}/v2/{repo}/blobs/{digest}"
    resp = _get_following(client, url, scopes, {})
    if resp.status_code != 200:
        rerrors.raise_for(resp, f"fetching blob {digest} from {client.host}/{repo}")
    size = int(resp.headers.get("content-length", "-1"))
    return BlobStream(client, url, scopes, resp, size), size  # type: ignore[return-value]


def _read_chunk(stream: BinaryIO, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        data = stream.read(min(_READ, n - got))
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def upload(
    client: RegistryClient, repo: str, stream: BinaryIO, digest: str | None, size: int = -1
) -> tuple[str, int]:
    """POST to start, PATCH ~8 MiB chunks, PUT ?digest= to finish; a blob that fits in one
    chunk goes up in the PUT itself. The digest is computed on the way when not given."""
    from pypod.image.registry.client import CHUNK_SIZE

    scopes = (push_scope(repo),)
    what = f"uploading blob to {client.host}/{repo}"
    resp = client.request("POST", f"/v2/{repo}/blobs/uploads/", scopes=scopes, retry=False)
    rerrors.raise_for(resp, what)
    location = _location(client, resp, what)
    algo = digest.split(":", 1)[0] if digest else "sha256"
    hasher = hashlib.new(algo)
    offset = 0
    chunk = _read_chunk(stream, CHUNK_SIZE)
    while True:
        hasher.update(chunk)
        nxt = _read_chunk(stream, CHUNK_SIZE) if chunk else b""
        if not nxt:
            break  # `chunk` is the last piece: it goes with the PUT
        resp = client.request(
            "PATCH",
            location,
            scopes=scopes,
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Range": f"{offset}-{offset + len(chunk) - 1}",
            },
            content=chunk,
            retry=False,
        )
        rerrors.raise_for(resp, what)
        location = _location(client, resp, what)
        offset += len(chunk)
        chunk = nxt
    total = offset + len(chunk)
    actual = f"{algo}:{hasher.hexdigest()}"
    if digest and actual != digest:
        raise IntegrityError(f"{what}: content digest {actual} does not match {digest}")
    if size >= 0 and total != size:
        raise IntegrityError(f"{what}: got {total} bytes, expected {size}")
    sep = "&" if "?" in location else "?"
    resp = client.request(
        "PUT",
        f"{location}{sep}digest={actual}",
        scopes=scopes,
        headers={"Content-Type": "application/octet-stream"},
        content=chunk,
        retry=False,
    )
    rerrors.raise_for(resp, what)
    return actual, total


def _location(client: RegistryClient, resp: httpx.Response, what: str) -> str:
    loc = resp.headers.get("location")
    resp.close()
    if not loc:
        raise RegistryError(f"{what}: the registry sent no upload location")
    return urljoin(client.base_url() + "/", loc)
