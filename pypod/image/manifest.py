"""Manifest media types, parsing, platform selection and OCI <-> Docker schema2 conversion.

Parsing is strict about what we can copy faithfully: schema1 and unknown media types are
rejected with a clear error rather than guessed at. Serialising produces compact JSON, as
containers/image does, so a rewritten manifest has a stable digest.
"""

from __future__ import annotations

import hashlib
import json
import platform as _platform
from typing import Any

from pypod.errors import IntegrityError, InvalidArgument, NotFound
from pypod.image.types import BlobInfo
from pypod.log import get_logger
from pypod.records import field, record, replace

log = get_logger(__name__)

# OCI
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
OCI_LAYER_ND = "application/vnd.oci.image.layer.nondistributable.v1.tar"
OCI_LAYER_ND_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
OCI_LAYER_ND_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
# Docker
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"  # uncompressed, rarely seen
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"

REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name"

IMAGE_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
LIST_TYPES = (OCI_INDEX, DOCKER_LIST)
SCHEMA1_TYPES = (DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED)
# What we ask registries for, preferred first.
ACCEPT = (OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_LIST, *SCHEMA1_TYPES)

# layer media type -> compression ("gzip" | "zstd" | "none")
_LAYER_COMPRESSION = {
    OCI_LAYER: "none",
    OCI_LAYER_GZIP: "gzip",
    OCI_LAYER_ZSTD: "zstd",
    OCI_LAYER_ND: "none",
    OCI_LAYER_ND_GZIP: "gzip",
    OCI_LAYER_ND_ZSTD: "zstd",
    DOCKER_LAYER: "none",
    DOCKER_LAYER_GZIP: "gzip",
    DOCKER_FOREIGN_GZIP: "gzip",
}


def manifest_digest(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def is_list(media_type: str) -> bool:
    return media_type in LIST_TYPES


def layer_compression(media_type: str) -> str:
    """What a layer media type says about its compression; "none" for unknown types."""
    return _LAYER_COMPRESSION.get(media_type, "none")


def is_foreign(media_type: str) -> bool:
    return media_type in (DOCKER_FOREIGN_GZIP, OCI_LAYER_ND, OCI_LAYER_ND_GZIP, OCI_LAYER_ND_ZSTD)


def layer_media_type(manifest_type: str, compression: str, *, foreign: bool = False) -> str:
    """The layer media type for a manifest format and a compression."""
    if manifest_type == DOCKER_MANIFEST:
        if compression == "zstd":
            raise InvalidArgument("Docker schema2 manifests cannot describe zstd layers")
        if foreign:
            return DOCKER_FOREIGN_GZIP
        return DOCKER_LAYER_GZIP if compression == "gzip" else DOCKER_LAYER
    suffix = {"gzip": "+gzip", "zstd": "+zstd"}.get(compression, "")
    return (OCI_LAYER_ND if foreign else OCI_LAYER) + suffix


# ---------------------------------------------------------------------------------- types
@record
class Platform:
    os: str
    architecture: str
    variant: str = ""
    os_version: str = ""
    os_features: tuple[str, ...] = ()


@record
class IndexEntry:
    digest: str
    size: int
    media_type: str
    platform: Platform | None = None
    annotations: dict[str, str] = field(default_factory=dict)


@record
class Manifest:
    media_type: str
    config: BlobInfo
    layers: tuple[BlobInfo, ...]
    annotations: dict[str, str] = field(default_factory=dict)
    subject: dict[str, Any] | None = None

    def to_bytes(self) -> bytes:
        doc: dict[str, Any] = {"schemaVersion": 2, "mediaType": self.media_type}
        doc["config"] = _descriptor(self.config)
        doc["layers"] = [_descriptor(layer) for layer in self.layers]
        if self.subject:
            doc["subject"] = self.subject
        if self.annotations:
            doc["annotations"] = self.annotations
        return _dump(doc)


@record
class Index:
    media_type: str
    manifests: tuple[IndexEntry, ...]
    annotations: dict[str, str] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        doc: dict[str, Any] = {"schemaVersion": 2, "mediaType": self.media_type}
        entries = []
        for e in self.manifests:
            d: dict[str, Any] = {"mediaType": e.media_type, "digest": e.digest, "size": e.size}
            if e.annotations:
                d["annotations"] = e.annotations
            if e.platform:
                d["platform"] = _platform_doc(e.platform)
            entries.append(d)
        doc["manifests"] = entries
        if self.annotations:
            doc["annotations"] = self.annotations
        return _dump(doc)


def _dump(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def _descriptor(info: BlobInfo) -> dict[str, Any]:
    d: dict[str, Any] = {"mediaType": info.media_type, "digest": info.digest, "size": info.size}
    if info.urls:
        d["urls"] = list(info.urls)
    if info.annotations:
        d["annotations"] = info.annotations
    return d


def _platform_doc(p: Platform) -> dict[str, Any]:
    d: dict[str, Any] = {"architecture": p.architecture, "os": p.os}
    if p.os_version:
        d["os.version"] = p.os_version
    if p.os_features:
        d["os.features"] = list(p.os_features)
    if p.variant:
        d["variant"] = p.variant
    return d


# -------------------------------------------------------------------------------- parsing
def _load(raw: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IntegrityError(f"invalid manifest: {exc}") from exc
    if not isinstance(doc, dict):
        raise IntegrityError("invalid manifest: not a JSON object")
    return doc


def guess_media_type(raw: bytes) -> str:
    """The media type of a manifest whose transport did not say (OCI layouts, dir:)."""
    doc = _load(raw)
    if doc.get("mediaType"):
        return str(doc["mediaType"])
    if doc.get("schemaVersion") == 1:
        return DOCKER_SCHEMA1_SIGNED if "signatures" in doc else DOCKER_SCHEMA1
    if "manifests" in doc:
        return OCI_INDEX
    if "layers" in doc and "config" in doc:
        cfg_type = (doc.get("config") or {}).get("mediaType")
        return DOCKER_MANIFEST if cfg_type == DOCKER_CONFIG else OCI_MANIFEST
    raise IntegrityError("invalid manifest: cannot determine its type")


def check_supported(media_type: str) -> None:
    if media_type in SCHEMA1_TYPES:
        raise InvalidArgument(
            f"unsupported manifest type {media_type!r}: Docker schema1 images are deprecated"
            " and not supported; push the image again with a current tool"
        )
    if media_type not in IMAGE_TYPES and media_type not in LIST_TYPES:
        raise InvalidArgument(f"unsupported manifest MIME type {media_type!r}")


def _blob(d: Any, what: str) -> BlobInfo:
    if not isinstance(d, dict) or not isinstance(d.get("digest"), str):
        raise IntegrityError(f"invalid manifest: bad {what} descriptor")
    return BlobInfo(
        digest=d["digest"],
        size=int(d.get("size", -1)),
        media_type=str(d.get("mediaType", "")),
        annotations=dict(d.get("annotations") or {}),
        urls=tuple(d.get("urls") or ()),
    )


def parse_manifest(raw: bytes, media_type: str = "") -> Manifest:
    doc = _load(raw)
    mt = media_type or doc.get("mediaType") or guess_media_type(raw)
    check_supported(mt)
    if mt not in IMAGE_TYPES:
        raise InvalidArgument(f"expected an image manifest, got {mt!r}")
    layers = doc.get("layers")
    if not isinstance(layers, list):
        raise IntegrityError("invalid manifest: no layers")
    return Manifest(
        media_type=mt,
        config=_blob(doc.get("config"), "config"),
        layers=tuple(_blob(x, "layer") for x in layers),
        annotations=dict(doc.get("annotations") or {}),
        subject=doc.get("subject"),
    )


def parse_index(raw: bytes, media_type: str = "") -> Index:
    doc = _load(raw)
    mt = media_type or doc.get("mediaType") or guess_media_type(raw)
    check_supported(mt)
    if mt not in LIST_TYPES:
        raise InvalidArgument(f"expected a manifest list, got {mt!r}")
    entries = []
    for d in doc.get("manifests") or []:
        p = d.get("platform")
        plat = None
        if isinstance(p, dict):
            plat = Platform(
                os=str(p.get("os", "")),
                architecture=str(p.get("architecture", "")),
                variant=str(p.get("variant", "")),
                os_version=str(p.get("os.version", "")),
                os_features=tuple(p.get("os.features") or ()),
            )
        entries.append(
            IndexEntry(
                digest=str(d["digest"]),
                size=int(d.get("size", -1)),
                media_type=str(d.get("mediaType", "")),
                platform=plat,
                annotations=dict(d.get("annotations") or {}),
            )
        )
    return Index(
        media_type=mt, manifests=tuple(entries), annotations=dict(doc.get("annotations") or {})
    )


# ---------------------------------------------------------------------- platform selection
_GO_ARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "i386": "386",
    "i686": "386",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "mips64": "mips64",
}
_DEFAULT_VARIANT = {"arm64": "v8", "arm": "v7"}
# A wanted variant also accepts older ones the CPU runs, best first (as containers/image).
_COMPATIBLE_VARIANTS = {
    ("arm", "v8"): ("v8", "v7", "v6", "v5"),
    ("arm", "v7"): ("v7", "v6", "v5"),
    ("arm", "v6"): ("v6", "v5"),
    ("arm64", "v8"): ("v8", ""),
}


def host_platform() -> tuple[str, str, str]:
    """(os, Go architecture, variant) of this machine."""
    machine = _platform.machine().lower()
    if machine.startswith("armv"):
        return "linux", "arm", "v" + machine[4]
    arch = _GO_ARCH.get(machine, machine)
    return "linux", arch, _DEFAULT_VARIANT.get(arch, "")


def normalize_platform(os_: str, arch: str, variant: str) -> tuple[str, str, str]:
    """Fill in the host's values for empty fields and map uname names to Go's."""
    h_os, h_arch, h_variant = host_platform()
    os_ = os_ or h_os
    if not arch:
        arch, variant = h_arch, variant or h_variant
    arch = _GO_ARCH.get(arch, arch)
    if arch == "arm64" and variant in ("8", "v8"):
        variant = "v8"
    if arch == "arm" and variant in ("5", "6", "7", "8"):
        variant = "v" + variant
    return os_, arch, variant or _DEFAULT_VARIANT.get(arch, "")


def choose_instance(index: Index, os_: str = "", arch: str = "", variant: str = "") -> IndexEntry:
    """The entry for the wanted platform (empty = this host), or NotFound naming it."""
    os_, arch, variant = normalize_platform(os_, arch, variant)
    accepted = _COMPATIBLE_VARIANTS.get((arch, variant), (variant,))
    best: tuple[int, IndexEntry] | None = None
    for entry in index.manifests:
        p = entry.platform
        if p is None or p.os != os_ or _GO_ARCH.get(p.architecture, p.architecture) != arch:
            continue
        v = p.variant
        if arch == "arm64" and v == "8":
            v = "v8"
        if v in accepted:
            rank = accepted.index(v)
        elif not variant:
            rank = len(accepted)  # no preference stated: any variant will do
        else:
            continue
        if best is None or rank < best[0]:
            best = (rank, entry)
    if best is None:
        kind = "manifest list" if index.media_type == DOCKER_LIST else "image index"
        raise NotFound(
            f"choosing an image from manifest list: no image found in {kind} for architecture"
            f" {arch}, variant {variant!r}, OS {os_}"
        )
    return best[1]


# ------------------------------------------------------------------------------ conversion
_TO_DOCKER = {
    OCI_LAYER: DOCKER_LAYER,
    OCI_LAYER_GZIP: DOCKER_LAYER_GZIP,
    OCI_LAYER_ND_GZIP: DOCKER_FOREIGN_GZIP,
}
_TO_OCI = {
    DOCKER_LAYER: OCI_LAYER,
    DOCKER_LAYER_GZIP: OCI_LAYER_GZIP,
    DOCKER_FOREIGN_GZIP: OCI_LAYER_ND_GZIP,
}


def convert_manifest(m: Manifest, target: str) -> Manifest:
    """The same image described in the other schema2 flavour (blobs are unchanged)."""
    if m.media_type == target:
        return m
    if target == DOCKER_MANIFEST:
        table, config_type = _TO_DOCKER, DOCKER_CONFIG
    elif target == OCI_MANIFEST:
        table, config_type = _TO_OCI, OCI_CONFIG
    else:
        raise InvalidArgument(f"cannot convert a manifest to {target!r}")
    layers = []
    for layer in m.layers:
        if layer.media_type not in table:
            raise InvalidArgument(
                f"cannot convert layer {layer.digest} of type {layer.media_type!r} to {target!r}"
            )
        # Docker schema2 has no annotations on layers or manifests; drop them, as Podman does.
        keep = layer.annotations if target == OCI_MANIFEST else {}
        layers.append(replace(layer, media_type=table[layer.media_type], annotations=keep))
    config = replace(m.config, media_type=config_type)
    annotations = m.annotations if target == OCI_MANIFEST else {}
    return Manifest(media_type=target, config=config, layers=tuple(layers), annotations=annotations)


def convert_index(idx: Index, target: str) -> Index:
    if idx.media_type == target:
        return idx
    if target not in LIST_TYPES:
        raise InvalidArgument(f"cannot convert a manifest list to {target!r}")
    image_type = DOCKER_MANIFEST if target == DOCKER_LIST else OCI_MANIFEST
    entries = tuple(
        replace(e, media_type=image_type if e.media_type in IMAGE_TYPES else e.media_type)
        for e in idx.manifests
    )
    return Index(media_type=target, manifests=entries, annotations=idx.annotations)
