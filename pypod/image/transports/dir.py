"""dir:PATH: skopeo's directory format.

PATH/version holds "Directory Transport Version: 1.1"; PATH/manifest.json the top-level
manifest; blobs (config and layers) are files named by the digest's hex; the manifests of a
list's instances are HEX.manifest.json.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import BinaryIO

from pypod.errors import ImageNotFound, InvalidArgument, InvalidReference
from pypod.image import manifest as mf
from pypod.image.transports.layout_common import write_blob_file, write_file_atomic
from pypod.image.types import (
    BlobInfo,
    FileBlobDestination,
    ImageDestination,
    ImageSource,
    LayerContext,
    SystemContext,
)
from pypod.records import record

TRANSPORT = "dir"
VERSION = "Directory Transport Version: 1.1\n"


def _hex(digest: str) -> str:
    algo, _, hexd = digest.partition(":")
    if not hexd or "/" in hexd:
        raise InvalidArgument(f"invalid digest {digest!r}")
    return hexd if algo == "sha256" else f"{algo}-{hexd}"


def _manifest_name(instance_digest: str | None) -> str:
    return f"{_hex(instance_digest)}.manifest.json" if instance_digest else "manifest.json"


@record
class DirRef:
    path: str

    @property
    def transport(self) -> str:
        return TRANSPORT

    def string_within_transport(self) -> str:
        return self.path

    def __str__(self) -> str:
        return f"{TRANSPORT}:{self.path}"

    def new_source(self, ctx: SystemContext) -> ImageSource:
        return DirSource(self)

    def new_destination(self, ctx: SystemContext) -> ImageDestination:
        return DirDestination(self)


def parse_reference(s: str) -> DirRef:
    if not s:
        raise InvalidReference("invalid dir reference: no path")
    return DirRef(path=os.path.abspath(s))


class DirSource:
    def __init__(self, ref: DirRef) -> None:
        self._ref = ref
        if not os.path.isfile(os.path.join(ref.path, "manifest.json")):
            raise ImageNotFound(f"{ref.path} holds no image: no manifest.json")

    @property
    def reference(self) -> DirRef:
        return self._ref

    def get_manifest(self, instance_digest: str | None = None) -> tuple[bytes, str]:
        with open(os.path.join(self._ref.path, _manifest_name(instance_digest)), "rb") as f:
            raw = f.read()
        return raw, mf.guess_media_type(raw)

    def get_blob(self, info: BlobInfo) -> tuple[BinaryIO, int]:
        try:
            f = open(os.path.join(self._ref.path, _hex(info.digest)), "rb")  # noqa: SIM115
        except FileNotFoundError as exc:
            raise ImageNotFound(f"blob {info.digest} is missing from {self._ref.path}") from exc
        return f, os.fstat(f.fileno()).st_size

    def layer_infos_for_copy(self, instance_digest: str | None = None) -> list[BlobInfo] | None:
        return None

    def close(self) -> None:
        pass


class DirDestination(FileBlobDestination):
    def __init__(self, ref: DirRef) -> None:
        self._ref = ref
        path = ref.path
        if os.path.isdir(path) and os.listdir(path):
            if not os.path.isfile(os.path.join(path, "version")):
                raise InvalidArgument(
                    f"{path} is not empty and not a dir: image; refusing to overwrite it"
                )
            # Replacing an earlier dir: image, as skopeo does.
            for name in os.listdir(path):
                full = os.path.join(path, name)
                if os.path.isdir(full) and not os.path.islink(full):
                    shutil.rmtree(full)
                else:
                    os.unlink(full)
        os.makedirs(path, exist_ok=True)
        write_file_atomic(os.path.join(path, "version"), VERSION.encode())

    @property
    def reference(self) -> DirRef:
        return self._ref

    def supported_manifest_types(self) -> list[str]:
        return []

    def try_reusing_blob(self, info: BlobInfo) -> BlobInfo | None:
        if not info.digest:
            return None
        with contextlib.suppress(FileNotFoundError):
            size = os.stat(os.path.join(self._ref.path, _hex(info.digest))).st_size
            return BlobInfo(digest=info.digest, size=size, media_type=info.media_type)
        return None

    def put_blob(
        self, stream: BinaryIO, info: BlobInfo, *, is_config: bool, layer: LayerContext | None
    ) -> BlobInfo:
        digest, size, _ = write_blob_file(stream, self._ref.path, info.digest, name_of=_hex)
        return BlobInfo(digest=digest, size=size, media_type=info.media_type)

    def put_manifest(self, raw: bytes, media_type: str, instance_digest: str | None = None) -> None:
        write_file_atomic(os.path.join(self._ref.path, _manifest_name(instance_digest)), raw)

    def commit(self) -> None:
        pass

    def close(self) -> None:
        pass
