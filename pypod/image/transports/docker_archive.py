"""docker-archive:PATH[:NAME:TAG | :@INDEX]: `docker save` / `podman save` tar archives.

Layout written (as `podman save --format docker-archive`): each layer as an uncompressed
DIFFID.tar, the config as CONFIGHEX.json, one legacy directory per layer (json, VERSION,
layer.tar symlink), manifest.json ([{Config, RepoTags, Layers}], one item per image) and
repositories ({name: {tag: top legacy id}}). Several images go into one archive through an
ArchiveWriter shared by several destinations (`save -m`).

Reading accepts archives compressed as a whole (gzip, zstd, ...): they are decompressed to a
temp file first, because members are read at their offsets, several at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
import threading
from typing import Any, BinaryIO

from pypod.errors import ImageNotFound, IntegrityError, InvalidArgument, InvalidReference
from pypod.image import compression as comp
from pypod.image import manifest as mf
from pypod.image.transports.layout_common import write_blob_file
from pypod.image.transports.oci_archive import tmp_root
from pypod.image.types import (
    BlobInfo,
    Compression,
    ImageDestination,
    ImageRef,
    ImageSource,
    LayerContext,
    SystemContext,
)
from pypod.log import get_logger
from pypod.records import record

log = get_logger(__name__)

TRANSPORT = "docker-archive"
_LEGACY_ATTRS = (
    "architecture",
    "config",
    "container",
    "container_config",
    "created",
    "docker_version",
    "os",
)


def _go_json(obj: Any) -> bytes:
    """JSON as Go's encoding/json writes it: sorted map keys, compact, HTML characters escaped."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text.encode()


def _normalize_tag(name: str) -> str:
    from pypod.image import reference

    ref = reference.parse_normalized(name).with_default_tag()
    if ref.digest:
        raise InvalidReference(f"docker-archive does not support digest references: {name!r}")
    return str(ref)


# ---------------------------------------------------------------------------------- refs
@record
class DockerArchiveRef:
    path: str
    tag: str = ""  # normalized "domain/repo:tag" (writing, or selecting when reading)
    index: int = -1  # "@N" selects the Nth image when reading
    writer: ArchiveWriter | None = None  # shared by the images of `save -m`

    @property
    def transport(self) -> str:
        return TRANSPORT

    def string_within_transport(self) -> str:
        if self.tag:
            return f"{self.path}:{self.tag}"
        return f"{self.path}:@{self.index}" if self.index >= 0 else self.path

    def __str__(self) -> str:
        return f"{TRANSPORT}:{self.string_within_transport()}"

    def new_source(self, ctx: SystemContext) -> ImageSource:
        return ArchiveSource(self)

    def new_destination(self, ctx: SystemContext) -> ImageDestination:
        tags = [self.tag] if self.tag else []
        if self.writer is not None:
            return ArchiveDestination(self, self.writer, tags, owns_writer=False)
        return ArchiveDestination(self, ArchiveWriter(self.path), tags, owns_writer=True)


def parse_reference(s: str) -> DockerArchiveRef:
    path, sep, rest = s.partition(":")
    if not path:
        raise InvalidReference(f"invalid docker-archive reference {s!r}: no path")
    path = os.path.abspath(path)
    if not sep or not rest:
        return DockerArchiveRef(path=path)
    if rest.startswith("@"):
        try:
            return DockerArchiveRef(path=path, index=int(rest[1:]))
        except ValueError as exc:
            raise InvalidReference(f"invalid docker-archive index in {s!r}") from exc
    return DockerArchiveRef(path=path, tag=_normalize_tag(rest))


# ------------------------------------------------------------------------------- reading
class _Section(io.RawIOBase):
    """A byte range of a file, read with pread, so several threads can read members at once."""

    def __init__(self, path: str, offset: int, size: int) -> None:
        super().__init__()
        self._fd = os.open(path, os.O_RDONLY)
        self._pos, self._end = offset, offset + size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self._end - self._pos
        data = os.pread(self._fd, min(n, self._end - self._pos), self._pos)
        self._pos += len(data)
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


class _Archive:
    """An uncompressed view of an archive: members by name, manifest.json parsed."""

    def __init__(self, path: str) -> None:
        import tarfile

        self._tmp: str | None = None
        try:
            with open(path, "rb") as f:
                kind = comp.detect(f.read(8))
        except FileNotFoundError as exc:
            raise ImageNotFound(f"archive {path} does not exist") from exc
        if kind != "none":
            self._tmp = self._decompress(path, kind)
            path = self._tmp
        self.path = path
        try:
            with tarfile.open(path, "r:") as tar:
                self.members = {os.path.normpath(m.name): m for m in tar.getmembers()}
        except tarfile.TarError as exc:
            self.close()
            raise ImageNotFound(f"{path} is not a readable tar archive: {exc}") from exc
        try:
            self.items = json.loads(self.read("manifest.json"))
        except ImageNotFound as exc:
            self.close()
            raise ImageNotFound(
                f"{path}: no manifest.json (legacy archives are unsupported)"
            ) from exc

    @staticmethod
    def _decompress(path: str, kind: str) -> str:
        fd, tmp = tempfile.mkstemp(prefix="pypod-docker-archive-", suffix=".tar", dir=tmp_root())
        with os.fdopen(fd, "wb") as out, open(path, "rb") as f:
            shutil.copyfileobj(comp.decompressed(f, kind), out, 1 << 20)
        return tmp

    def member(self, name: str) -> Any:
        m = self.members.get(os.path.normpath(name))
        for _ in range(8):  # legacy layer.tar entries are symlinks to the real files
            if m is None or not m.issym():
                break
            target = os.path.join(os.path.dirname(os.path.normpath(name)), m.linkname)
            name = target
            m = self.members.get(os.path.normpath(target))
        if m is None or not m.isfile():
            raise ImageNotFound(f"{name} is missing from the archive")
        return m

    def open(self, name: str) -> tuple[BinaryIO, int]:
        m = self.member(name)
        return _Section(self.path, m.offset_data, m.size), m.size  # type: ignore[return-value]

    def read(self, name: str) -> bytes:
        f, _ = self.open(name)
        with f:
            return f.read()

    def close(self) -> None:
        if self._tmp:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None


def list_images(path: str) -> list[list[str]]:
    """The RepoTags of each image in an archive, in order (for `load`, which loads them all)."""
    archive = _Archive(path)
    try:
        return [list(item.get("RepoTags") or []) for item in archive.items]
    finally:
        archive.close()


class ArchiveSource:
    def __init__(self, ref: DockerArchiveRef) -> None:
        self._ref = ref
        self._archive = _Archive(ref.path)
        try:
            self.item = self._select(ref)
            self._build_manifest()
        except BaseException:
            self._archive.close()
            raise

    def _select(self, ref: DockerArchiveRef) -> dict[str, Any]:
        items = self._archive.items
        if ref.index >= 0:
            if ref.index >= len(items):
                raise ImageNotFound(f"{ref.path} holds only {len(items)} images")
            return items[ref.index]
        if ref.tag:
            for item in items:
                if ref.tag in {_normalize_tag(t) for t in item.get("RepoTags") or []}:
                    return item
            raise ImageNotFound(f"no image tagged {ref.tag} in {ref.path}")
        if len(items) != 1:
            raise InvalidArgument(
                f"{ref.path} holds {len(items)} images; pick one with :NAME:TAG or :@INDEX"
            )
        return items[0]

    def _build_manifest(self) -> None:
        self.config = self._archive.read(self.item["Config"])
        diff_ids = (json.loads(self.config).get("rootfs") or {}).get("diff_ids") or []
        self._paths: dict[str, str] = {}
        layers = []
        for i, name in enumerate(self.item.get("Layers") or []):
            f, size = self._archive.open(name)
            with f:
                kind = comp.detect(f.read(8))
            # An uncompressed layer is its diff (verified when copied); others must be hashed.
            use_diff_id = kind == "none" and i < len(diff_ids)
            digest = diff_ids[i] if use_diff_id else self._hash(name)
            media_type = mf.DOCKER_LAYER if kind == "none" else mf.DOCKER_LAYER_GZIP
            self._paths[digest] = name
            layers.append(BlobInfo(digest=digest, size=size, media_type=media_type))
        config = BlobInfo(
            digest="sha256:" + hashlib.sha256(self.config).hexdigest(),
            size=len(self.config),
            media_type=mf.DOCKER_CONFIG,
        )
        self._paths[config.digest] = self.item["Config"]
        m = mf.Manifest(media_type=mf.DOCKER_MANIFEST, config=config, layers=tuple(layers))
        self.manifest = m.to_bytes()

    def _hash(self, name: str) -> str:
        f, _ = self._archive.open(name)
        with f:
            r = comp.DigestingReader(f)
            r.drain()
            return r.digest

    @property
    def reference(self) -> ImageRef:
        return self._ref

    def get_manifest(self, instance_digest: str | None = None) -> tuple[bytes, str]:
        if instance_digest:
            raise ImageNotFound("docker archives hold no manifest lists")
        return self.manifest, mf.DOCKER_MANIFEST

    def get_blob(self, info: BlobInfo) -> tuple[BinaryIO, int]:
        name = self._paths.get(info.digest)
        if name is None:
            raise ImageNotFound(f"blob {info.digest} is not in {self._ref.path}")
        return self._archive.open(name)

    def layer_infos_for_copy(self, instance_digest: str | None = None) -> list[BlobInfo] | None:
        return None

    def close(self) -> None:
        self._archive.close()


# ------------------------------------------------------------------------------- writing
class ArchiveWriter:
    """Collects images in a temp dir and writes the archive when closed (atomically)."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self._tmp = tempfile.mkdtemp(prefix="pypod-docker-archive-", dir=tmp_root())
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []
        self._repositories: dict[str, dict[str, str]] = {}
        self._legacy: dict[str, tuple[str, bytes]] = {}  # id -> (layer file, json)
        self._order: list[str] = []  # archive members in write order

    def blob_path(self, digest: str) -> str:
        return os.path.join(self._tmp, digest.split(":", 1)[1])

    def put_blob(self, stream: BinaryIO, info: BlobInfo) -> tuple[str, int]:
        digest, size, _ = write_blob_file(stream, self._tmp, info.digest)
        return digest, size

    def add_image(self, raw: bytes, tags: list[str]) -> None:
        m = mf.parse_manifest(raw, mf.DOCKER_MANIFEST)
        cfg_hex = m.config.digest.split(":", 1)[1]
        with open(self.blob_path(m.config.digest), "rb") as f:
            config = f.read()
        layer_files = [layer.digest.split(":", 1)[1] + ".tar" for layer in m.layers]
        with self._lock:
            for layer in m.layers:
                self._add_member(layer.digest.split(":", 1)[1] + ".tar")
            self._add_member(cfg_hex + ".json")
            top = self._legacy_metadata(m, config)
            item = next((i for i in self._items if i["Config"] == cfg_hex + ".json"), None)
            if item is None:
                item = {"Config": cfg_hex + ".json", "RepoTags": [], "Layers": layer_files}
                self._items.append(item)
            for tag in tags:
                if tag not in item["RepoTags"]:
                    item["RepoTags"].append(tag)
                name, _, t = tag.rpartition(":")
                self._repositories.setdefault(name, {})[t] = top

    def _add_member(self, name: str) -> None:
        if name not in self._order:
            self._order.append(name)

    def _legacy_metadata(self, m: mf.Manifest, config: bytes) -> str:
        """Per-layer legacy directories; ids as containers/image derives them (a digest of
        the layer's legacy json with its chain id), so archives match Podman's."""
        cfg = json.loads(config)
        chain = ""
        parent = ""
        for i, layer in enumerate(m.layers):
            doc: dict[str, Any] = {}
            if parent:
                doc["parent"] = parent
            if i == len(m.layers) - 1:
                for attr in _LEGACY_ATTRS:
                    doc[attr] = cfg.get(attr)
            if not chain:
                chain = layer.digest
            else:
                chain = "sha256:" + hashlib.sha256(f"{chain} {layer.digest}".encode()).hexdigest()
            doc["layer_id"] = chain
            layer_id = hashlib.sha256(_go_json(dict(sorted(doc.items())))).hexdigest()
            del doc["layer_id"]
            doc["id"] = layer_id
            if layer_id not in self._legacy:
                blob = layer.digest.split(":", 1)[1] + ".tar"
                self._legacy[layer_id] = (blob, _go_json(dict(sorted(doc.items()))))
            parent = layer_id
        return parent

    def close(self) -> None:
        """Write the archive to its path (through a temp file) and clean up."""
        import tarfile

        directory = os.path.dirname(self.path) or "."
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-docker-archive-")
        try:
            with (
                os.fdopen(fd, "wb") as f,
                tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as tar,
            ):
                for name in self._order:
                    src = os.path.join(self._tmp, name.rsplit(".", 1)[0])
                    with open(src, "rb") as blob:
                        tar.addfile(_info(name, os.fstat(blob.fileno()).st_size), blob)
                for layer_id, (blob_name, doc) in self._legacy.items():
                    link = _info(f"{layer_id}/layer.tar", 0)
                    link.type, link.linkname, link.mode = tarfile.SYMTYPE, f"../{blob_name}", 0
                    tar.addfile(link)
                    tar.addfile(_info(f"{layer_id}/VERSION", 3), io.BytesIO(b"1.0"))
                    tar.addfile(_info(f"{layer_id}/json", len(doc)), io.BytesIO(doc))
                manifest = _go_json(self._items)
                tar.addfile(_info("manifest.json", len(manifest)), io.BytesIO(manifest))
                repos = _go_json(
                    {k: dict(sorted(v.items())) for k, v in sorted(self._repositories.items())}
                )
                tar.addfile(_info("repositories", len(repos)), io.BytesIO(repos))
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        finally:
            self.abort()

    def abort(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    def reference(self, tags: list[str]) -> DockerArchiveRef:
        """A destination ref adding one image (with these names) to this archive."""
        normalized = [_normalize_tag(t) for t in tags]
        return _MultiRef(
            path=self.path,
            tag=normalized[0] if normalized else "",
            writer=self,
            extra_tags=tuple(normalized[1:]),
        )


@record
class _MultiRef(DockerArchiveRef):
    extra_tags: tuple[str, ...] = ()

    def new_destination(self, ctx: SystemContext) -> ImageDestination:
        tags = ([self.tag] if self.tag else []) + list(self.extra_tags)
        return ArchiveDestination(self, self.writer, tags, owns_writer=False)  # type: ignore[arg-type]


def _info(name: str, size: int) -> Any:
    import tarfile

    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o444, 0
    return info


class ArchiveDestination:
    def __init__(
        self, ref: DockerArchiveRef, writer: ArchiveWriter, tags: list[str], *, owns_writer: bool
    ) -> None:
        self._ref = ref
        self._writer = writer
        self._tags = tags
        self._owns = owns_writer
        self._manifest: bytes | None = None
        self._committed = False

    @property
    def reference(self) -> ImageRef:
        return self._ref

    def supported_manifest_types(self) -> list[str]:
        return [mf.DOCKER_MANIFEST]

    @property
    def desired_layer_compression(self) -> Compression:
        return Compression.DECOMPRESS

    @property
    def supports_concurrent_blobs(self) -> bool:
        return True

    @property
    def accepts_foreign_layers(self) -> bool:
        return True

    def try_reusing_blob(self, info: BlobInfo) -> BlobInfo | None:
        if not info.digest:
            return None
        with contextlib.suppress(FileNotFoundError):
            size = os.stat(self._writer.blob_path(info.digest)).st_size
            return BlobInfo(digest=info.digest, size=size, media_type=info.media_type)
        return None

    def put_blob(
        self, stream: BinaryIO, info: BlobInfo, *, is_config: bool, layer: LayerContext | None
    ) -> BlobInfo:
        digest, size = self._writer.put_blob(stream, info)
        return BlobInfo(digest=digest, size=size, media_type=info.media_type)

    def put_manifest(self, raw: bytes, media_type: str, instance_digest: str | None = None) -> None:
        if media_type != mf.DOCKER_MANIFEST:
            raise IntegrityError(f"docker-archive cannot store a {media_type} manifest")
        self._manifest = raw

    def commit(self) -> None:
        if self._manifest is None:
            raise InvalidArgument("commit without a manifest")
        self._writer.add_image(self._manifest, self._tags)
        if self._owns:
            self._writer.close()
        self._committed = True

    def close(self) -> None:
        if self._owns and not self._committed:
            self._writer.abort()
