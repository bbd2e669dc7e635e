"""The Store: the one entry point to layers and images on disk.

Concurrency: SQLite (WAL) holds the records; an fcntl lock per layer id makes sure a layer is
extracted once even when two processes pull it at the same time; records are inserted only
after their files are complete, so a reader never sees a half-written layer or image and a
kill -9 leaves at most an orphaned temporary directory, which the next open removes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import BinaryIO

from pypod.storage.types import Image, Layer


class Store:
    """Open with Store.open(graph_root, run_root, driver, options, id_mappings)."""

    graph_root: str
    run_root: str
    driver_name: str

    @classmethod
    def open(
        cls,
        graph_root: str,
        run_root: str,
        driver: str = "",
        options: tuple[str, ...] = (),
        rootless: bool = False,
    ) -> Store:
        """driver "" = overlay when it works here (native, else fuse-overlayfs rootless), else vfs."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # layers ---------------------------------------------------------------------------------
    def layer(self, layer_id: str) -> Layer:
        """Raises LayerNotFound."""
        raise NotImplementedError

    def layers(self) -> list[Layer]:
        raise NotImplementedError

    def has_layer(self, layer_id: str) -> bool:
        raise NotImplementedError

    def put_layer(
        self,
        layer_id: str,
        parent: str | None,
        tar_stream: BinaryIO,
        *,
        diff_digest: str | None = None,
        compressed_digest: str | None = None,
        compressed_size: int | None = None,
    ) -> Layer:
        """Extract an uncompressed tar stream as a new layer (idempotent: an existing layer is
        returned and the stream drained). When diff_digest is given the stream must hash to it
        or IntegrityError is raised and nothing is kept. Safe to call from several threads and
        processes at once for different or identical layers."""
        raise NotImplementedError

    def diff(self, layer_id: str) -> BinaryIO:
        """The layer's uncompressed tar, byte for byte the stream it was created from."""
        raise NotImplementedError

    def layer_path(self, layer_id: str) -> str:
        """The directory holding the layer's own files (overlay 'diff', vfs full tree)."""
        raise NotImplementedError

    # images ---------------------------------------------------------------------------------
    def images(self) -> list[Image]:
        raise NotImplementedError

    def image(self, image_id: str) -> Image:
        """Exact full id. Raises ImageNotFound."""
        raise NotImplementedError

    def lookup_image(self, key: str) -> Image:
        """By full name ("docker.io/library/x:tag"), name@digest, full id or unique id prefix
        (>= 3 chars). Raises ImageNotFound (also for an ambiguous prefix, with a clear message)."""
        raise NotImplementedError

    def create_image(
        self,
        image_id: str,
        top_layer: str | None,
        *,
        names: tuple[str, ...] = (),
        manifests: dict[str, bytes],  # digest -> raw manifest (instance and list)
        manifest_digest: str,
        config: bytes,
        created: float = 0.0,
        metadata: dict[str, str] | None = None,
    ) -> Image:
        """Create (or, for an existing id, update: add names and manifests) an image record.
        Names move from any image that held them (as a new pull of a tag does)."""
        raise NotImplementedError

    def image_config(self, image_id: str) -> bytes:
        raise NotImplementedError

    def image_manifest(self, image_id: str, digest: str | None = None) -> bytes:
        """The stored manifest (the image's own digest when None)."""
        raise NotImplementedError

    def add_names(self, image_id: str, names: tuple[str, ...]) -> Image:
        raise NotImplementedError

    def remove_names(self, image_id: str, names: tuple[str, ...]) -> Image:
        raise NotImplementedError

    def delete_image(self, image_id: str) -> list[str]:
        """Remove the record and every layer no other image or container uses; returns the
        ids of layers removed."""
        raise NotImplementedError

    def mount_image(self, image_id: str) -> str:
        """Mount the image's layers read-only (ref-counted in run_root); returns the path."""
        raise NotImplementedError

    def unmount_image(self, image_id: str, force: bool = False) -> bool:
        raise NotImplementedError

    def mounted_images(self) -> dict[str, str]:
        raise NotImplementedError

    def reading(self) -> AbstractContextManager[None]:
        """A consistent snapshot for several reads."""
        raise NotImplementedError

    def iter_layer_files(self, layer_id: str) -> Iterator[str]:
        raise NotImplementedError
