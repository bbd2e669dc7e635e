"""The store's SQLite database: schema, connection rules, and row <-> record conversion.

One connection per Store, shared by threads under a lock (check_same_thread=False); WAL so
readers never block the writer; busy_timeout 30 s so concurrent processes wait instead of
failing; transactions are short (files are written before the row that makes them visible).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from pypod.host.sqlite import SqliteDB
from pypod.storage.types import Image, Layer

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS layers (
    id TEXT PRIMARY KEY, parent TEXT, diff_digest TEXT NOT NULL, diff_size INTEGER NOT NULL,
    compressed_digest TEXT, compressed_size INTEGER, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS layers_parent ON layers(parent);
CREATE TABLE IF NOT EXISTS images (
    id TEXT PRIMARY KEY, top_layer TEXT, digest TEXT NOT NULL, created REAL NOT NULL,
    stored REAL NOT NULL, read_only INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL DEFAULT '{}', config BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS image_names (
    name TEXT PRIMARY KEY, image_id TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS image_names_image ON image_names(image_id);
CREATE TABLE IF NOT EXISTS manifests (
    image_id TEXT NOT NULL, digest TEXT NOT NULL, raw BLOB NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (image_id, digest));
CREATE INDEX IF NOT EXISTS manifests_digest ON manifests(digest);
CREATE TABLE IF NOT EXISTS blob_diffs (
    compressed_digest TEXT PRIMARY KEY, diff_digest TEXT NOT NULL);
-- who else keeps a layer alive (containers, later): delete_image keeps these chains
CREATE TABLE IF NOT EXISTS layer_users (
    layer_id TEXT NOT NULL, user TEXT NOT NULL, PRIMARY KEY (layer_id, user));
"""


def big_data_size(image_id: str) -> str:
    """SQL for the bytes containers/storage adds to an image's size (Podman's Size): its "big
    data", the config, each stored manifest, and the image's own manifest once more (stored
    again under the key "manifest"). `image_id` is an SQL expression for the image's id."""
    return (
        f"(SELECT length(config) FROM images WHERE id = {image_id})"
        f" + coalesce((SELECT sum(length(raw)) FROM manifests WHERE image_id = {image_id}), 0)"
        f" + coalesce((SELECT length(m.raw) FROM manifests m JOIN images i ON i.id = m.image_id"
        f" WHERE i.id = {image_id} AND m.digest = i.digest), 0)"
    )


def sha256_hex(data: bytes) -> str:
    import hashlib  # not at import time: _hashlib loads OpenSSL, and reads need no hashing

    return hashlib.sha256(data).hexdigest()


def chain_ids(diff_ids: list[str] | tuple[str, ...]) -> list[str]:
    """Layer ids of a stack: chain(L0)=diff0, chain(Ln)=sha256(f"{chain(n-1)} {diff_n}").
    Computed on the full "sha256:..." strings, as the OCI image spec defines ChainID."""
    out: list[str] = []
    chain = ""
    for diff in diff_ids:
        chain = diff if not chain else "sha256:" + sha256_hex(f"{chain} {diff}".encode())
        out.append(chain.removeprefix("sha256:"))
    return out


class Database(SqliteDB):
    """The image store's database. Every write transaction also invalidates the cached
    `images` table beside it (storage/listing_cache.py)."""

    label = "store database"

    def __init__(self, path: str) -> None:
        from pypod.storage.listing_cache import Invalidator

        self._invalidator = Invalidator(os.path.dirname(path))
        super().__init__(path)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        # the process's lock first, then the cache lock, then SQLite's: one order everywhere
        with self.lock, self._invalidator, super().write() as conn:
            yield conn

    def close(self) -> None:
        super().close()
        self._invalidator.close()

    def prepare(self) -> None:
        # user_version is written last, so a current one means the schema is complete and
        # WAL (a persistent property of the file) is on: nothing more to do on every open.
        if self.conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            self._create_schema()

    def _create_schema(self) -> None:
        self.conn.execute("PRAGMA journal_mode = WAL")
        with self.write():
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    self.conn.execute(stmt)
            self.conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)",
                (str(SCHEMA_VERSION),),
            )
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


LAYER_COLUMNS = "id, parent, diff_digest, diff_size, compressed_digest, compressed_size, created"


def layer_from_row(row: tuple) -> Layer:  # type: ignore[type-arg]
    return Layer(
        id=row[0],
        parent=row[1],
        diff_digest=row[2],
        diff_size=row[3],
        compressed_digest=row[4],
        compressed_size=row[5],
        created=row[6],
    )


IMAGE_COLUMNS = "id, top_layer, digest, created, stored, read_only, metadata"


def image_from_row(
    row: tuple,  # type: ignore[type-arg]
    names: tuple[str, ...],
    digests: tuple[str, ...],
    size: int,
) -> Image:
    return Image(
        id=row[0],
        names=names,
        top_layer=row[1],
        digest=row[2],
        digests=digests,
        created=row[3],
        stored=row[4],
        read_only=bool(row[5]),
        metadata=_json_object(row[6]),
        size=size,
    )


def _json_object(text: str) -> dict[str, str]:
    if text == "{}":  # nearly every image: spare the json import on the images path
        return {}
    import json

    return dict(json.loads(text))
