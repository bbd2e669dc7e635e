"""Registry error answers -> pypod errors, decided by status and the spec's error codes.

Messages read as Podman's: "<what>: <code text>: <message>", e.g. "reading manifest latest in
localhost:5000/foo: manifest unknown: manifest unknown".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypod.errors import ManifestUnknown, NotFound, RegistryError, Unauthorized

if TYPE_CHECKING:
    import httpx

_CODE_TEXT = {
    "UNAUTHORIZED": "unauthorized",
    "DENIED": "denied",
    "MANIFEST_UNKNOWN": "manifest unknown",
    "NAME_UNKNOWN": "name unknown",
    "BLOB_UNKNOWN": "blob unknown",
    "MANIFEST_INVALID": "manifest invalid",
    "MANIFEST_BLOB_UNKNOWN": "manifest blob unknown",
    "DIGEST_INVALID": "digest invalid",
    "TOOMANYREQUESTS": "toomanyrequests",
}


def _detail(resp: httpx.Response) -> tuple[str, str]:
    """(first error code, 'code text: message' joined for all errors)."""
    try:
        resp.read()
        doc = resp.json()
        errs = doc.get("errors") or []
    except Exception:  # any non-JSON body: describe by status below
        errs = []
    parts = []
    first = ""
    for e in errs:
        if not isinstance(e, dict):
            continue
        code = str(e.get("code", ""))
        first = first or code
        text = _CODE_TEXT.get(code, code.lower().replace("_", " "))
        msg = str(e.get("message", ""))
        parts.append(f"{text}: {msg}" if msg else text)
    return first, "; ".join(parts)


def raise_for(resp: httpx.Response, what: str) -> None:
    status = resp.status_code
    if 200 <= status < 300:
        return
    code, detail = _detail(resp)
    resp.close()
    if status == 401:
        raise Unauthorized(f"{what}: {detail or 'unauthorized: authentication required'}")
    if status == 403:
        denied = "denied: requested access to the resource is denied"
        raise Unauthorized(f"{what}: {detail or denied}")
    if status == 404:
        if code in ("MANIFEST_UNKNOWN", "NAME_UNKNOWN") or "manifest" in what:
            raise ManifestUnknown(f"{what}: {detail or 'manifest unknown'}")
        raise NotFound(f"{what}: {detail or 'not found'}")
    text = detail or f"received unexpected HTTP status: {status} {resp.reason_phrase}"
    raise RegistryError(f"{what}: {text}")
