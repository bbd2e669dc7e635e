"""Reading what an image is: its config, Podman's inspect document, history and layer tree."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pypod.domain.images_detail import HistoryEntry, ImageTree, TreeLayer
from pypod.errors import PypodError
from pypod.local.image_resolve import names_history, repo_digests, repo_tags
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.storage.store import Store
    from pypod.storage.types import Image

log = get_logger(__name__)

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"

# OCI ImageConfig fields in Go's struct order: Podman prints them so, and its config bytes (and
# so an imported image's id) follow it (image_import.py)
CONFIG_ORDER = (
    "User",
    "ExposedPorts",
    "Env",
    "Entrypoint",
    "Cmd",
    "Volumes",
    "WorkingDir",
    "Labels",
    "StopSignal",
)


def image_config(store: Store, image: Image) -> dict[str, Any]:
    try:
        return json.loads(store.image_config(image.id))
    except (PypodError, ValueError) as exc:
        log.debug("config of %s unreadable: %s", image.id, exc)
        return {}


def manifest_type(store: Store, image: Image) -> str:
    try:
        raw = json.loads(store.image_manifest(image.id))
    except (PypodError, ValueError):
        return OCI_MANIFEST
    if isinstance(raw, dict) and raw.get("mediaType"):
        return str(raw["mediaType"])
    return OCI_MANIFEST


def go_time(ts: float) -> str:
    """RFC 3339 in UTC as Go prints it (nanoseconds without trailing zeros)."""
    dt = datetime.fromtimestamp(ts, UTC)
    frac = f"{dt.microsecond:06d}".rstrip("0")
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def parse_time(text: str | None) -> float:
    """An RFC 3339 timestamp (any precision, Z or offset) as unix seconds; 0 when absent."""
    if not text:
        return 0.0
    s = text.strip().replace("Z", "+00:00")
    if "." in s:  # Python parses at most 6 fractional digits
        head, rest = s.split(".", 1)
        digits = len(rest) - len(rest.lstrip("0123456789"))
        s = f"{head}.{rest[: min(digits, 6)].ljust(6, '0')}{rest[digits:]}"
    try:
        return datetime.fromisoformat(s).timestamp()
    except ValueError:
        return 0.0


def _oci_config_section(cfg: dict[str, Any]) -> dict[str, Any]:
    section = cfg.get("config") or {}
    out = {k: section[k] for k in CONFIG_ORDER if section.get(k) not in (None, "", [], {})}
    out.update({k: v for k, v in section.items() if k not in out and k in ("Healthcheck",)})
    return out


def _graph_driver(store: Store, image: Image) -> dict[str, Any]:
    driver = getattr(store, "driver_name", "") or ""
    if driver != "overlay" or not image.top_layer:
        return {"Name": driver, "Data": None}
    chain: list[str] = []
    from pypod.storage.drivers import layer_dir

    layer_id: str | None = image.top_layer
    while layer_id:  # the paths without opening the driver (it probes the host)
        chain.append(layer_dir(store.graph_root, store.driver_name, layer_id))
        layer_id = store.layer(layer_id).parent
    data = {"UpperDir": chain[0], "WorkDir": os.path.join(os.path.dirname(chain[0]), "work")}
    if len(chain) > 1:
        data["LowerDir"] = ":".join(chain[1:])
    return {"Name": driver, "Data": data}


def inspect_doc(store: Store, image: Image) -> dict[str, Any]:
    """Podman's `image inspect` document."""
    cfg = image_config(store, image)
    config = _oci_config_section(cfg)
    history = cfg.get("history") or []
    mtype = manifest_type(store, image)
    # libimage: a Docker image's config "comment", an OCI image's first history comment
    if mtype.startswith("application/vnd.docker."):
        comment = cfg.get("comment", "")
    else:
        comment = history[0].get("comment", "") if history else ""
    created = cfg.get("created") or go_time(image.created)
    tags = [f"{r}:{t}" for r, t in repo_tags(image)]
    doc: dict[str, Any] = {
        "Id": image.id,
        "Digest": image.digest,
        "RepoTags": tags,
        "RepoDigests": repo_digests(image),
        "Parent": _parent_id(store, image),
        "Comment": comment,
        "Created": created,
        "Config": config,
        "Version": cfg.get("docker_version", ""),
        "Author": cfg.get("author", ""),
        "Architecture": cfg.get("architecture", ""),
        "Os": cfg.get("os", ""),
        "Size": image.size,
        "VirtualSize": image.size,
        "GraphDriver": _graph_driver(store, image),
        "RootFS": {
            "Type": (cfg.get("rootfs") or {}).get("type", "layers"),
            "Layers": list((cfg.get("rootfs") or {}).get("diff_ids") or []),
        },
        "Labels": config.get("Labels") or None,
        "Annotations": _annotations(store, image),
        "ManifestType": mtype,
        "User": config.get("User", ""),
        "History": history,
        "NamesHistory": names_history(image),
    }
    if cfg.get("variant"):
        doc["Variant"] = cfg["variant"]
    return doc


def _parent_id(store: Store, image: Image) -> str:
    """As Podman: the image this one is directly based on (layers and history), if stored."""
    from pypod.local.image_list import Topology

    parent = Topology(store, store.images()).parent(image)
    return parent.id if parent else image.metadata.get("parent", "")


def _annotations(store: Store, image: Image) -> dict[str, str]:
    try:
        raw = json.loads(store.image_manifest(image.id))
    except (PypodError, ValueError):
        return {}
    return dict(raw.get("annotations") or {}) if isinstance(raw, dict) else {}


# history ----------------------------------------------------------------------------------------
def history(store: Store, image: Image) -> list[HistoryEntry]:
    """Newest first, as Podman walks it: each entry takes the size of the current layer (from
    the top down) and, once, the id of the first stored image whose top layer that is; others
    are <missing>."""
    cfg = image_config(store, image)
    layers = _layer_chain(store, image)[::-1]  # top first
    on_layer: dict[str, list[Image]] = {}
    for other in store.images():
        if other.top_layer:
            on_layer.setdefault(other.top_layer, []).append(other)
    raw = list(reversed(cfg.get("history") or []))
    if not raw:  # no history in the config: one entry per layer
        raw = [{"created": go_time(image.created)} for _ in layers]
    used: set[str] = set()
    entries: list[HistoryEntry] = []
    pos = 0
    for h in raw:
        empty = bool(h.get("empty_layer"))
        ident, size = "<missing>", 0  # Podman 4.3 leaves Tags empty
        if pos < len(layers):
            layer = layers[pos]
            size = 0 if empty else layer.diff_size
            owners = on_layer.get(layer.id, [])
            if owners and owners[0].id not in used:
                ident = owners[0].id
                used.add(ident)
            if not empty and pos + 1 < len(layers):  # Podman stays on the base layer
                pos += 1
        entries.append(
            HistoryEntry(
                id=ident,
                created=parse_time(h.get("created")),
                created_by=h.get("created_by", ""),
                size=size,
                comment=h.get("comment", ""),
                empty_layer=empty,
                created_text=h.get("created") or "",
            )
        )
    return entries


def _layer_chain(store: Store, image: Image) -> list[Any]:
    chain = []
    layer_id = image.top_layer
    while layer_id:
        layer = store.layer(layer_id)
        chain.append(layer)
        layer_id = layer.parent
    chain.reverse()
    return chain


# tree -------------------------------------------------------------------------------------------
def tree(store: Store, image: Image, what_requires: bool) -> ImageTree:
    layers = _layer_chain(store, image)
    tops: dict[str, list[str]] = {}
    images = store.images()
    for other in images:
        if other.top_layer:  # the image itself included, as Podman lists it
            tops.setdefault(other.top_layer, []).extend(other.names or [other.id[:12]])
    tree_layers = tuple(
        TreeLayer(
            id=layer.diff_digest.split(":")[-1],
            size=layer.diff_size,
            top_of=tuple(tops.get(layer.id, ())),
        )
        for layer in layers
    )
    children: list[tuple[str, tuple[str, ...]]] = []
    if what_requires and image.top_layer:
        for other in images:
            # built on top of this image: its chain passes through our top layer
            if other.top_layer != image.top_layer and _has_layer(store, other, image.top_layer):
                children.append((other.id, tuple(other.names)))
    return ImageTree(
        id=image.id,
        tags=tuple(image.names),
        size=image.size,
        layers=tree_layers,
        children=tuple(children),
    )


def _has_layer(store: Store, image: Image, layer_id: str) -> bool:
    cur = image.top_layer
    while cur:
        if cur == layer_id:
            return True
        cur = store.layer(cur).parent
    return False
