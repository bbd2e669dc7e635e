"""The Store: the one entry point to layers and images on disk.

Concurrency: SQLite (WAL) holds the records; an fcntl lock per layer id makes sure a layer is
extracted once even when two processes pull it at the same time; records are inserted only
after their files are complete, so a reader never sees a half-written layer or image and a
kill -9 leaves at most an orphaned temporary directory, which the next open removes.

Layout under graph_root: pypod.db, <driver>/ (layer files), layers/<id>/ (tar-split data),
tmp/<pid>-<random>/ (staging), locks/<id>.lock. Images (config, manifests) live in the DB.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import BinaryIO

from pypod.errors import IntegrityError, LayerNotFound, StorageError
from pypod.log import get_logger
from pypod.storage import db as dbm
from pypod.storage import images as imgs
from pypod.storage import staging
from pypod.storage.drivers import Driver, open_driver, parse_options
from pypod.storage.types import Image, Layer

log = get_logger(__name__)


HOLD_KIND = "write"

# Names and digests joined with newlines (which neither can contain), each image's size (its
# layer chain plus its config and manifests, as Podman counts) and the labels read by SQLite's
# json_extract: no query per image.
_LISTING = f"""
WITH RECURSIVE chain(image_id, layer_id) AS (
    SELECT id, top_layer FROM images WHERE top_layer IS NOT NULL
    UNION SELECT c.image_id, l.parent FROM layers l JOIN chain c ON l.id = c.layer_id
    WHERE l.parent IS NOT NULL)
SELECT {dbm.IMAGE_COLUMNS},
    (SELECT group_concat(name, char(10)) FROM
        (SELECT name FROM image_names WHERE image_id = images.id ORDER BY seq)),
    (SELECT group_concat(digest, char(10)) FROM
        (SELECT digest FROM manifests WHERE image_id = images.id ORDER BY seq)),
    (SELECT coalesce(sum(l.diff_size), 0) FROM chain c JOIN layers l ON l.id = c.layer_id
        WHERE c.image_id = images.id) + {dbm.big_data_size("images.id")},
    (SELECT parent FROM layers WHERE id = images.top_layer),
    CASE WHEN json_valid(CAST(config AS TEXT))
        THEN json_extract(CAST(config AS TEXT), '$.config.Labels') END
FROM images ORDER BY stored
"""


def new_hold() -> str:
    """A layer-hold name for one image write by this process (see Store.hold_layer)."""
    import uuid

    return f"{HOLD_KIND}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


_ALIASES = {"overlay2": "overlay", "fuse-overlayfs": "overlay"}


def _drain(stream: BinaryIO) -> None:
    while stream.read(1 << 20):
        pass


class Store(imgs.ImageMixin):
    """Open with Store.open(graph_root, run_root, driver, options, rootless)."""

    graph_root: str
    run_root: str
    driver_name: str

    def __init__(
        self,
        graph_root: str,
        run_root: str,
        database: dbm.Database,
        driver: Driver | Callable[[], Driver],
        driver_name: str,
    ) -> None:
        self.graph_root = graph_root
        self.run_root = run_root
        self.db = database
        # A Driver, or how to open one: most commands (images, tag, inspect) only read the
        # database, and opening a driver probes the host (overlay support, mount helpers).
        self._driver = driver
        self.driver_name = driver_name
        self._tmp = os.path.join(graph_root, "tmp")
        self._locks = os.path.join(graph_root, "locks")
        self._meta = os.path.join(graph_root, "layers")
        self.ignore_chown_errors = False

    @property
    def driver(self) -> Driver:
        if callable(self._driver):
            self._driver = self._driver()
        return self._driver

    @classmethod
    def open(
        cls,
        graph_root: str,
        run_root: str,
        driver: str = "",
        options: tuple[str, ...] = (),
        rootless: bool = False,
    ) -> Store:
        """driver "" = overlay when it works here (native, else fuse-overlayfs), else vfs.
        The driver recorded for the store is opened on first use; the first open of a new
        store picks and records one (probing overlay)."""
        graph_root = os.path.abspath(graph_root)
        run_root = os.path.abspath(run_root)
        if not os.path.isdir(os.path.join(graph_root, "tmp")) or not os.path.isdir(run_root):
            for path in (graph_root, run_root):
                os.makedirs(path, mode=0o700, exist_ok=True)
            for sub in ("tmp", "locks", "layers"):
                os.makedirs(os.path.join(graph_root, sub), mode=0o700, exist_ok=True)
        database = dbm.Database(os.path.join(graph_root, "pypod.db"))
        recorded = database.meta("driver")
        driver = _ALIASES.get(driver, driver)
        if recorded and driver and recorded != driver:
            database.close()
            raise StorageError(
                f'database storage driver "{recorded}" does not match the configured driver '
                f'"{driver}": remove {graph_root} or use --storage-driver {recorded}'
            )
        opts = parse_options(options)
        drv: Driver | Callable[[], Driver]
        if recorded:
            name = recorded

            def drv() -> Driver:
                return open_driver(name, graph_root, run_root, rootless=rootless, options=opts)

        else:
            # The first open of a store picks its driver (probing overlay). Concurrent first
            # opens must agree, so one chooses under a lock and the others take its record.
            with staging.file_lock(os.path.join(graph_root, "storage.lock")):
                recorded = database.meta("driver")
                drv = open_driver(
                    recorded or driver, graph_root, run_root, rootless=rootless, options=opts
                )
                if not recorded:
                    with database.write() as conn:
                        conn.execute(
                            "INSERT OR IGNORE INTO meta(key, value) VALUES ('driver', ?)",
                            (drv.name,),
                        )
            name = drv.name
        store = cls(graph_root, run_root, database, drv, name)
        store.ignore_chown_errors = opts.get("ignore_chown_errors", "").lower() == "true"
        store._cleanup()
        return store

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cleanup(self) -> None:
        """Remove what crashed writers left: stale staging dirs, holds of dead writers, layer
        files with no record. Cheap when there is nothing to clean (the common case): every
        writer of layer files works under a staging dir or a hold named for its pid, so the
        orphan scan (which lists every layer and opens the driver) runs only after one of
        those shows a writer died, or when the files and the records disagree in number."""
        died = bool(staging.remove_stale_staging(self._tmp))
        died = self._release_dead_holds() or died
        metas = [n for n in os.listdir(self._meta) if len(n) == 64]
        if not died and len(metas) == self._layer_count():
            return
        known = {row[0] for row in self.db.query("SELECT id FROM layers")}
        orphans = set(self.driver.layer_ids()) | set(metas)
        for layer_id in orphans - known:
            with staging.file_lock(self._lock_path(layer_id), blocking=False) as locked:
                # a writer holds the lock between moving files into place and inserting the row
                if locked and not self.has_layer(layer_id):
                    log.debug("removing orphaned layer files %s", layer_id)
                    self._remove_layer_files(layer_id)
        self.driver.cleanup()

    def _layer_count(self) -> int:
        return int(self.db.query("SELECT count(*) FROM layers")[0][0])

    def _lock_path(self, layer_id: str) -> str:
        return os.path.join(self._locks, f"{layer_id}.lock")

    def _remove_layer_files(self, layer_id: str) -> None:
        self.driver.remove(layer_id)
        staging.remove_tree(os.path.join(self._meta, layer_id))

    # layers ---------------------------------------------------------------------------------
    def layer(self, layer_id: str) -> Layer:
        """Raises LayerNotFound."""
        rows = self.db.query(f"SELECT {dbm.LAYER_COLUMNS} FROM layers WHERE id = ?", (layer_id,))
        if not rows:
            raise LayerNotFound(f"{layer_id}: layer not known")
        return dbm.layer_from_row(rows[0])

    def layers(self) -> list[Layer]:
        rows = self.db.query(f"SELECT {dbm.LAYER_COLUMNS} FROM layers ORDER BY created")
        return [dbm.layer_from_row(r) for r in rows]

    def has_layer(self, layer_id: str) -> bool:
        return bool(self.db.query("SELECT 1 FROM layers WHERE id = ?", (layer_id,)))

    def layer_chain(self, layer_id: str | None) -> list[Layer]:
        """The layer and its parents, top first. Raises LayerNotFound if any is missing."""
        out: list[Layer] = []
        with self.db.read():
            while layer_id is not None:
                layer = self.layer(layer_id)
                out.append(layer)
                layer_id = layer.parent
        return out

    def blob_diff_digest(self, compressed_digest: str) -> str | None:
        """The diff_id of a layer blob stored before, by the blob's (compressed) digest."""
        rows = self.db.query(
            "SELECT diff_digest FROM blob_diffs WHERE compressed_digest = ?", (compressed_digest,)
        )
        return rows[0][0] if rows else None

    def _note_blob(self, compressed_digest: str | None, diff_digest: str) -> None:
        if compressed_digest and compressed_digest != diff_digest:
            with self.db.write() as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO blob_diffs(compressed_digest, diff_digest) "
                    "VALUES (?, ?)",
                    (compressed_digest, diff_digest),
                )

    def put_layer(
        self,
        layer_id: str,
        parent: str | None,
        tar_stream: BinaryIO,
        *,
        diff_digest: str | None = None,
        compressed_digest: str | None = None,
        compressed_size: int | None = None,
        hold: str | None = None,
    ) -> Layer:
        """Extract an uncompressed tar stream as a new layer (idempotent: an existing layer is
        returned and the stream drained). When diff_digest is given the stream must hash to it
        or IntegrityError is raised and nothing is kept. Safe to call from several threads and
        processes at once for different or identical layers. With a driver that cannot apply
        in parallel (vfs) the parent must already be stored. With hold, the layer is held for
        that user (see hold_layer) in the same transaction that finds or inserts it."""
        if self._existing(layer_id, hold):
            _drain(tar_stream)
            return self.layer(layer_id)
        with staging.file_lock(self._lock_path(layer_id)):
            if self._existing(layer_id, hold):  # another process extracted it while we waited
                _drain(tar_stream)
                return self.layer(layer_id)
            layer = self._extract_layer(layer_id, parent, tar_stream, diff_digest)
            layer = Layer(
                id=layer.id,
                parent=parent,
                diff_digest=layer.diff_digest,
                diff_size=layer.diff_size,
                compressed_digest=compressed_digest,
                compressed_size=compressed_size,
                created=time.time(),
            )
            with self.db.write() as conn:
                conn.execute(
                    f"INSERT INTO layers({dbm.LAYER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        layer.id,
                        layer.parent,
                        layer.diff_digest,
                        layer.diff_size,
                        layer.compressed_digest,
                        layer.compressed_size,
                        layer.created,
                    ),
                )
                if hold:
                    conn.execute("INSERT INTO layer_users VALUES (?, ?)", (layer.id, hold))
        self._note_blob(compressed_digest, layer.diff_digest)
        return layer

    def _extract_layer(
        self, layer_id: str, parent: str | None, stream: BinaryIO, diff_digest: str | None
    ) -> Layer:
        """Extract into staging and move the files into place; the caller inserts the row."""
        from pypod.storage.extract import ExtractOptions, extract
        from pypod.storage.tarsplit import SplitWriter

        if self.driver.exists(layer_id) or os.path.lexists(os.path.join(self._meta, layer_id)):
            self._remove_layer_files(layer_id)  # leftovers of a crash, no record: redo
        work = staging.new_staging(self._tmp)
        moved = False
        try:
            target = self.driver.create(layer_id, parent, work)
            meta = os.path.join(work, "meta")
            os.mkdir(meta, 0o700)
            split = SplitWriter(meta)
            try:
                opts = ExtractOptions(
                    whiteout_format=self.driver.whiteout_format,
                    opaque_xattr=self.driver.opaque_xattr,
                    ignore_chown_errors=self.ignore_chown_errors,
                )
                result = extract(stream, target, opts, split)
            finally:
                split.close()
            if diff_digest and result.digest != diff_digest:
                raise IntegrityError(
                    f"layer {layer_id}: content digest {result.digest} != expected {diff_digest}"
                )
            moved = True
            self.driver.commit(layer_id, work)
            os.rename(meta, os.path.join(self._meta, layer_id))
        except BaseException:
            if moved:
                self._remove_layer_files(layer_id)
            raise
        finally:
            staging.remove_tree(work)
        return Layer(id=layer_id, parent=parent, diff_digest=result.digest, diff_size=result.size)

    def diff(self, layer_id: str) -> BinaryIO:
        """The layer's uncompressed tar, byte for byte the stream it was created from; reading
        past the end raises IntegrityError if the files changed since."""
        import io

        from pypod.storage.tarsplit import ChunkReader, replay

        layer = self.layer(layer_id)
        chunks = replay(os.path.join(self._meta, layer_id), self.driver.layer_path(layer_id))
        return io.BufferedReader(ChunkReader(chunks, layer.diff_digest), 1 << 20)  # type: ignore[return-value]

    def layer_path(self, layer_id: str) -> str:
        """The directory holding the layer's own files (overlay 'diff', vfs full tree)."""
        self.layer(layer_id)
        return self.driver.layer_path(layer_id)

    def iter_layer_files(self, layer_id: str) -> Iterator[str]:
        """Paths (relative, '/'-separated) of every file and directory the layer holds."""
        root = self.layer_path(layer_id)
        for dirpath, dirnames, filenames in os.walk(root):
            rel = os.path.relpath(dirpath, root)
            for name in sorted(dirnames + filenames):
                yield name if rel == "." else f"{rel}/{name}"

    def delete_layer(self, layer_id: str) -> bool:
        """Remove one layer if nothing (image, child layer, user) needs it; False if in use."""
        with self.db.write() as conn:
            if (
                layer_id in self._layers_in_use(conn)
                or conn.execute("SELECT 1 FROM layers WHERE parent = ?", (layer_id,)).fetchone()
            ):
                return False
            gone = conn.execute("DELETE FROM layers WHERE id = ?", (layer_id,)).rowcount
        if gone:
            self._remove_layer_files(layer_id)
        return bool(gone)

    def add_layer_user(self, layer_id: str, user: str) -> None:
        """Keep layer_id (and its parents) alive for `user` (a container id, later)."""
        self.layer(layer_id)
        with self.db.write() as conn:
            conn.execute("INSERT OR IGNORE INTO layer_users VALUES (?, ?)", (layer_id, user))

    def _existing(self, layer_id: str, hold: str | None) -> bool:
        return self.hold_layer(layer_id, hold) if hold else self.has_layer(layer_id)

    def hold_layer(self, layer_id: str, user: str) -> bool:
        """Atomically: if the layer is stored, keep it (and its parents) for user and return
        True. An image being written holds every layer it reuses, so a concurrent rmi or a
        failed pull cleaning up cannot remove a layer between "it is there" and the commit."""
        with self.db.write() as conn:
            if not conn.execute("SELECT 1 FROM layers WHERE id = ?", (layer_id,)).fetchone():
                return False
            conn.execute("INSERT OR IGNORE INTO layer_users VALUES (?, ?)", (layer_id, user))
        return True

    def release_holds(self, user: str, discard: bool = False) -> list[str]:
        """Drop user's holds; with discard, also delete the layers it held that nothing else
        needs (a write that never became an image). Returns the ids deleted."""
        with self.db.write() as conn:
            rows = conn.execute(
                "SELECT layer_id FROM layer_users WHERE user = ?", (user,)
            ).fetchall()
            conn.execute("DELETE FROM layer_users WHERE user = ?", (user,))
        if not discard:
            return []
        pending = {row[0] for row in rows}
        deleted: list[str] = []
        progress = True
        while progress:  # children first: a parent becomes free once its child is gone
            progress = False
            for layer_id in sorted(pending):
                if self.delete_layer(layer_id):
                    deleted.append(layer_id)
                    pending.discard(layer_id)
                    progress = True
        return deleted

    def _release_dead_holds(self) -> bool:
        """Holds are named "<kind>:<pid>:<random>"; a writer killed with -9 never released
        its own, so drop them (and the layers only they kept) once the pid is gone."""
        users = {row[0] for row in self.db.query("SELECT DISTINCT user FROM layer_users")}
        died = False
        for user in users:
            kind, _, rest = user.partition(":")
            pid = rest.partition(":")[0]
            if kind == HOLD_KIND and pid.isdigit() and not staging.pid_alive(int(pid)):
                log.debug("releasing the layer holds of dead writer %s", user)
                self.release_holds(user, discard=True)
                died = True
        return died

    def remove_layer_user(self, layer_id: str, user: str) -> None:
        with self.db.write() as conn:
            conn.execute(
                "DELETE FROM layer_users WHERE layer_id = ? AND user = ?", (layer_id, user)
            )

    # reads ----------------------------------------------------------------------------------
    def image_listing(self) -> list[tuple[Image, str | None, str | None]]:
        """Every image (oldest stored first) with its top layer's parent and its config's
        Labels as JSON text (None when it has none), in one query however many images there
        are: `images` reads nothing else."""
        out = []
        with self.db.read() as conn:
            for row in conn.execute(_LISTING):
                names = tuple(row[7].split("\n")) if row[7] else ()
                digests = tuple(row[8].split("\n")) if row[8] else ()
                image = dbm.image_from_row(row, names, digests, row[9])
                out.append((image, row[10], row[11]))
        return out

    def reading(self) -> AbstractContextManager[None]:
        """A consistent snapshot for several reads."""

        @contextmanager
        def snapshot() -> Iterator[None]:
            with self.db.read():
                yield

        return snapshot()

    # mounts ---------------------------------------------------------------------------------
    def mount_image(self, image_id: str) -> str:
        """Mount the image's layers read-only (ref-counted in run_root); returns the path."""
        image = self.image(image_id)
        if image.top_layer is None:
            empty = os.path.join(self.graph_root, "empty")
            os.makedirs(empty, mode=0o755, exist_ok=True)
            return empty
        chain = [layer.id for layer in self.layer_chain(image.top_layer)]
        return self.driver.get(image.top_layer, chain)

    def unmount_image(self, image_id: str, force: bool = False) -> bool:
        image = self.image(image_id)
        if image.top_layer is None:
            return False
        return self.driver.put(image.top_layer, force)

    def driver_status(self) -> dict[str, str]:
        """`pypod info` graphStatus: Podman's keys ("Backing Filesystem", "Native Overlay
        Diff", "Supports d_type", "Using metacopy" for overlay) and "Driver Reason"."""
        return self.driver.status()

    def driver_options(self) -> dict[str, object]:
        """`pypod info` graphOptions (the overlay mount program, when one is used)."""
        return self.driver.info_options()

    def mounted_images(self) -> dict[str, str]:
        mounted = self.driver.mounted()
        if not mounted:
            return {}
        return {img.id: mounted[img.top_layer] for img in self.images() if img.top_layer in mounted}
