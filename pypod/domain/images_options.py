"""Options shared by the image verbs that move images: registry access, platform,
progress and pull policy."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from pypod.records import record


class PullPolicy(StrEnum):
    ALWAYS = "always"
    MISSING = "missing"
    NEVER = "never"
    NEWER = "newer"


@record
class RegistryOptions:
    """How to talk to a registry. tls_verify None = as registries.conf says."""

    tls_verify: bool | None = None
    creds: str | None = None  # "user[:password]"
    authfile: str | None = None
    cert_dir: str | None = None


@record
class Platform:
    """ "" = this host's."""

    os: str = ""
    arch: str = ""
    variant: str = ""


@record
class CopyProgress:
    """What the copy pipeline reports while it works.

    kind: "message" (a line such as "Copying blob sha256:..."; text holds it), "start" (a blob
    transfer begins; total may be -1), "bytes" (offset bytes of the blob done), "skipped" (the
    destination already has the blob), "done" (the blob is complete).
    """

    kind: str
    text: str = ""
    digest: str = ""
    offset: int = 0
    total: int = -1


ProgressCallback = Callable[[CopyProgress], None]
