"""Reports of the per-image read verbs: inspect, history, tree, mount."""

from __future__ import annotations

from typing import Any

from pypod.records import record


@record
class InspectReport:
    name: str
    data: dict[str, Any] | None = None
    error: Exception | None = None


@record
class HistoryEntry:
    id: str  # image id for the entry that produced the top layer, else "<missing>"
    created: float
    created_by: str
    size: int
    comment: str
    tags: tuple[str, ...] = ()
    empty_layer: bool = False
    created_text: str = ""  # the config's RFC 3339 text, full precision (Podman's JSON)


@record
class TreeLayer:
    id: str
    size: int
    top_of: tuple[str, ...] = ()  # names of the images whose top layer this is


@record
class ImageTree:
    id: str
    tags: tuple[str, ...]
    size: int
    layers: tuple[TreeLayer, ...]
    # --whatrequires: images built on top of this one, as (id, tags)
    children: tuple[tuple[str, tuple[str, ...]], ...] = ()


@record
class MountReport:
    name: str
    id: str = ""
    path: str = ""
    names: tuple[str, ...] = ()
    error: Exception | None = None
