"""Records the store hands out. Frozen: to change one, call a Store method."""

from __future__ import annotations

from pypod.records import field, record


@record
class Layer:
    id: str  # chain id hex (64 chars), so identical stacks are stored once
    parent: str | None
    diff_digest: str  # "sha256:..." of the uncompressed tar (the config's diff_id)
    diff_size: int  # bytes of the uncompressed tar
    compressed_digest: str | None = None  # digest of the blob it came from, when known
    compressed_size: int | None = None
    created: float = 0.0  # unix time


@record
class Image:
    id: str  # sha256 hex of the config blob
    names: tuple[str, ...]  # fully-qualified "registry/repo:tag" names
    top_layer: str | None
    digest: str  # "sha256:..." of the manifest it was stored with
    digests: tuple[str, ...] = ()  # every manifest digest known for it (list and instance)
    created: float = 0.0  # from the config, unix time
    stored: float = 0.0  # when it entered the store
    size: int = 0  # sum of its layers' diff sizes
    read_only: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
