"""Finding local images by what users type: ids, id prefixes, names, short names, digests.

Podman's rules (libimage LookupImage): an id or unique id prefix wins; then the name as given
(with `:latest` added when it has neither tag nor digest); a short name then tries
`localhost/NAME`, the unqualified-search registries, and finally any stored image whose
repository ends with `/NAME` (so `busybox` finds `docker.io/library/busybox`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypod.errors import ImageNotFound, InvalidReference
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.storage.store import Store
    from pypod.storage.types import Image

log = get_logger(__name__)

_HEXDIGITS = frozenset("0123456789abcdef")


def _is_id_prefix(text: str) -> bool:
    """3 to 64 lower-case hex digits (a set test: `re` is not loaded by read-only commands)."""
    return 3 <= len(text) <= 64 and _HEXDIGITS.issuperset(text)


def not_known(name: str) -> ImageNotFound:
    return ImageNotFound(f"{name}: image not known")


def split_name(name: str) -> tuple[str, str, str]:
    """ "repo:tag" / "repo@digest" / "repo" -> (repo, tag, digest) without normalising."""
    digest = ""
    if "@" in name:
        name, digest = name.split("@", 1)
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag, digest


def _try(store: Store, key: str) -> Image | None:
    try:
        return store.lookup_image(key)
    except ImageNotFound:
        return None


def _local_candidates(name: str, registries: object | None) -> list[str]:
    try:
        from pypod.image.shortnames import resolve_local
    except ImportError:  # pragma: no cover - while shortnames.py is being written
        return []
    try:
        return list(
            resolve_local(name, registries) if registries is not None else resolve_local(name)
        )
    except TypeError:
        return list(resolve_local(name))
    except InvalidReference:
        return []


def find_image(store: Store, name: str, registries: object | None = None) -> Image:
    """The stored image NAME denotes. Raises ImageNotFound("NAME: image not known")."""
    key = name.removeprefix("sha256:")
    if _is_id_prefix(key):
        image = _try(store, key)
        if image is not None:
            return image
    if name != name.lower() and "@" not in name:
        raise not_known(name)
    repo, tag, digest = split_name(name)
    if not repo:
        raise not_known(name)
    exact = name if (tag or digest) else f"{name}:latest"
    image = _try(store, exact)
    if image is not None:
        return image  # a full name as stored: no short-name rules (nor their modules) needed
    for candidate in _local_candidates(name, registries):
        image = _try(store, candidate)
        if image is not None:
            return image
    image = _match_suffix(store, repo, tag or ("" if digest else "latest"), digest)
    if image is None:
        raise not_known(name)
    return image


def _match_suffix(store: Store, repo: str, tag: str, digest: str) -> Image | None:
    """Any image with a name ending in /REPO:TAG (or /REPO holding DIGEST)."""
    want = "/" + repo
    for image in store.images():
        for full in image.names:
            r, t, _ = split_name(full)
            if not (r == repo or r.endswith(want)):
                continue
            if digest and digest in (image.digest, *image.digests):
                return image
            if tag and t == tag:
                return image
    return None


def normalize_name(name: str) -> str:
    """A full name to store for tag/import/load: short names go under localhost/.

    Raises InvalidReference with Podman's text for bad input."""
    from pypod.image import reference

    try:
        ref = reference.parse(name)
    except InvalidReference as exc:
        raise InvalidReference(
            f'normalizing name "{name}": normalizing name "{name}": {_tail(exc)}'
        ) from exc
    if getattr(ref, "digest", None):
        raise InvalidReference(f'"{name}": tagging with a digest is not supported')
    full = str(reference.parse_normalized(name)) if ref.domain else f"localhost/{name}"
    repo, tag, _ = split_name(full)
    return full if tag else f"{repo}:latest"


def _tail(exc: InvalidReference) -> str:
    msg = exc.message
    if msg.startswith("invalid reference format: "):
        return msg[len("invalid reference format: ") :]
    return msg


def repo_tags(image: Image) -> list[tuple[str, str]]:
    """(repository, tag) pairs of the image's tagged names."""
    out = []
    for full in image.names:
        repo, tag, digest = split_name(full)
        if tag and not digest:
            out.append((repo, tag))
    return out


def names_history(image: Image) -> list[str]:
    """Every name the image has had, the latest first (Podman's NamesHistory); stores written
    before it was recorded fall back to the current names."""
    hist = [n for n in image.metadata.get("names_history", "").split(",") if n]
    return hist or list(reversed(image.names))


def repo_digests(image: Image) -> list[str]:
    """repo@digest for every repository the image is named in, for each of its digests."""
    digests = [image.digest, *[d for d in image.digests if d != image.digest]]
    out: list[str] = []
    for full in image.names:
        repo, _, _ = split_name(full)
        for d in digests:
            if d and f"{repo}@{d}" not in out:
                out.append(f"{repo}@{d}")
    return out
