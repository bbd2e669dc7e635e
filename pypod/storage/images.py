"""Image records of the Store: create, names, lookup, manifests, delete with layer refcounts.

A mixin so store.py stays about layers; it relies on the Store's `db`, `layer_chain` and
`_remove_layer_files`. Names are unique across images: giving a name to one image takes it
from whichever image held it (that one may end up with no names, Podman's <none>).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from typing import TYPE_CHECKING

from pypod.errors import ImageNotFound, IntegrityError, InvalidArgument, LayerNotFound
from pypod.storage import db as dbm
from pypod.storage.types import Image

if TYPE_CHECKING:
    from pypod.storage.types import Layer

_HEX = re.compile(r"[0-9a-f]+")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"

_USED_LAYERS = """
WITH RECURSIVE used(id) AS (
    SELECT top_layer FROM images WHERE top_layer IS NOT NULL
    UNION SELECT layer_id FROM layer_users
    UNION SELECT l.parent FROM layers l JOIN used u ON l.id = u.id WHERE l.parent IS NOT NULL)
SELECT id FROM used
"""
_CHAIN_SIZE = """
WITH RECURSIVE chain(id) AS (
    SELECT ? UNION SELECT l.parent FROM layers l JOIN chain c ON l.id = c.id
    WHERE l.parent IS NOT NULL)
SELECT coalesce(sum(diff_size), 0) FROM layers WHERE id IN (SELECT id FROM chain)
"""
_BIG_DATA_SIZE = f"SELECT {dbm.big_data_size('?1')}"


def _repo_of(name: str) -> str:
    """'reg/repo:tag' or 'reg/repo@sha256:..' -> 'reg/repo'."""
    name = name.partition("@")[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def config_created(config: bytes) -> float:
    """The config's "created" as unix time (0.0 when absent or unreadable)."""
    from datetime import datetime

    try:
        text = str(json.loads(config).get("created") or "")
    except (ValueError, AttributeError):
        return 0.0
    # Go writes up to nanoseconds; fromisoformat (3.11) takes at most microseconds
    text = re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).timestamp() if text else 0.0
    except ValueError:
        return 0.0


def synthesize_manifest(config: bytes, layers: list[Layer]) -> bytes:
    """An OCI manifest for an image stored without one (import, commit): uncompressed layers."""
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": OCI_CONFIG,
            "digest": "sha256:" + dbm.sha256_hex(config),
            "size": len(config),
        },
        "layers": [
            {"mediaType": OCI_LAYER, "digest": layer.diff_digest, "size": layer.diff_size}
            for layer in reversed(layers)
        ],
    }
    return json.dumps(doc, separators=(",", ":")).encode()


class ImageMixin:
    db: dbm.Database

    def layer_chain(self, layer_id: str | None) -> list[Layer]:  # provided by Store
        raise NotImplementedError

    def _remove_layer_files(self, layer_id: str) -> None:  # provided by Store
        raise NotImplementedError

    # reads ----------------------------------------------------------------------------------
    def _load(self, conn: sqlite3.Connection, row: tuple) -> Image:  # type: ignore[type-arg]
        image_id = row[0]
        names = tuple(
            r[0]
            for r in conn.execute(
                "SELECT name FROM image_names WHERE image_id = ? ORDER BY seq", (image_id,)
            )
        )
        digests = tuple(
            r[0]
            for r in conn.execute(
                "SELECT digest FROM manifests WHERE image_id = ? ORDER BY seq", (image_id,)
            )
        )
        size = conn.execute(_CHAIN_SIZE, (row[1],)).fetchone()[0] if row[1] else 0
        size += conn.execute(_BIG_DATA_SIZE, (image_id,)).fetchone()[0] or 0
        return dbm.image_from_row(row, names, digests, size)

    def images(self) -> list[Image]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {dbm.IMAGE_COLUMNS} FROM images ORDER BY stored")
            return [self._load(conn, row) for row in rows.fetchall()]

    def image(self, image_id: str) -> Image:
        """Exact full id. Raises ImageNotFound."""
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {dbm.IMAGE_COLUMNS} FROM images WHERE id = ?", (image_id,)
            ).fetchone()
            if row is None:
                raise ImageNotFound(f"{image_id}: image not known")
            return self._load(conn, row)

    def lookup_image(self, key: str) -> Image:
        """By full name ("docker.io/library/x:tag"), name@digest, full id or unique id prefix
        (>= 3 chars). Raises ImageNotFound (also for an ambiguous prefix, with a clear message)."""
        with self.db.read() as conn:
            image_id = self._find(conn, key)
            row = conn.execute(
                f"SELECT {dbm.IMAGE_COLUMNS} FROM images WHERE id = ?", (image_id,)
            ).fetchone()
            return self._load(conn, row)

    def _find(self, conn: sqlite3.Connection, key: str) -> str:
        hit = conn.execute("SELECT image_id FROM image_names WHERE name = ?", (key,)).fetchone()
        if hit:
            return str(hit[0])
        if "@" in key:
            repo, _, digest = key.partition("@")
            repo = _repo_of(repo)
            for (image_id,) in conn.execute(
                "SELECT image_id FROM manifests WHERE digest = ?", (digest,)
            ).fetchall():
                names = conn.execute(
                    "SELECT name FROM image_names WHERE image_id = ?", (image_id,)
                ).fetchall()
                if any(_repo_of(n) == repo for (n,) in names):
                    return str(image_id)
            raise ImageNotFound(f"{key}: image not known")
        prefix = key.removeprefix("sha256:")
        if len(prefix) >= 3 and _HEX.fullmatch(prefix):
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM images WHERE id >= ? AND id < ? LIMIT 2",
                    (prefix, prefix + "g"),
                )
            ]
            if len(ids) == 1:
                return str(ids[0])
            if len(ids) > 1:
                raise ImageNotFound(f"{key}: image id prefix is ambiguous (matches several)")
        raise ImageNotFound(f"{key}: image not known")

    def image_config(self, image_id: str) -> bytes:
        rows = self.db.query("SELECT config FROM images WHERE id = ?", (image_id,))
        if not rows:
            raise ImageNotFound(f"{image_id}: image not known")
        return bytes(rows[0][0])

    def image_manifest(self, image_id: str, digest: str | None = None) -> bytes:
        """The stored manifest (the image's own digest when None)."""
        with self.db.read() as conn:
            row = conn.execute("SELECT digest FROM images WHERE id = ?", (image_id,)).fetchone()
            if row is None:
                raise ImageNotFound(f"{image_id}: image not known")
            found = conn.execute(
                "SELECT raw FROM manifests WHERE image_id = ? AND digest = ?",
                (image_id, digest or row[0]),
            ).fetchone()
        if found is None:
            raise ImageNotFound(f"{image_id}: no manifest {digest or row[0]} stored")
        return bytes(found[0])

    def image_manifests(self, image_id: str) -> dict[str, bytes]:
        """Every stored manifest of the image, digest -> raw, in the order they were added."""
        self._check_image(image_id)
        rows = self.db.query(
            "SELECT digest, raw FROM manifests WHERE image_id = ? ORDER BY seq", (image_id,)
        )
        return {d: bytes(raw) for d, raw in rows}

    def _check_image(self, image_id: str) -> None:
        if not self.db.query("SELECT 1 FROM images WHERE id = ?", (image_id,)):
            raise ImageNotFound(f"{image_id}: image not known")

    # writes ---------------------------------------------------------------------------------
    def create_image(
        self,
        image_id: str,
        top_layer: str | None,
        *,
        names: tuple[str, ...] = (),
        manifests: dict[str, bytes] | None = None,  # digest -> raw manifest (instance and list)
        manifest_digest: str = "",
        config: bytes,
        created: float = 0.0,
        metadata: dict[str, str] | None = None,
    ) -> Image:
        """Create (or, for an existing id, update: add names and manifests) an image record.
        Names move from any image that held them (as a new pull of a tag does). Every layer
        of the stack must be stored; without manifests an OCI manifest is synthesised;
        created 0.0 means "from the config"."""
        if dbm.sha256_hex(config) != image_id:
            raise IntegrityError(f"image id {image_id} is not the digest of its config")
        try:
            chain = self.layer_chain(top_layer)
        except LayerNotFound as exc:
            raise LayerNotFound(f"image {image_id}: {exc.message}") from exc
        if not manifests:
            raw = synthesize_manifest(config, chain)
            manifest_digest = "sha256:" + dbm.sha256_hex(raw)
            manifests = {manifest_digest: raw}
        manifest_digest = manifest_digest or next(iter(manifests))
        for digest, raw in manifests.items():
            if "sha256:" + dbm.sha256_hex(raw) != digest:
                raise IntegrityError(f"manifest does not match its digest {digest}")
        now = time.time()
        created = created or config_created(config)
        with self.db.write() as conn:
            exists = conn.execute("SELECT 1 FROM images WHERE id = ?", (image_id,)).fetchone()
            if exists:
                conn.execute(
                    "UPDATE images SET digest = ? WHERE id = ?", (manifest_digest, image_id)
                )
                if metadata:
                    conn.execute(
                        "UPDATE images SET metadata = ? WHERE id = ?",
                        (json.dumps(metadata), image_id),
                    )
            else:
                conn.execute(
                    f"INSERT INTO images({dbm.IMAGE_COLUMNS}, config) "
                    "VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                    (
                        image_id,
                        top_layer,
                        manifest_digest,
                        created,
                        now,
                        json.dumps(metadata or {}),
                        config,
                    ),
                )
            seq = time.time_ns()
            for i, (digest, raw) in enumerate(manifests.items()):
                conn.execute(
                    "INSERT OR IGNORE INTO manifests(image_id, digest, raw, seq) VALUES (?,?,?,?)",
                    (image_id, digest, raw, seq + i),
                )
            self._set_names(conn, image_id, names)
        return self.image(image_id)

    @staticmethod
    def _set_names(conn: sqlite3.Connection, image_id: str, names: tuple[str, ...]) -> None:
        seq = time.time_ns()
        for i, name in enumerate(names):
            if not name or name != name.strip():
                raise InvalidArgument(f"invalid image name {name!r}")
            conn.execute(
                "INSERT INTO image_names(name, image_id, seq) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, seq = excluded.seq "
                "WHERE image_id != excluded.image_id",
                (name, image_id, seq + i),
            )
        if names:  # Podman's NamesHistory: every name the image had, the latest first
            row = conn.execute("SELECT metadata FROM images WHERE id = ?", (image_id,)).fetchone()
            meta = json.loads(row[0] or "{}") if row else {}
            new = list(reversed(names))
            old = [n for n in meta.get("names_history", "").split(",") if n and n not in new]
            meta["names_history"] = ",".join(new + old)
            conn.execute(
                "UPDATE images SET metadata = ? WHERE id = ?", (json.dumps(meta), image_id)
            )

    def add_names(self, image_id: str, names: tuple[str, ...]) -> Image:
        with self.db.write() as conn:
            if not conn.execute("SELECT 1 FROM images WHERE id = ?", (image_id,)).fetchone():
                raise ImageNotFound(f"{image_id}: image not known")
            self._set_names(conn, image_id, names)
        return self.image(image_id)

    def remove_names(self, image_id: str, names: tuple[str, ...]) -> Image:
        with self.db.write() as conn:
            if not conn.execute("SELECT 1 FROM images WHERE id = ?", (image_id,)).fetchone():
                raise ImageNotFound(f"{image_id}: image not known")
            conn.executemany(
                "DELETE FROM image_names WHERE image_id = ? AND name = ?",
                [(image_id, n) for n in names],
            )
        return self.image(image_id)

    @staticmethod
    def _layers_in_use(conn: sqlite3.Connection) -> set[str]:
        return {row[0] for row in conn.execute(_USED_LAYERS)}

    def delete_image(self, image_id: str) -> list[str]:
        """Remove the record and every layer no other image or container uses; returns the
        ids of layers removed (top first)."""
        with self.db.write() as conn:
            row = conn.execute("SELECT top_layer FROM images WHERE id = ?", (image_id,)).fetchone()
            if row is None:
                raise ImageNotFound(f"{image_id}: image not known")
            for table, column in (
                ("images", "id"),
                ("image_names", "image_id"),
                ("manifests", "image_id"),
            ):
                conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (image_id,))
            used = self._layers_in_use(conn)
            removed: list[str] = []
            layer_id = row[0]
            while layer_id is not None and layer_id not in used:
                parent = conn.execute("SELECT parent FROM layers WHERE id = ?", (layer_id,))
                found = parent.fetchone()
                if conn.execute("SELECT 1 FROM layers WHERE parent = ?", (layer_id,)).fetchone():
                    break  # a child layer (another stack, mid-pull) still builds on it
                conn.execute("DELETE FROM layers WHERE id = ?", (layer_id,))
                if found is not None:
                    removed.append(layer_id)
                layer_id = found[0] if found else None
        # records first, files after: a crash in between leaves orphans the next open removes
        for layer_id in removed:
            self._remove_layer_files(layer_id)
        return removed
