"""The OCI image layout (oci-layout, index.json, blobs/ALGO/HEX), read and written; shared by
oci: and oci-archive:, plus the atomic blob-file writer the file transports use."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from typing import BinaryIO

from pypod.errors import ImageNotFound, IntegrityError, InvalidArgument
from pypod.image import manifest as mf
from pypod.image.compression import DigestingReader
from pypod.image.types import BlobInfo, FileBlobDestination, ImageRef, LayerContext
from pypod.log import get_logger

log = get_logger(__name__)

LAYOUT_FILE = "oci-layout"
LAYOUT_VERSION = {"imageLayoutVersion": "1.0.0"}
INDEX_FILE = "index.json"
_COPY_CHUNK = 1 << 20


def write_file_atomic(path: str, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_blob_file(
    stream: BinaryIO, directory: str, expected: str, name_of=None
) -> tuple[str, int, str]:
    """Copy a stream into directory under its digest; (digest, size, path). The digest is
    computed (and checked against expected when given) before the file gets its name, so a
    reader never sees partial content."""
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-blob-")
    try:
        reader = DigestingReader(stream, expected)
        with os.fdopen(fd, "wb") as f:
            while chunk := reader.read(_COPY_CHUNK):
                f.write(chunk)
        digest = reader.digest
        name = name_of(digest) if name_of else digest.split(":", 1)[1]
        path = os.path.join(directory, name)
        os.replace(tmp, path)
        return digest, reader.size, path
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _blob_path(root: str, digest: str) -> str:
    algo, _, hexd = digest.partition(":")
    if not hexd or "/" in hexd or "/" in algo:
        raise IntegrityError(f"invalid digest {digest!r}")
    return os.path.join(root, "blobs", algo, hexd)


def read_index(root: str) -> mf.Index:
    path = os.path.join(root, INDEX_FILE)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError as exc:
        raise ImageNotFound(f"{root} is not an OCI image layout: no {INDEX_FILE}") from exc
    return mf.parse_index(raw, mf.OCI_INDEX)


class LayoutSource:
    """Reads one image (or index) of a layout, chosen by its ref.name annotation."""

    def __init__(self, ref: ImageRef, root: str, image: str) -> None:
        self._ref = ref
        self.root = root
        self.entry = self._find(image)

    def _find(self, image: str) -> mf.IndexEntry:
        index = read_index(self.root)
        if not image:
            if len(index.manifests) == 1:
                return index.manifests[0]
            raise InvalidArgument(
                f"{self.root}: the layout holds {len(index.manifests)} images; name one"
                " with PATH:REFERENCE"
            )
        for entry in index.manifests:
            if entry.annotations.get(mf.REF_NAME_ANNOTATION) == image:
                return entry
        if image.startswith("sha256:"):
            for entry in index.manifests:
                if entry.digest == image:
                    return entry
        raise ImageNotFound(f"no descriptor found for reference {image!r} in {self.root}")

    @property
    def reference(self) -> ImageRef:
        return self._ref

    def get_manifest(self, instance_digest: str | None = None) -> tuple[bytes, str]:
        digest = instance_digest or self.entry.digest
        with open(_blob_path(self.root, digest), "rb") as f:
            raw = f.read()
        mt = "" if instance_digest else self.entry.media_type
        return raw, mt or mf.guess_media_type(raw)

    def get_blob(self, info: BlobInfo) -> tuple[BinaryIO, int]:
        path = _blob_path(self.root, info.digest)
        try:
            f = open(path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError as exc:
            raise ImageNotFound(f"blob {info.digest} is missing from {self.root}") from exc
        return f, os.fstat(f.fileno()).st_size

    def layer_infos_for_copy(self, instance_digest: str | None = None) -> list[BlobInfo] | None:
        return None

    def close(self) -> None:
        pass


class LayoutDestination(FileBlobDestination):
    """Writes blobs straight into blobs/; commit() adds the image to index.json (replacing an
    image with the same ref name). Blobs written by an uncommitted copy are removed."""

    def __init__(self, ref: ImageRef, root: str, image: str) -> None:
        self._ref = ref
        self.root = root
        self.image = image
        self._created_root = not os.path.exists(root)
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
        layout = os.path.join(root, LAYOUT_FILE)
        if not os.path.exists(layout):
            write_file_atomic(layout, json.dumps(LAYOUT_VERSION).encode())
        self._new_blobs: list[str] = []
        self._top: mf.IndexEntry | None = None
        self._committed = False

    @property
    def reference(self) -> ImageRef:
        return self._ref

    def supported_manifest_types(self) -> list[str]:
        return [mf.OCI_MANIFEST, mf.OCI_INDEX]

    def try_reusing_blob(self, info: BlobInfo) -> BlobInfo | None:
        if not info.digest:
            return None
        try:
            size = os.stat(_blob_path(self.root, info.digest)).st_size
        except FileNotFoundError:
            return None
        return BlobInfo(digest=info.digest, size=size, media_type=info.media_type)

    def put_blob(
        self, stream: BinaryIO, info: BlobInfo, *, is_config: bool, layer: LayerContext | None
    ) -> BlobInfo:
        algo = info.digest.split(":", 1)[0] if info.digest else "sha256"
        directory = os.path.join(self.root, "blobs", algo)
        existed = info.digest and os.path.exists(_blob_path(self.root, info.digest))
        digest, size, path = write_blob_file(stream, directory, info.digest)
        if not existed:
            self._new_blobs.append(path)
        return BlobInfo(digest=digest, size=size, media_type=info.media_type)

    def put_manifest(self, raw: bytes, media_type: str, instance_digest: str | None = None) -> None:
        digest = mf.manifest_digest(raw)
        path = _blob_path(self.root, digest)
        if not os.path.exists(path):
            write_file_atomic(path, raw)
            self._new_blobs.append(path)
        if instance_digest is None:
            self._top = mf.IndexEntry(digest=digest, size=len(raw), media_type=media_type)

    def commit(self) -> None:
        if self._top is None:
            raise InvalidArgument("commit without a manifest")
        try:
            entries = list(read_index(self.root).manifests)
        except ImageNotFound:
            entries = []
        annotations = {}
        if self.image:
            annotations[mf.REF_NAME_ANNOTATION] = self.image
            entries = [
                e for e in entries if e.annotations.get(mf.REF_NAME_ANNOTATION) != self.image
            ]
        else:
            entries = [e for e in entries if e.digest != self._top.digest]
        top = self._top
        entries.append(
            mf.IndexEntry(
                digest=top.digest,
                size=top.size,
                media_type=top.media_type,
                annotations=annotations,
            )
        )
        index = mf.Index(media_type=mf.OCI_INDEX, manifests=tuple(entries))
        write_file_atomic(os.path.join(self.root, INDEX_FILE), index.to_bytes())
        self._committed = True

    def close(self) -> None:
        if self._committed:
            return
        if self._created_root:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        for path in self._new_blobs:
            with contextlib.suppress(OSError):
                os.unlink(path)
