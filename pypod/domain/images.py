"""Images noun: the requests, reports and the ImageEngine protocol every front end calls.

Multi-target verbs (remove, inspect, mount, unmount, prune) return one report per target, with
the error for that target in the report, so `rmi a b c` acts on every name and reports every
failure the same way locally and remotely. Single-target verbs raise PypodError subclasses.

Timestamps are unix seconds (float); sizes are bytes. Inspect documents are dicts with Podman's
JSON keys because they are exactly what `inspect` prints and what the REST API returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, BinaryIO, Protocol


class PullPolicy(StrEnum):
    ALWAYS = "always"
    MISSING = "missing"
    NEVER = "never"
    NEWER = "newer"


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryOptions:
    """How to talk to a registry. tls_verify None = as registries.conf says."""

    tls_verify: bool | None = None
    creds: str | None = None  # "user[:password]"
    authfile: str | None = None
    cert_dir: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Platform:
    """ "" = this host's."""

    os: str = ""
    arch: str = ""
    variant: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
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


# pull / push / copy ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class PullRequest:
    reference: str
    all_tags: bool = False
    policy: PullPolicy = PullPolicy.ALWAYS
    platform: Platform = field(default_factory=Platform)
    registry: RegistryOptions = field(default_factory=RegistryOptions)
    progress: ProgressCallback | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PullReport:
    images: tuple[str, ...]  # full image ids, in pull order
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PushRequest:
    source: str  # a local image name or id
    destination: str = ""  # "" = the source name at its registry; any transport accepted
    format: str = ""  # "" (keep) | "oci" | "v2s2"
    compression_format: str = ""  # "" = gzip | "zstd"
    remove_signatures: bool = False
    digestfile: str | None = None
    registry: RegistryOptions = field(default_factory=RegistryOptions)
    progress: ProgressCallback | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PushReport:
    digest: str  # manifest digest written


@dataclass(frozen=True, slots=True, kw_only=True)
class CopyRequest:
    """`image copy`: any transport to any; a name without a transport is docker://."""

    source: str
    destination: str
    all: bool = False
    format: str = ""
    src_registry: RegistryOptions = field(default_factory=RegistryOptions)
    dest_registry: RegistryOptions = field(default_factory=RegistryOptions)
    progress: ProgressCallback | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CopyReport:
    digest: str


# list / inspect / history / tree ------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class ListRequest:
    all: bool = False
    filters: tuple[str, ...] = ()  # "key=value" as given on the command line
    sort: str = "created"  # created | id | repository | size | tag


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageSummary:
    id: str
    parent_id: str
    repo_tags: tuple[str, ...]
    repo_digests: tuple[str, ...]
    digest: str
    created: float
    size: int
    shared_size: int
    virtual_size: int
    labels: dict[str, str]
    containers: int
    read_only: bool
    dangling: bool
    names_history: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageRow:
    """One line of `images`: an image under one of its names (`<none>` when untagged)."""

    repository: str
    tag: str
    digest: str
    image: ImageSummary


@dataclass(frozen=True, slots=True, kw_only=True)
class InspectReport:
    name: str
    data: dict[str, Any] | None = None
    error: Exception | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEntry:
    id: str  # image id for the entry that produced the top layer, else "<missing>"
    created: float
    created_by: str
    size: int
    comment: str
    tags: tuple[str, ...] = ()
    empty_layer: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TreeLayer:
    id: str
    size: int
    top_of: tuple[str, ...] = ()  # names of images whose top layer this is (besides the root)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageTree:
    id: str
    tags: tuple[str, ...]
    size: int
    layers: tuple[TreeLayer, ...]
    # --whatrequires: images built on top of this one, as (id, tags)
    children: tuple[tuple[str, tuple[str, ...]], ...] = ()


# remove / prune / tag ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveRequest:
    names: tuple[str, ...] = ()
    all: bool = False
    force: bool = False
    ignore: bool = False  # unknown images are not an error


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveReport:
    name: str
    id: str = ""
    untagged: tuple[str, ...] = ()
    deleted: bool = False
    size: int = 0
    error: Exception | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PruneRequest:
    all: bool = False
    filters: tuple[str, ...] = ()


# archives -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class SaveRequest:
    names: tuple[str, ...]
    output: str | BinaryIO  # a path, or a stream such as stdout
    format: str = "docker-archive"  # docker-archive | oci-archive | oci-dir | docker-dir
    multi_image: bool = False
    compress: bool = False
    progress: ProgressCallback | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadRequest:
    input: str | BinaryIO  # a path, or a stream (stdin)
    progress: ProgressCallback | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadReport:
    names: tuple[str, ...]  # names loaded, or "sha256:<id>" for an untagged image


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportRequest:
    source: str | BinaryIO  # a path, an http(s) URL, or a stream
    reference: str = ""
    changes: tuple[str, ...] = ()
    message: str = ""
    platform: Platform = field(default_factory=Platform)
    progress: ProgressCallback | None = None


# mounts ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class MountReport:
    name: str
    id: str = ""
    path: str = ""
    names: tuple[str, ...] = ()
    error: Exception | None = None


# registries -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class SearchRequest:
    term: str
    limit: int = 0
    list_tags: bool = False
    registry: RegistryOptions = field(default_factory=RegistryOptions)


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchReport:
    name: str
    tags: tuple[str, ...] = ()
    description: str = ""
    stars: int = 0
    official: str = ""
    automated: str = ""
    index: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginRequest:
    registry: str
    username: str = ""
    password: str = ""
    get_login: bool = False
    registry_options: RegistryOptions = field(default_factory=RegistryOptions)


@dataclass(frozen=True, slots=True, kw_only=True)
class LogoutRequest:
    registry: str = ""
    all: bool = False
    authfile: str | None = None


class ImageEngine(Protocol):
    def pull(self, req: PullRequest) -> PullReport: ...

    def push(self, req: PushRequest) -> PushReport: ...

    def copy(self, req: CopyRequest) -> CopyReport: ...

    def list(self, req: ListRequest) -> list[ImageSummary]: ...

    def rows(self, req: ListRequest) -> list[ImageRow]:
        """`images` lines: one per name (one `<none>` row for an untagged image), sorted."""
        ...

    def exists(self, name: str) -> bool: ...

    def inspect(self, names: list[str]) -> list[InspectReport]: ...

    def inspect_remote(self, name: str, registry: RegistryOptions) -> dict[str, Any]:
        """skopeo-inspect style document for TRANSPORT:NAME without pulling it."""
        ...

    def history(self, name: str) -> list[HistoryEntry]: ...

    def tree(self, name: str, what_requires: bool = False) -> ImageTree: ...

    def tag(self, name: str, new_names: list[str]) -> None: ...

    def untag(self, name: str, names: list[str]) -> None:
        """No names = remove all of the image's names."""
        ...

    def remove(self, req: RemoveRequest) -> list[RemoveReport]: ...

    def prune(self, req: PruneRequest) -> list[RemoveReport]: ...

    def save(self, req: SaveRequest) -> None: ...

    def load(self, req: LoadRequest) -> LoadReport: ...

    def import_image(self, req: ImportRequest) -> str:
        """Returns the new image's full id."""
        ...

    def mount(self, names: list[str]) -> list[MountReport]: ...

    def mounted(self) -> list[MountReport]: ...

    def unmount(
        self, names: list[str], all: bool = False, force: bool = False
    ) -> list[MountReport]: ...

    def search(self, req: SearchRequest) -> list[SearchReport]: ...

    def login(self, req: LoginRequest) -> str:
        """Validates and stores the credentials; with get_login, returns the stored user name."""
        ...

    def logout(self, req: LogoutRequest) -> None: ...
