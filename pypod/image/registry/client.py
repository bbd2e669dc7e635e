"""A client for one registry host speaking the distribution spec (Docker Registry HTTP API v2).

One httpx.Client per host (HTTP/1.1, pooled connections, safe to share between the threads
that copy layers in parallel). Scheme: https always, unless the registry is insecure
(registries.conf or --tls-verify=false); then https without verification, falling back to
plain http, as containers/image does. localhost is not special, as in Podman.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import quote, urljoin

from pypod.errors import IntegrityError, ManifestUnknown, RegistryError, RegistryUnreachable
from pypod.image.registry import errors as rerrors
from pypod.image.registry.auth import Authenticator, Creds, pull_scope, push_scope
from pypod.log import get_logger

if TYPE_CHECKING:
    import httpx

log = get_logger(__name__)

MAX_MANIFEST_SIZE = 4 << 20
CHUNK_SIZE = 8 << 20
_TRIES = 3
_BACKOFF = 0.25  # seconds, doubled per try


class RegistryClient:
    def __init__(
        self,
        host: str,
        *,
        insecure: bool = False,
        tls_files: Any = None,
        credentials: Any = None,
        timeout: float = 60.0,
    ) -> None:
        self.host = host
        self.insecure = insecure
        self._tls_files = tls_files
        creds = None
        if credentials is not None:
            creds = Creds(
                username=getattr(credentials, "username", "") or "",
                password=getattr(credentials, "password", "") or "",
                identity_token=getattr(credentials, "identity_token", "") or "",
            )
        self.auth = Authenticator(host, creds)
        self._timeout = timeout
        self._http_client: httpx.Client | None = None
        self._base: str | None = None
        self._lock = threading.Lock()
        self._push_repos: set[str] = set()

    # ------------------------------------------------------------------ plumbing
    @property
    def _http(self) -> httpx.Client:
        if self._http_client is None:
            import httpx

            self._http_client = httpx.Client(
                verify=self._ssl_context(),
                timeout=httpx.Timeout(self._timeout, connect=15.0),
                limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
                follow_redirects=False,
                trust_env=False,
            )
        return self._http_client

    def _ssl_context(self) -> Any:
        import ssl

        if self.insecure:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        else:
            ctx = ssl.create_default_context()
            try:
                import certifi

                ctx.load_verify_locations(certifi.where())
            except ImportError:
                pass
        tls = self._tls_files
        for ca in getattr(tls, "ca_files", ()) or ():
            ctx.load_verify_locations(ca)
        if getattr(tls, "client_cert", None):
            ctx.load_cert_chain(tls.client_cert, getattr(tls, "client_key", None))
        return ctx

    def close(self) -> None:
        if self._http_client is not None:
            self._http_client.close()
            self._http_client = None

    def want_push(self, repo: str) -> None:
        """Use pull,push tokens for this repository from now on (one token for all calls)."""
        self._push_repos.add(repo)

    def _scopes(self, repo: str | None, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        if repo is None:
            return extra
        own = push_scope(repo) if repo in self._push_repos else pull_scope(repo)
        return (own, *extra)

    def base_url(self) -> str:
        with self._lock:
            if self._base is None:
                self._base = self._ping()
            return self._base

    def _ping(self) -> str:
        import httpx

        schemes = ("https", "http") if self.insecure else ("https",)
        first_error: Exception | None = None
        for scheme in schemes:
            url = f"{scheme}://{self.host}/v2/"
            try:
                resp = self._http.get(url)
            except httpx.HTTPError as exc:
                log.debug("ping %s: %s", url, exc)
                first_error = first_error or _Failed(url, exc)
                continue
            if resp.status_code == 401:
                self.auth.learn(resp)
            elif resp.status_code != 200:
                first_error = first_error or _Failed(
                    url, f"invalid status code from registry {resp.status_code}"
                )
                continue
            return f"{scheme}://{self.host}"
        raise RegistryUnreachable(f"pinging container registry {self.host}: {first_error}")

    def _url(self, path: str) -> str:
        return path if "://" in path else self.base_url() + path

    def request(
        self,
        method: str,
        path: str,
        *,
        scopes: tuple[str, ...],
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        params: dict[str, str] | None = None,
        stream: bool = False,
        retry: bool = True,
    ) -> httpx.Response:
        """Send with authentication; answer 401 once by learning the challenge; retry 429/5xx
        and broken connections (idempotent calls only) with backoff."""
        import httpx

        url = self._url(path)
        tries = _TRIES if retry else 1
        auth_retried = False
        attempt = 0
        while True:
            attempt += 1
            hdrs = dict(headers or {})
            hdrs.update(self.auth.headers(self._http, scopes))
            req = self._http.build_request(
                method, url, headers=hdrs, content=content, params=params
            )
            try:
                resp = self._http.send(req, stream=stream)
            except httpx.HTTPError as exc:
                if attempt < tries:
                    time.sleep(_BACKOFF * 2 ** (attempt - 1))
                    continue
                raise RegistryUnreachable(f"{method} {url}: {_describe(exc)}") from exc
            if resp.status_code == 401 and not auth_retried:
                auth_retried = True
                had = self.auth.challenge
                if self.auth.learn(resp) or had is not None:
                    self.auth.forget(scopes)
                    resp.close()
                    attempt -= 1
                    continue
            if (resp.status_code == 429 or resp.status_code >= 500) and attempt < tries:
                resp.close()
                time.sleep(_retry_after(resp) or _BACKOFF * 2 ** (attempt - 1))
                continue
            return resp

    # ------------------------------------------------------------------ manifests
    def get_manifest(
        self, repo: str, ref: str, accept: tuple[str, ...] | list[str]
    ) -> tuple[bytes, str, str]:
        """(raw, media type, digest) of a tag or digest."""
        from pypod.image import manifest as mf

        resp = self.request(
            "GET",
            f"/v2/{repo}/manifests/{quote(ref, safe=':')}",
            scopes=self._scopes(repo),
            headers={"Accept": ", ".join(accept)},
        )
        what = f"reading manifest {ref} in {self.host}/{repo}"
        rerrors.raise_for(resp, what)
        raw = resp.content
        if len(raw) > MAX_MANIFEST_SIZE:
            raise IntegrityError(f"{what}: manifest is larger than {MAX_MANIFEST_SIZE} bytes")
        digest = mf.manifest_digest(raw)
        if ":" in ref and ref.split(":", 1)[0] in ("sha256", "sha512"):
            algo = ref.split(":", 1)[0]
            actual = f"{algo}:{hashlib.new(algo, raw).hexdigest()}"
            if actual != ref:
                raise IntegrityError(f"{what}: manifest digest {actual} does not match {ref}")
            digest = ref
        media_type = resp.headers.get("content-type", "").split(";")[0].strip()
        if media_type in ("", "application/json", "text/plain", "application/octet-stream"):
            media_type = mf.guess_media_type(raw)
        return raw, media_type, digest

    def head_manifest(
        self, repo: str, ref: str, accept: tuple[str, ...] | list[str]
    ) -> tuple[str, str, int]:
        """(media type, digest, size); raises ManifestUnknown."""
        resp = self.request(
            "HEAD",
            f"/v2/{repo}/manifests/{quote(ref, safe=':')}",
            scopes=self._scopes(repo),
            headers={"Accept": ", ".join(accept)},
        )
        rerrors.raise_for(resp, f"reading manifest {ref} in {self.host}/{repo}")
        return (
            resp.headers.get("content-type", "").split(";")[0].strip(),
            resp.headers.get("docker-content-digest", ""),
            int(resp.headers.get("content-length", "-1")),
        )

    def put_manifest(self, repo: str, ref: str, raw: bytes, media_type: str) -> str:
        from pypod.image import manifest as mf

        resp = self.request(
            "PUT",
            f"/v2/{repo}/manifests/{quote(ref, safe=':')}",
            scopes=(push_scope(repo),),
            headers={"Content-Type": media_type},
            content=raw,
        )
        rerrors.raise_for(resp, f"writing manifest to {self.host}/{repo}:{ref}")
        return mf.manifest_digest(raw)

    # ------------------------------------------------------------------ blobs
    def get_blob(self, repo: str, digest: str) -> tuple[BinaryIO, int]:
        from pypod.image.registry.blobs import open_blob

        return open_blob(self, repo, digest, self._scopes(repo))

    def blob_exists(self, repo: str, digest: str) -> int | None:
        resp = self.request("HEAD", f"/v2/{repo}/blobs/{digest}", scopes=self._scopes(repo))
        if resp.status_code == 404:
            return None
        if 300 <= resp.status_code < 400:
            return -1  # redirected to a storage backend: it exists
        rerrors.raise_for(resp, f"checking whether blob {digest} exists in {self.host}/{repo}")
        return int(resp.headers.get("content-length", "-1"))

    def mount_blob(self, repo: str, digest: str, from_repo: str) -> bool:
        """Ask the registry to link a blob of another repository into this one."""
        resp = self.request(
            "POST",
            f"/v2/{repo}/blobs/uploads/",
            scopes=(push_scope(repo), pull_scope(from_repo)),
            params={"mount": digest, "from": from_repo},
            retry=False,
        )
        if resp.status_code == 201:
            log.debug("mounted %s from %s into %s", digest, from_repo, repo)
            return True
        if resp.status_code == 202 and resp.headers.get("location"):
            # The registry started an upload instead; cancel it, we will upload normally.
            loc = urljoin(self.base_url() + "/", resp.headers["location"])
            self.request("DELETE", loc, scopes=(push_scope(repo),), retry=False).close()
        return False

    def upload_blob(
        self, repo: str, stream: BinaryIO, digest: str | None, size: int = -1
    ) -> tuple[str, int]:
        from pypod.image.registry.blobs import upload

        return upload(self, repo, stream, digest, size)

    # ------------------------------------------------------------------ tags, login
    def tags(self, repo: str, page_size: int | None = None) -> list[str]:
        """Every tag, following Link pagination (page_size asks for pages of that size)."""
        out: list[str] = []
        path: str | None = f"/v2/{repo}/tags/list"
        params = {"n": str(page_size)} if page_size else None
        while path:
            resp = self.request("GET", path, scopes=self._scopes(repo), params=params)
            params = None  # the Link URL carries its own query
            rerrors.raise_for(resp, f"fetching tags list of {self.host}/{repo}")
            out.extend(resp.json().get("tags") or [])
            path = _next_link(resp.headers.get("link", ""))
            if path:
                path = urljoin(self.base_url() + "/", path)
        return out

    def check_login(self) -> None:
        """Raise Unauthorized unless /v2/ answers 200 with our credentials."""
        from pypod.errors import Unauthorized

        base = self.base_url()
        resp = self.request("GET", base + "/v2/", scopes=())
        if resp.status_code == 401:
            raise Unauthorized(f"logging into {self.host!r}: invalid username/password")
        rerrors.raise_for(resp, f"logging into {self.host!r}")


class _Failed:
    def __init__(self, url: str, exc: object) -> None:
        self.url, self.exc = url, exc

    def __str__(self) -> str:
        detail = _describe(self.exc) if isinstance(self.exc, Exception) else str(self.exc)
        return f'Get "{self.url}": {detail}'


def _describe(exc: Exception) -> str:
    """Go-like wording for network errors, so messages read as Podman's."""
    text = str(exc) or type(exc).__name__
    low = text.lower()
    if "connection refused" in low or "errno 111" in low:
        return f"dial tcp: connect: connection refused ({text})"
    if "wrong version number" in low or "record layer failure" in low:
        return "http: server gave HTTP response to HTTPS client"
    if "certificate verify failed" in low:
        return f"tls: failed to verify certificate: {_x509_reason(low) or text}"
    return text


def _x509_reason(low: str) -> str:
    """OpenSSL's verify error in Go's x509 words (the ones users search for)."""
    if "self-signed" in low or "self signed" in low or "unable to get local issuer" in low:
        return "x509: certificate signed by unknown authority"
    if "mismatch" in low:
        return "x509: certificate is not valid for this host"
    if "expired" in low or "not yet valid" in low:
        return "x509: certificate has expired or is not yet valid"
    return ""


def _retry_after(resp: httpx.Response) -> float:
    try:
        return min(float(resp.headers.get("retry-after", "0")), 10.0)
    except ValueError:
        return 0.0


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        if 'rel="next"' in part or "rel=next" in part:
            start, end = part.find("<"), part.find(">")
            if 0 <= start < end:
                return part[start + 1 : end]
    return None


__all__ = ["CHUNK_SIZE", "ManifestUnknown", "RegistryClient", "RegistryError"]
