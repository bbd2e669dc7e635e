"""Image references: the docker/distribution grammar and Docker Hub normalisation.

    reference  := name [ ":" tag ] [ "@" digest ]
    name       := [ domain "/" ] path-component { "/" path-component }     (max 255 chars)
    domain     := host [ ":" port ]          host: DNS labels or [IPv6]
    path-comp  := [a-z0-9]+ ( ( [._] | "__" | "-"* ) [a-z0-9]+ )*
    tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
    digest     := algorithm ":" hex          (sha256: 64 hex, sha512: 128 hex)

The first component is a domain only when it contains "." or ":", is "localhost", or has an
uppercase letter (repositories are lowercase, so "Foo/bar" names the host "Foo"), the rule
Docker and Podman share. ``parse`` keeps what was written; ``parse_normalized`` adds Docker
Hub's "docker.io" and "library/" the way every Podman command does.
"""

from __future__ import annotations

import re

from pypod import records
from pypod.errors import InvalidReference
from pypod.records import record

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_REPO_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]*)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_PATH = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"

_DOMAIN_RE = re.compile(_DOMAIN)
_REMAINDER_RE = re.compile(rf"({_PATH})(?::({_TAG}))?(?:@({_DIGEST}))?", re.ASCII)
_ANY_CASE_RE = re.compile(rf"(?:{_DOMAIN}/)?{_PATH}(?::{_TAG})?(?:@{_DIGEST})?", re.ASCII)
_FULL_ID_RE = re.compile(r"(?:sha256:)?[a-f0-9]{64}")
_ID_PREFIX_RE = re.compile(r"(?:sha256:)?[a-f0-9]{3,64}")
_DIGEST_HEX_LEN = {"sha256": 64, "sha384": 96, "sha512": 128}

FORMAT_ERROR = "invalid reference format"
LOWERCASE_ERROR = "invalid reference format: repository name must be lowercase"


@record
class Reference:
    domain: str  # "" when none was written (parse of a short name)
    path: str  # "library/busybox"
    tag: str = ""
    digest: str = ""  # "sha256:<hex>"

    @property
    def name(self) -> str:
        """The repository: "domain/path" (just the path when there is no domain)."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    @property
    def familiar_name(self) -> str:
        """Docker's short display form: "busybox" for docker.io/library/busybox."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        if self.path.startswith(OFFICIAL_REPO_PREFIX) and self.path.count("/") == 1:
            return self.path[len(OFFICIAL_REPO_PREFIX) :]
        return self.path

    @property
    def is_qualified(self) -> bool:
        return bool(self.domain)

    def _suffix(self) -> str:
        return (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")

    def __str__(self) -> str:
        return self.name + self._suffix()

    def familiar_string(self) -> str:
        return self.familiar_name + self._suffix()

    def with_default_tag(self) -> Reference:
        """Adds ":latest" when the reference has neither tag nor digest."""
        if self.tag or self.digest:
            return self
        return records.replace(self, tag=DEFAULT_TAG)

    def with_tag(self, tag: str) -> Reference:
        if not re.fullmatch(_TAG, tag, re.ASCII):
            raise InvalidReference(f"{FORMAT_ERROR}: invalid tag {tag!r}")
        return records.replace(self, tag=tag)

    def with_digest(self, digest: str) -> Reference:
        _check_digest(digest)
        return records.replace(self, digest=digest)

    def bare(self) -> Reference:
        """The repository alone, without tag or digest."""
        return records.replace(self, tag="", digest="")


def split_domain(name: str) -> tuple[str, str]:
    """("domain", "remainder") by the first-component rule; domain "" for a short name."""
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        return first, rest
    return "", name


def _check_digest(digest: str) -> None:
    if not re.fullmatch(_DIGEST, digest):
        raise InvalidReference(FORMAT_ERROR)
    algorithm, _, hex_part = digest.partition(":")
    want = _DIGEST_HEX_LEN.get(algorithm)
    if want is None:
        raise InvalidReference("unsupported digest algorithm")
    if len(hex_part) != want:
        raise InvalidReference("invalid checksum digest length")
    if hex_part != hex_part.lower():
        raise InvalidReference("invalid checksum digest format")


def parse(s: str) -> Reference:
    """Parse exactly what was written (no docker.io/library/ added). Raises InvalidReference."""
    if not s:
        raise InvalidReference("repository name must have at least one component")
    domain, remainder = split_domain(s)
    m = _REMAINDER_RE.fullmatch(remainder)
    if m is None or (domain and not _DOMAIN_RE.fullmatch(domain)):
        if _ANY_CASE_RE.fullmatch(s.lower()):
            raise InvalidReference(LOWERCASE_ERROR)
        raise InvalidReference(FORMAT_ERROR)
    path, tag, digest = m.group(1), m.group(2) or "", m.group(3) or ""
    ref = Reference(domain=domain, path=path, tag=tag, digest=digest)
    if len(ref.name) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidReference(
            f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
        )
    if digest:
        _check_digest(digest)
    return ref


def parse_normalized(s: str) -> Reference:
    """Parse and complete to a fully-qualified reference ("busybox" ->
    docker.io/library/busybox; no tag is added, see with_default_tag)."""
    if _FULL_ID_RE.fullmatch(s) and not s.startswith("sha256:"):
        raise InvalidReference(
            f"invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
        )
    ref = parse(s)
    domain = ref.domain
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    path = ref.path
    if not domain:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in path:
        path = OFFICIAL_REPO_PREFIX + path
    if len(f"{domain}/{path}") > NAME_TOTAL_LENGTH_MAX:
        raise InvalidReference(
            f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
        )
    return records.replace(ref, domain=domain, path=path)


def normalize(s: str) -> str:
    """The full string Podman stores and prints: "docker.io/library/busybox:latest"."""
    return str(parse_normalized(s).with_default_tag())


def is_short_name(s: str) -> bool:
    """True when s names no registry ("busybox", "library/busybox", "ns/repo:tag")."""
    return split_domain(s)[0] == ""


def looks_like_id(s: str) -> bool:
    """True for a full image id, "sha256:<id>", or a 3-64 hex prefix Podman would also try
    as an id (a name lookup still comes first for those, e.g. "abc" may be a repository)."""
    return bool(_ID_PREFIX_RE.fullmatch(s))


def is_full_id(s: str) -> bool:
    """64 hex digits, optionally after "sha256:": never a name."""
    return bool(_FULL_ID_RE.fullmatch(s))
