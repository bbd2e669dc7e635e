"""copy_image(src, dst): the one pipeline behind pull, push, save, load and `image copy`.

Order (types.py states the destination's side): read the source manifest (before the
destination is even opened, so a failing source leaves nothing behind); pick the platform
instance of a list (or copy every instance); copy the config first, then the layers in
parallel; each blob is reused when the destination has it, else streamed through stages:
verify digest -> detect compression -> (de)compress as the destination wants -> put_blob.
The manifest is rewritten only when blobs or the format changed, so an unchanged copy keeps
its digest; manifest_format forces the destination's format (OCI <-> Docker schema2, with the
config and layer media types to match). Any error closes the destination without commit, which
discards partial output. Source and destination may need different TLS and credentials (two
registries): the source is opened with ctx and the destination with dest_ctx.
"""

from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pypod.errors import IntegrityError, InvalidArgument, NotFound
from pypod.image import compression as comp
from pypod.image import manifest as mf
from pypod.image.types import (
    BlobInfo,
    Compression,
    ImageDestination,
    ImageRef,
    ImageSource,
    LayerContext,
    ProgressEvent,
    SystemContext,
)
from pypod.log import get_logger
from pypod.records import record, replace

log = get_logger(__name__)

DEFAULT_PARALLEL_COPIES = 6
MAX_CONFIG_SIZE = 16 << 20
_PROGRESS_STEP = 1 << 20


@record
class CopyResult:
    manifest: bytes
    media_type: str
    manifest_digest: str
    config_digest: str  # "" when a whole list was copied


@record
class _Options:
    dest_compression: str
    compression_level: int | None
    parallel: int
    manifest_format: str  # "" = keep the source's (converted only where the destination must)


def copy_image(
    src: ImageRef,
    dst: ImageRef,
    ctx: SystemContext,
    *,
    instance: str | None = None,
    all_instances: bool = False,
    remove_signatures: bool = True,
    dest_compression: str = "gzip",
    compression_level: int | None = None,
    parallel: int = DEFAULT_PARALLEL_COPIES,
    manifest_format: str = "",
    dest_ctx: SystemContext | None = None,
) -> CopyResult:
    """Copy one image (or with all_instances a whole manifest list) from src to dst.

    instance: the digest of the list entry to copy (default: the ctx platform's). Signatures
    are never copied (pypod does not handle them), whatever remove_signatures says.
    manifest_format: an image manifest media type (mf.OCI_MANIFEST or mf.DOCKER_MANIFEST) the
    destination gets whatever the source's is; a copied list becomes the matching list type.
    dest_ctx: the destination's context (TLS, credentials); ctx when None. Progress and the
    platform always come from ctx.
    """
    if dest_compression not in ("gzip", "zstd", "zstd:chunked"):
        raise InvalidArgument(f"unsupported compression format {dest_compression!r}")
    if manifest_format and manifest_format not in mf.IMAGE_TYPES:
        raise InvalidArgument(f"unsupported manifest format {manifest_format!r}")
    opts = _Options(
        dest_compression="zstd" if dest_compression.startswith("zstd") else "gzip",
        compression_level=compression_level,
        parallel=max(1, parallel),
        manifest_format=manifest_format,
    )
    source = src.new_source(ctx)
    try:
        raw, mt = source.get_manifest()
        mt = mt or mf.guess_media_type(raw)
        mf.check_supported(mt)
        if ctx.progress is not None:
            # the source answered: from here on a failure is the copy's, not the source's
            ctx.progress(ProgressEvent(kind="source"))  # type: ignore[operator]
        dest = dst.new_destination(dest_ctx or ctx)
        try:
            copier = _Copier(source, dest, ctx, opts)
            if mf.is_list(mt):
                result = copier.copy_list(raw, mt, instance, all_instances)
            else:
                result = copier.copy_single(raw, mt, None, top_level=True)
            dest.commit()
        finally:
            dest.close()
    finally:
        source.close()
    return result


class _Copier:
    def __init__(
        self, source: ImageSource, dest: ImageDestination, ctx: SystemContext, opts: _Options
    ) -> None:
        self.source, self.dest, self.ctx, self.opts = source, dest, ctx, opts

    def emit(self, kind: str, digest: str = "", offset: int = 0, total: int = -1) -> None:
        if self.ctx.progress is not None:
            self.ctx.progress(ProgressEvent(kind=kind, digest=digest, offset=offset, total=total))  # type: ignore[operator]

    # ------------------------------------------------------------------------ lists
    def copy_list(
        self, raw: bytes, mt: str, instance: str | None, all_instances: bool
    ) -> CopyResult:
        index = mf.parse_index(raw, mt)
        if not all_instances:
            if instance:
                entry = next((e for e in index.manifests if e.digest == instance), None)
                if entry is None:
                    raise NotFound(f"instance {instance} is not in the manifest list")
            else:
                entry = mf.choose_instance(index, self.ctx.os, self.ctx.arch, self.ctx.variant)
            note = getattr(self.dest, "note_manifest_list", None)
            if note is not None:
                note(raw, mt)  # lets local storage record the list digest too
            inst_raw, inst_mt = self.source.get_manifest(entry.digest)
            _check_digest(inst_raw, entry.digest)
            return self.copy_single(inst_raw, inst_mt, entry.digest, top_level=True)
        entries = []
        changed = False
        for entry in index.manifests:
            inst_raw, inst_mt = self.source.get_manifest(entry.digest)
            _check_digest(inst_raw, entry.digest)
            res = self.copy_single(inst_raw, inst_mt, entry.digest, top_level=False)
            changed = changed or res.manifest_digest != entry.digest
            entries.append(
                replace(
                    entry,
                    digest=res.manifest_digest,
                    size=len(res.manifest),
                    media_type=res.media_type,
                )
            )
        target = _pick_type(mt, self.dest.supported_manifest_types(), mf.LIST_TYPES)
        if self.opts.manifest_format:
            forced = (
                mf.DOCKER_LIST if self.opts.manifest_format == mf.DOCKER_MANIFEST else mf.OCI_INDEX
            )
            target = _forced(forced, self.dest.supported_manifest_types())
            changed = changed or target != mt
        new_index = mf.convert_index(
            mf.Index(media_type=mt, manifests=tuple(entries), annotations=index.annotations),
            target,
        )
        out = raw if not changed and target == mt else new_index.to_bytes()
        self.dest.put_manifest(out, target, None)
        self.emit("manifest", mf.manifest_digest(out))
        return CopyResult(
            manifest=out,
            media_type=target,
            manifest_digest=mf.manifest_digest(out),
            config_digest="",
        )

    # ------------------------------------------------------------------------ images
    def copy_single(
        self, raw: bytes, mt: str, instance: str | None, *, top_level: bool
    ) -> CopyResult:
        m = mf.parse_manifest(raw, mt)
        target = _pick_type(m.media_type, self.dest.supported_manifest_types(), mf.IMAGE_TYPES)
        if self.opts.manifest_format:
            target = _forced(self.opts.manifest_format, self.dest.supported_manifest_types())
        layers = self.source.layer_infos_for_copy(instance) or list(m.layers)
        if self.opts.manifest_format and target != m.media_type:
            # a destination that stores uncompressed layers (docker-archive) converts anything
            keeps = self.dest.desired_layer_compression != Compression.DECOMPRESS
            _check_convertible(m.config, layers if keeps else [], target)
        config = self._copy_config(m.config)
        diff_ids = _diff_ids(config)
        if target == mf.DOCKER_MANIFEST and self.opts.dest_compression == "zstd":
            self.opts = replace(self.opts, dest_compression="gzip")  # schema2 has no zstd
        jobs = list(enumerate(layers))
        if self.dest.supports_concurrent_blobs and len(jobs) > 1 and self.opts.parallel > 1:
            with ThreadPoolExecutor(max_workers=min(self.opts.parallel, len(jobs))) as pool:
                copied = list(pool.map(lambda j: self._copy_layer(j[0], j[1], diff_ids), jobs))
        else:
            copied = [self._copy_layer(i, info, diff_ids) for i, info in jobs]
        changed = target != m.media_type or any(c[1] for c in copied) or layers != list(m.layers)
        if changed:
            new_layers = tuple(
                _layer_in_flavor(info, target, new_comp if was_changed else None)
                for info, was_changed, new_comp in copied
            )
            cfg_type = mf.DOCKER_CONFIG if target == mf.DOCKER_MANIFEST else mf.OCI_CONFIG
            if m.config.media_type not in (mf.DOCKER_CONFIG, mf.OCI_CONFIG):
                cfg_type = m.config.media_type  # an artifact's own config type stays (OCI only)
            new = mf.Manifest(
                media_type=target,
                config=replace(m.config, media_type=cfg_type),
                layers=new_layers,
                annotations=m.annotations if target == mf.OCI_MANIFEST else {},
                subject=m.subject if target == mf.OCI_MANIFEST else None,
            )
            out = new.to_bytes()
        else:
            out = raw
        digest = mf.manifest_digest(out)
        self.dest.put_manifest(out, target, None if top_level else digest)
        self.emit("manifest", digest)
        return CopyResult(
            manifest=out, media_type=target, manifest_digest=digest, config_digest=m.config.digest
        )

    def _copy_config(self, info: BlobInfo) -> bytes:
        data = _read_config(self.source, info)
        self.emit("config", info.digest, len(data), len(data))
        if self.dest.try_reusing_blob(info) is None:
            self.dest.put_blob(io.BytesIO(data), info, is_config=True, layer=None)
        return data

    def _copy_layer(
        self, index: int, info: BlobInfo, diff_ids: tuple[str, ...]
    ) -> tuple[BlobInfo, bool, str]:
        """(stored blob, whether its bytes differ from the source's, its compression)."""
        declared = mf.layer_compression(info.media_type)
        if info.urls and not self.dest.accepts_foreign_layers:
            return info, False, declared  # foreign layers stay where their urls point
        reused = self._try_reuse(info, declared)
        if reused is not None:
            self.emit("skipped", info.digest, total=info.size)
            return reused
        stream, size = self.source.get_blob(info)
        total = info.size if info.size >= 0 else size
        self.emit("start", info.digest, total=total)
        try:
            stored, new_comp = self._stream_layer(stream, index, info, total, diff_ids)
        finally:
            stream.close()
        self.emit("done", info.digest, offset=total, total=total)
        changed = stored.digest != info.digest or new_comp != declared
        if changed and new_comp in ("gzip", "zstd") and declared == "none":
            _remember_compressed(info.digest, new_comp, stored)
        return stored, changed, new_comp

    def _try_reuse(self, info: BlobInfo, declared: str) -> tuple[BlobInfo, bool, str] | None:
        """A blob the destination already has: the same one, or (for a destination that wants
        compression) the compressed form this process made of an uncompressed source layer.
        An uncompressed blob is never reused where compression is wanted."""
        if self.dest.desired_layer_compression == Compression.COMPRESS and declared == "none":
            known = _compressed_of(info.digest, self.opts.dest_compression)
            if known is None or self.dest.try_reusing_blob(known) is None:
                return None
            return known, True, self.opts.dest_compression
        reused = self.dest.try_reusing_blob(info)
        if reused is None:
            return None
        return replace(info, size=reused.size if reused.size >= 0 else info.size), False, declared

    def _stream_layer(
        self, stream: Any, index: int, info: BlobInfo, total: int, diff_ids: tuple[str, ...]
    ) -> tuple[BlobInfo, str]:
        last = [0]

        def on_bytes(n: int) -> None:
            if n - last[0] >= _PROGRESS_STEP or n == total:
                last[0] = n
                self.emit("bytes", info.digest, offset=n, total=total)

        verified = comp.DigestingReader(stream, info.digest, total, on_bytes=on_bytes)
        found, peek = comp.detect_stream(verified)
        want = self.dest.desired_layer_compression
        out: Any = peek
        out_info = info
        new_comp = found
        diff_id = diff_ids[index] if index < len(diff_ids) else ""
        if want == Compression.COMPRESS and found == "none":
            new_comp = self.opts.dest_compression
            out = comp.compressed(peek, new_comp, self.opts.compression_level)
            out_info = BlobInfo(digest="", size=-1, media_type=info.media_type)
        elif want == Compression.DECOMPRESS and found != "none":
            new_comp = "none"
            # The uncompressed stream must hash to the config's diff_id.
            out = comp.DigestingReader(comp.decompressed(peek, found), diff_id)
            out_info = BlobInfo(digest=diff_id, size=-1, media_type=info.media_type)
        layer = LayerContext(index=index, diff_ids=diff_ids)
        stored = self.dest.put_blob(out, out_info, is_config=False, layer=layer)
        verified.drain()  # the source digest is checked even if the destination stopped early
        return stored, new_comp


# (uncompressed digest, algorithm) -> the compressed blob made from it in this process, so a
# second push of the same uncompressed layer reuses the first one's upload (containers/image
# keeps this in its persistent blob info cache).
_COMPRESSED: dict[tuple[str, str], BlobInfo] = {}
_COMPRESSED_LOCK = threading.Lock()


def _remember_compressed(digest: str, algorithm: str, stored: BlobInfo) -> None:
    with _COMPRESSED_LOCK:
        _COMPRESSED[(digest, algorithm)] = stored


def _compressed_of(digest: str, algorithm: str) -> BlobInfo | None:
    with _COMPRESSED_LOCK:
        return _COMPRESSED.get((digest, algorithm))


def _check_digest(raw: bytes, digest: str) -> None:
    if digest.startswith("sha256:") and mf.manifest_digest(raw) != digest:
        raise IntegrityError(f"manifest {digest} does not match its digest")


def _pick_type(current: str, supported: list[str], family: tuple[str, ...]) -> str:
    if not supported or current in supported:
        return current
    for t in supported:
        if t in family:
            return t
    raise InvalidArgument(
        f"the destination accepts none of the manifest types we can produce from {current!r}"
    )


def _forced(target: str, supported: list[str]) -> str:
    if supported and target not in supported:
        raise InvalidArgument(f"the destination does not accept manifest type {target!r}")
    return target


def _check_convertible(config: BlobInfo, layers: list[BlobInfo], target: str) -> None:
    """Docker schema2 has no media types for zstd layers or for an artifact's own config."""
    if target != mf.DOCKER_MANIFEST:
        return
    if config.media_type not in (mf.DOCKER_CONFIG, mf.OCI_CONFIG):
        raise InvalidArgument(
            f"cannot convert an artifact (config {config.media_type}) to Docker schema2"
        )
    for layer in layers:
        if mf.layer_compression(layer.media_type) == "zstd":
            raise InvalidArgument(
                f"cannot convert zstd-compressed layer {layer.digest} to Docker schema2"
            )


def _layer_in_flavor(info: BlobInfo, target: str, new_comp: str | None) -> BlobInfo:
    """The layer's descriptor in the target manifest's vocabulary."""
    foreign = mf.is_foreign(info.media_type)
    if new_comp is not None:
        media_type = mf.layer_media_type(target, new_comp, foreign=foreign)
    else:
        compression = mf.layer_compression(info.media_type)
        media_type = mf.layer_media_type(target, compression, foreign=foreign)
    annotations = info.annotations if target == mf.OCI_MANIFEST else {}
    return BlobInfo(
        digest=info.digest,
        size=info.size,
        media_type=media_type,
        annotations=annotations,
        urls=info.urls,
    )


def _diff_ids(config: bytes) -> tuple[str, ...]:
    try:
        doc = json.loads(config)
        return tuple((doc.get("rootfs") or {}).get("diff_ids") or ())
    except (ValueError, AttributeError):
        return ()  # not an image config (an artifact): no diff_ids to check against


# ------------------------------------------------------------------------------ inspection
def _open_image(src: ImageRef, ctx: SystemContext) -> tuple[ImageSource, bytes, str, mf.Manifest]:
    """The source, its top-level manifest and media type, and the chosen image's manifest."""
    source = src.new_source(ctx)
    try:
        raw, mt = source.get_manifest()
        mt = mt or mf.guess_media_type(raw)
        mf.check_supported(mt)
        inst_raw, inst_mt = raw, mt
        if mf.is_list(mt):
            entry = mf.choose_instance(mf.parse_index(raw, mt), ctx.os, ctx.arch, ctx.variant)
            inst_raw, inst_mt = source.get_manifest(entry.digest)
            _check_digest(inst_raw, entry.digest)
        return source, raw, mt, mf.parse_manifest(inst_raw, inst_mt)
    except BaseException:
        source.close()
        raise


def _read_config(source: ImageSource, info: BlobInfo) -> bytes:
    stream, _ = source.get_blob(info)
    try:
        reader = comp.DigestingReader(stream, info.digest, info.size)
        data = reader.read(MAX_CONFIG_SIZE + 1)
        if len(data) > MAX_CONFIG_SIZE:
            raise IntegrityError(f"config blob {info.digest} is too large")
        reader.drain()
    finally:
        stream.close()
    return data


def inspect_raw(src: ImageRef, ctx: SystemContext, *, config: bool = False) -> bytes:
    """The top-level manifest as stored (skopeo inspect --raw), or with config=True the chosen
    instance's config blob (--config --raw)."""
    source, raw, _, m = _open_image(src, ctx)
    try:
        return _read_config(source, m.config) if config else raw
    finally:
        source.close()


def inspect_remote(src: ImageRef, ctx: SystemContext) -> dict[str, Any]:
    """skopeo-inspect style facts about an image that is not pulled."""
    source, raw, _, m = _open_image(src, ctx)
    try:
        cfg = json.loads(_read_config(source, m.config))
        tags_of = getattr(source, "tags", None)
        repo_tags = tags_of() if tags_of is not None else []
    finally:
        source.close()
    inner = cfg.get("config") or {}
    out: dict[str, Any] = {
        "Name": getattr(src, "name", ""),
        "Digest": mf.manifest_digest(raw),
        "RepoTags": repo_tags,
        "Created": cfg.get("created"),
        "DockerVersion": cfg.get("docker_version", ""),
        "Labels": inner.get("Labels"),
        "Architecture": cfg.get("architecture", ""),
        "Os": cfg.get("os", ""),
    }
    if cfg.get("variant"):
        out["Variant"] = cfg["variant"]
    out["Layers"] = [layer.digest for layer in m.layers]
    out["LayersData"] = [
        {
            "MIMEType": layer.media_type,
            "Digest": layer.digest,
            "Size": layer.size,
            "Annotations": layer.annotations or None,
        }
        for layer in m.layers
    ]
    out["Env"] = inner.get("Env")
    return out
