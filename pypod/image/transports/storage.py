"""containers-storage:[[driver@graphroot+runroot]]NAME|@ID — pypod's local image store.

Destination: layers are extracted straight into the Store as they arrive (in parallel when
the driver can apply a layer before its parent; vfs spools out-of-order layers and applies
them in order at commit). It asks the pipeline to PRESERVE compression and decompresses
itself: the pipeline then keeps the registry's manifest byte for byte (so the image digest
is the registry's), and the compressed digest is known here, which lets a later pull
recognise an already-stored blob (Store.blob_diff_digest) and skip its download.

Source: hands out the stored manifest and uncompressed layer diffs replayed by tar-split.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from typing import TYPE_CHECKING, Any, BinaryIO

from pypod.errors import ImageNotFound, IntegrityError, InvalidArgument, InvalidReference
from pypod.image import manifest as mf
from pypod.image.types import (
    BlobInfo,
    Compression,
    ImageDestination,
    ImageSource,
    LayerContext,
    SystemContext,
)
from pypod.log import get_logger
from pypod.records import record

if TYPE_CHECKING:
    from pypod.storage.store import Store

log = get_logger(__name__)

TRANSPORT = "containers-storage"
_ID = re.compile(r"[0-9a-f]{64}")
_LAYER_TYPES = frozenset(
    {
        mf.OCI_LAYER,
        mf.OCI_LAYER_GZIP,
        mf.OCI_LAYER_ZSTD,
        mf.OCI_LAYER_ND,
        mf.OCI_LAYER_ND_GZIP,
        mf.OCI_LAYER_ND_ZSTD,
        mf.DOCKER_LAYER,
        mf.DOCKER_LAYER_GZIP,
        mf.DOCKER_FOREIGN_GZIP,
    }
)


@record
class StorageRef:
    store: Any = None  # a Store; None: taken from SystemContext.store (or opened from spec)
    name: str | None = None
    image_id: str | None = None
    store_spec: tuple[str, str, str] | None = None  # (driver, graph_root, run_root)

    @property
    def transport(self) -> str:
        return TRANSPORT

    def string_within_transport(self) -> str:
        spec = ""
        if self.store_spec:
            driver, graph, run = self.store_spec
            spec = f"[{driver + '@' if driver else ''}{graph}+{run}]"
        if self.name and self.image_id:
            return f"{spec}{self.name}@{self.image_id}"
        return spec + (self.name or (f"@{self.image_id}" if self.image_id else ""))

    def __str__(self) -> str:
        return f"{TRANSPORT}:{self.string_within_transport()}"

    def open_store(self, ctx: SystemContext | None) -> Store:
        if self.store is not None:
            return self.store  # type: ignore[no-any-return]
        if ctx is not None and ctx.store is not None:
            return ctx.store  # type: ignore[return-value]
        if self.store_spec:
            from pypod.storage.store import Store

            driver, graph, run = self.store_spec
            return Store.open(graph, run, driver)
        raise InvalidArgument("containers-storage: no store available (SystemContext.store)")

    def new_source(self, ctx: SystemContext) -> ImageSource:
        return StorageSource(self, self.open_store(ctx))

    def new_destination(self, ctx: SystemContext) -> ImageDestination:
        return StorageDestination(self, self.open_store(ctx))


def _split_spec(s: str) -> tuple[tuple[str, str, str] | None, str]:
    if not s.startswith("["):
        return None, s
    end = s.find("]")
    if end < 0:
        raise InvalidReference(f"invalid containers-storage reference {s!r}: missing ]")
    inner, rest = s[1:end], s[end + 1 :]
    driver, _, roots = inner.rpartition("@")
    graph, _, run = roots.partition("+")
    if not graph.startswith("/"):
        raise InvalidReference(f"invalid containers-storage store spec [{inner}]")
    return (driver, graph, run or graph + "-run"), rest


def parse_reference(s: str, store: Store | None = None) -> StorageRef:
    """NAME (normalised: "busybox" -> docker.io/library/busybox:latest), @ID, NAME@ID, ID."""
    spec, rest = _split_spec(s)
    name: str | None = rest
    image_id: str | None = None
    if rest.startswith("@"):
        name, image_id = None, rest[1:]
    elif _ID.fullmatch(rest.removeprefix("sha256:")):
        name, image_id = None, rest.removeprefix("sha256:")
    elif "@" in rest and _ID.fullmatch(rest.rpartition("@")[2]):
        name, _, image_id = rest.rpartition("@")
    if image_id is not None and not _ID.fullmatch(image_id):
        raise InvalidReference(f"invalid image id {image_id!r} in containers-storage reference")
    if name:
        from pypod.image.reference import normalize

        name = normalize(name)
    return StorageRef(store=store, name=name or None, image_id=image_id, store_spec=spec)


def _resolve(ref: StorageRef, store: Store) -> str:
    if ref.image_id:
        return store.image(ref.image_id).id
    if ref.name:
        return store.lookup_image(ref.name).id
    raise ImageNotFound("containers-storage: no image named")


class StorageSource:
    def __init__(self, ref: StorageRef, store: Store) -> None:
        self._ref = ref
        self._store = store
        self._id = _resolve(ref, store)
        self._config = store.image_config(self._id)
        self._config_digest = "sha256:" + hashlib.sha256(self._config).hexdigest()
        image = store.image(self._id)
        self._layers = list(reversed(store.layer_chain(image.top_layer)))  # base first

    @property
    def reference(self) -> StorageRef:
        return self._ref

    def _instance_manifest(self) -> bytes:
        """The single-image manifest whose config is this image's (not a list)."""
        manifests = self._store.image_manifests(self._id)
        for raw in manifests.values():
            try:
                doc = json.loads(raw)
            except ValueError:
                continue
            if (doc.get("config") or {}).get("digest") == self._config_digest:
                return raw
        return self._store.image_manifest(self._id)

    def get_manifest(self, instance_digest: str | None = None) -> tuple[bytes, str]:
        if instance_digest:
            raw = self._store.image_manifest(self._id, instance_digest)
        else:
            raw = self._instance_manifest()
        return raw, mf.guess_media_type(raw)

    def get_blob(self, info: BlobInfo) -> tuple[BinaryIO, int]:
        import io

        if info.digest == self._config_digest:
            return io.BytesIO(self._config), len(self._config)
        for layer in self._layers:
            if info.digest in (layer.diff_digest, layer.compressed_digest):
                return self._store.diff(layer.id), layer.diff_size
        raise ImageNotFound(f"blob {info.digest} is not part of image {self._id}")

    def layer_infos_for_copy(self, instance_digest: str | None = None) -> list[BlobInfo] | None:
        _, media_type = self.get_manifest(instance_digest)
        layer_type = mf.DOCKER_LAYER if media_type == mf.DOCKER_MANIFEST else mf.OCI_LAYER
        return [
            BlobInfo(digest=layer.diff_digest, size=layer.diff_size, media_type=layer_type)
            for layer in self._layers
        ]

    def close(self) -> None:
        pass


class StorageDestination:
    def __init__(self, ref: StorageRef, store: Store) -> None:
        self._ref = ref
        self._store = store
        self._config: bytes | None = None
        self._diff_ids: tuple[str, ...] = ()
        self._chains: list[str] = []
        self._manifests: dict[str, bytes] = {}
        self._top_digest = ""
        self._spool_dir: str | None = None
        self._spooled: dict[int, tuple[str, BlobInfo]] = {}
        self._committed = False
        from pypod.storage.store import new_hold

        # every layer this write stores or reuses is held under this name until close()
        self._hold = new_hold()

    @property
    def reference(self) -> StorageRef:
        return self._ref

    def supported_manifest_types(self) -> list[str]:
        return []

    @property
    def desired_layer_compression(self) -> Compression:
        return Compression.PRESERVE  # we decompress ourselves; see the module docstring

    @property
    def supports_concurrent_blobs(self) -> bool:
        return bool(self._store.driver.supports_parallel_apply)

    @property
    def accepts_foreign_layers(self) -> bool:
        return True

    def _set_config(self, data: bytes) -> None:
        from pypod.storage.db import chain_ids

        self._config = data
        try:
            doc = json.loads(data)
            self._diff_ids = tuple((doc.get("rootfs") or {}).get("diff_ids") or ())
        except (ValueError, AttributeError):
            self._diff_ids = ()
        self._chains = chain_ids(self._diff_ids)

    def _index_of(self, info: BlobInfo, layer: LayerContext | None) -> int | None:
        if layer is not None:
            return layer.index
        diff = info.digest if info.digest in self._diff_ids else None
        diff = diff or self._store.blob_diff_digest(info.digest)
        if diff is None or diff not in self._diff_ids:
            return None
        return self._diff_ids.index(diff)

    def try_reusing_blob(
        self, info: BlobInfo, layer: LayerContext | None = None
    ) -> BlobInfo | None:
        if self._config is None or not info.digest:
            return None  # the config itself, or layers before it: nothing to match against
        if info.digest == "sha256:" + hashlib.sha256(self._config).hexdigest():
            return BlobInfo(digest=info.digest, size=len(self._config), media_type=info.media_type)
        index = self._index_of(info, layer)
        if index is None or index >= len(self._chains):
            return None
        diff = self._diff_ids[index]
        positions = [i for i, d in enumerate(self._diff_ids) if d == diff]
        if layer is not None:
            positions = [index]
        if all(self._store.hold_layer(self._chains[i], self._hold) for i in positions):
            return BlobInfo(digest=info.digest, size=info.size, media_type=info.media_type)
        return None

    def put_blob(
        self, stream: BinaryIO, info: BlobInfo, *, is_config: bool, layer: LayerContext | None
    ) -> BlobInfo:
        if is_config:
            data = stream.read()
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            if info.digest and info.digest != digest:
                raise IntegrityError(f"config digest {digest} != {info.digest}")
            self._set_config(data)
            return BlobInfo(digest=digest, size=len(data), media_type=info.media_type)
        if layer is not None and layer.diff_ids and not self._diff_ids:
            from pypod.storage.db import chain_ids

            self._diff_ids = layer.diff_ids
            self._chains = chain_ids(layer.diff_ids)
        if info.media_type and info.media_type not in _LAYER_TYPES:
            # Podman refuses what it cannot interpret rather than guessing it is a tar
            raise InvalidArgument(f"unsupported layer media type {info.media_type!r}")
        if layer is not None and layer.empty_layer:
            while stream.read(1 << 20):
                pass
            return info
        index = self._index_of(info, layer)
        if index is None or index >= len(self._chains):
            raise IntegrityError(f"layer {info.digest} is not one of the config's diff_ids")
        self._put_layer(index, stream, info)
        return BlobInfo(digest=info.digest, size=info.size, media_type=info.media_type)

    def _put_layer(self, index: int, stream: BinaryIO, info: BlobInfo) -> None:
        from pypod.image import compression as comp

        algo, peek = comp.detect_stream(stream)
        plain = comp.decompressed(peek, algo) if algo != "none" else peek
        chain = self._chains[index]
        parent = self._chains[index - 1] if index else None
        store = self._store
        if store.hold_layer(chain, self._hold):
            while plain.read(1 << 20):  # idempotent: still consume (the pipeline verifies)
                pass
            return
        if parent is None or store.driver.supports_parallel_apply or store.has_layer(parent):
            store.put_layer(
                chain,
                parent,
                plain,
                diff_digest=self._diff_ids[index],
                compressed_digest=info.digest if algo != "none" else None,
                compressed_size=info.size if algo != "none" and info.size >= 0 else None,
                hold=self._hold,
            )
            return
        # vfs and the parent is not there yet: keep the plain tar until commit
        if self._spool_dir is None:
            from pypod.storage import staging

            self._spool_dir = staging.new_staging(os.path.join(store.graph_root, "tmp"))
        path = os.path.join(self._spool_dir, f"layer-{index}.tar")
        with open(path, "wb") as f:
            shutil.copyfileobj(plain, f, 1 << 20)
        self._spooled[index] = (path, info)

    def put_manifest(self, raw: bytes, media_type: str, instance_digest: str | None = None) -> None:
        digest = mf.manifest_digest(raw)
        self._manifests[digest] = raw
        if instance_digest is None:
            self._top_digest = digest

    def commit(self) -> None:
        if self._config is None:
            raise InvalidArgument("containers-storage: commit without a config blob")
        for index in sorted(self._spooled):
            path, info = self._spooled[index]
            with open(path, "rb") as f:
                self._put_layer(index, f, info)
            os.unlink(path)
        self._spooled.clear()
        image_id = hashlib.sha256(self._config).hexdigest()
        self._store.create_image(
            image_id,
            self._chains[-1] if self._chains else None,
            names=(self._ref.name,) if self._ref.name else (),
            manifests=self._manifests or None,
            manifest_digest=self._top_digest,
            config=self._config,
        )
        self._committed = True

    @property
    def image_id(self) -> str | None:
        """The id of the committed image (after commit)."""
        return (
            hashlib.sha256(self._config).hexdigest() if self._committed and self._config else None
        )

    def close(self) -> None:
        # A write that never became an image takes its new layers with it (nothing half-done
        # stays behind after a failed pull or load); layers other images use stay.
        dropped = self._store.release_holds(self._hold, discard=not self._committed)
        if dropped:
            log.debug("removed %d layers of an uncommitted image", len(dropped))
        if self._spool_dir is not None:
            from pypod.storage import staging

            staging.remove_tree(self._spool_dir)
            self._spool_dir = None
