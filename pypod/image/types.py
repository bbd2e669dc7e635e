"""The contracts between transports and the copy pipeline.

A transport parses a name into an ImageRef; the ref opens an ImageSource (read a manifest,
the config and layer blobs) or an ImageDestination (write blobs, then the manifest, then
commit). Optional capabilities have defaults in the small base classes below, so a simple
transport implements only what it has.

ImageDestination call order, always:
    supports_manifest_types() / desired_layer_compression   (any time)
    try_reusing_blob(info)*        skip a blob the destination already has
    put_blob(stream, info, ...)*   the config first, then layers (possibly from several threads
                                   when supports_concurrent_blobs is True)
    put_manifest(raw, media_type, instance_digest=None)*   per-instance manifests first,
                                   then the top-level one with instance_digest=None
    commit()                       makes the image visible; nothing is visible before
    close()                        always; after a failure without commit it discards
                                   everything partial
Optional: note_manifest_list(raw, media_type) is called (before the blobs) when one instance
of a manifest list is copied, so a destination such as local storage can record the list's
digest too.

A transport is a module named in pypod.image.transports.TRANSPORTS with
parse_reference(string_within_transport) -> ImageRef.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import BinaryIO, Protocol

from pypod.records import field, record


class Compression(StrEnum):
    PRESERVE = "preserve"  # store layers exactly as the source has them
    COMPRESS = "compress"  # wants compressed layers (registries, archives)
    DECOMPRESS = "decompress"  # wants plain tar streams (local storage)


@record
class BlobInfo:
    """A blob as a manifest describes it. size -1 means unknown."""

    digest: str
    size: int = -1
    media_type: str = ""
    annotations: dict[str, str] = field(default_factory=dict)
    urls: tuple[str, ...] = ()


@record
class LayerContext:
    """What put_blob knows about a layer beyond its bytes.

    index: the layer's position in the image (0 = base); diff_ids: all layers' uncompressed
    digests from the image config, so a storage destination can compute chain ids and verify
    what it extracts; compressed: the stream handed to put_blob is compressed (gzip/zstd) and
    the destination should decompress it itself.
    """

    index: int
    diff_ids: tuple[str, ...]
    empty_layer: bool = False


class ImageRef(Protocol):
    """A parsed transport reference, e.g. docker://quay.io/a/b:1 or oci:/tmp/x:tag."""

    @property
    def transport(self) -> str: ...  # "docker", "oci", "oci-archive", ...

    def string_within_transport(self) -> str: ...

    def __str__(self) -> str: ...  # "transport:string_within_transport"

    def new_source(self, ctx: SystemContext) -> ImageSource: ...

    def new_destination(self, ctx: SystemContext) -> ImageDestination: ...


@record
class SystemContext:
    """Options shared by every transport: TLS, credentials, platform, paths.

    tls_verify None means "as registries.conf says"; creds "user:password" overrides auth files.
    """

    tls_verify: bool | None = None
    creds: str | None = None
    authfile: str | None = None
    cert_dir: str | None = None
    os: str = "linux"
    arch: str = ""  # "" = this host's
    variant: str = ""
    store: object | None = None  # pypod.storage.store.Store for containers-storage:
    registries: object | None = None  # pypod.config.registries.RegistriesConf
    quiet: bool = True
    progress: object | None = None  # a callable(event) receiving progress events


class ImageSource(Protocol):
    @property
    def reference(self) -> ImageRef: ...

    def get_manifest(self, instance_digest: str | None = None) -> tuple[bytes, str]:
        """The raw manifest and its media type (the top-level one when instance_digest is None)."""
        ...

    def get_blob(self, info: BlobInfo) -> tuple[BinaryIO, int]:
        """An open stream of the blob and its size (-1 if unknown). Caller closes the stream.

        Integrity is the caller's job (the copy pipeline verifies every digest)."""
        ...

    def layer_infos_for_copy(self, instance_digest: str | None = None) -> list[BlobInfo] | None:
        """Replacement layer list when the blobs differ from the manifest (local storage
        hands out uncompressed diffs); None to use the manifest's own."""
        ...

    def close(self) -> None: ...


class ImageDestination(Protocol):
    @property
    def reference(self) -> ImageRef: ...

    def supported_manifest_types(self) -> list[str]:
        """Acceptable manifest media types, preferred first; [] means any."""
        ...

    @property
    def desired_layer_compression(self) -> Compression: ...

    @property
    def supports_concurrent_blobs(self) -> bool: ...

    @property
    def accepts_foreign_layers(self) -> bool: ...

    def try_reusing_blob(self, info: BlobInfo) -> BlobInfo | None: ...

    def put_blob(
        self, stream: BinaryIO, info: BlobInfo, *, is_config: bool, layer: LayerContext | None
    ) -> BlobInfo:
        """Consume the stream and store it; returns what was stored (digest, size, media type).

        info.digest may be "" when the pipeline recompressed the blob and the digest is only
        known at EOF; the destination then computes it. Raise on any read error: the stream
        raises IntegrityError at EOF when its digest does not match."""
        ...

    def put_manifest(
        self, raw: bytes, media_type: str, instance_digest: str | None = None
    ) -> None: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


class FileBlobDestination:
    """The capabilities of a destination that writes blobs into local files as they arrive
    (dir:, oci:): layers kept exactly as the source has them, several at once, foreign ones too."""

    desired_layer_compression = Compression.PRESERVE
    supports_concurrent_blobs = True
    accepts_foreign_layers = True


class Progress(Protocol):
    def __call__(self, event: ProgressEvent) -> None: ...


@record
class ProgressEvent:
    """kind: "source" (the source answered) | "start" | "bytes" | "skipped" | "done" |
    "manifest" | "config"."""

    kind: str
    digest: str = ""
    offset: int = 0
    total: int = -1


def iter_chunks(stream: BinaryIO, size: int = 1 << 20) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk
