"""Registry authentication: WWW-Authenticate challenges, Basic, and Bearer tokens per scope.

The flow is the distribution spec's: a request answered 401 names a challenge; for Bearer we
fetch a token from the realm (GET with service and scope, Basic credentials when we have them,
anonymous otherwise; POST with an identity token as containers/image does) and cache it per
scope set until it expires.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from typing import TYPE_CHECKING, Any

from pypod.errors import RegistryError, RegistryUnreachable, Unauthorized
from pypod.log import get_logger
from pypod.records import field, record

if TYPE_CHECKING:
    import httpx

log = get_logger(__name__)

_TOKEN_RE = re.compile(r'\s*([A-Za-z][A-Za-z0-9_.-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?')
_SCHEME_RE = re.compile(r"\s*,?\s*([A-Za-z][A-Za-z0-9_-]*)(?:\s+|$)")
_MIN_TOKEN_LIFETIME = 60  # seconds; as the distribution spec says for a missing expires_in


@record
class Challenge:
    scheme: str  # lower case: "bearer" | "basic" | ...
    params: dict[str, str] = field(default_factory=dict)


@record
class Creds:
    """What the client authenticates with; the same fields as config.auth's Credentials."""

    username: str = ""
    password: str = ""
    identity_token: str = ""


def parse_challenges(header: str) -> list[Challenge]:
    """Parse a WWW-Authenticate header into its challenges, in order."""
    out: list[Challenge] = []
    pos = 0
    while pos < len(header):
        m = _SCHEME_RE.match(header, pos)
        if not m or not m.group(1):
            break
        scheme, pos = m.group(1).lower(), m.end()
        params: dict[str, str] = {}
        while pos < len(header):
            t = _TOKEN_RE.match(header, pos)
            if not t:
                break
            value = t.group(2)
            if value.startswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            params[t.group(1).lower()] = value
            pos = t.end()
        out.append(Challenge(scheme=scheme, params=params))
    return out


class Authenticator:
    """Holds one registry's challenge, credentials and cached tokens. Thread-safe."""

    def __init__(self, host: str, creds: Creds | None) -> None:
        self.host = host
        self.creds = creds
        self.challenge: Challenge | None = None
        self._tokens: dict[tuple[str, ...], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def learn(self, response: httpx.Response) -> bool:
        """Record the challenge of a 401 answer. True when it is one we can answer."""
        for ch in parse_challenges(response.headers.get("www-authenticate", "")):
            if ch.scheme in ("bearer", "basic"):
                self.challenge = ch
                return True
        return False

    def forget(self, scopes: tuple[str, ...]) -> None:
        with self._lock:
            self._tokens.pop(scopes, None)

    def headers(self, http: httpx.Client, scopes: tuple[str, ...]) -> dict[str, str]:
        ch = self.challenge
        if ch is None:
            return {}
        if ch.scheme == "basic":
            if self.creds and self.creds.username:
                return {"Authorization": _basic(self.creds)}
            return {}
        with self._lock:
            cached = self._tokens.get(scopes)
            if cached and cached[1] > time.monotonic():
                return {"Authorization": f"Bearer {cached[0]}"}
            token, lifetime = self._fetch_token(http, ch, scopes)
            self._tokens[scopes] = (token, time.monotonic() + max(lifetime - 10, 5))
            return {"Authorization": f"Bearer {token}"}

    def _fetch_token(
        self, http: httpx.Client, ch: Challenge, scopes: tuple[str, ...]
    ) -> tuple[str, int]:
        import httpx

        realm = ch.params.get("realm")
        if not realm:
            raise RegistryError(f"registry {self.host} sent a Bearer challenge without a realm")
        params: list[tuple[str, str]] = []
        if ch.params.get("service"):
            params.append(("service", ch.params["service"]))
        params.extend(("scope", s) for s in scopes)
        creds = self.creds
        try:
            if creds and creds.identity_token:
                form = dict(params)
                form.update(
                    grant_type="refresh_token",
                    refresh_token=creds.identity_token,
                    client_id="containers/image",
                    scope=" ".join(scopes),
                )
                resp = http.post(realm, data=form)
            else:
                headers = {}
                if creds and creds.username:
                    params.append(("account", creds.username))
                    headers["Authorization"] = _basic(creds)
                resp = http.get(realm, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise RegistryUnreachable(f"unable to retrieve auth token from {realm}: {exc}") from exc
        if resp.status_code == 401:
            raise Unauthorized(
                "unable to retrieve auth token: invalid username/password: unauthorized:"
                " authentication required"
            )
        if resp.status_code != 200:
            raise RegistryError(
                f"unable to retrieve auth token: {realm} answered {resp.status_code}"
                f" {resp.reason_phrase}"
            )
        return _token_from(resp.json())


def _token_from(doc: Any) -> tuple[str, int]:
    if not isinstance(doc, dict):
        raise RegistryError("unable to retrieve auth token: malformed answer")
    token = doc.get("token") or doc.get("access_token")
    if not token:
        raise RegistryError("unable to retrieve auth token: the answer holds no token")
    try:
        lifetime = int(doc.get("expires_in") or _MIN_TOKEN_LIFETIME)
    except (TypeError, ValueError):
        lifetime = _MIN_TOKEN_LIFETIME
    return str(token), max(lifetime, _MIN_TOKEN_LIFETIME)


def _basic(creds: Creds) -> str:
    raw = f"{creds.username}:{creds.password}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def pull_scope(repo: str) -> str:
    return f"repository:{repo}:pull"


def push_scope(repo: str) -> str:
    return f"repository:{repo}:pull,push"
