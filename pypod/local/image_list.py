"""`images`: summaries, Podman's filters and sort orders, one row per name.

Filters with the same key are ORed, different keys ANDed (Podman 4.3). Without --all,
intermediate images (no name, and another image is built on them) are hidden.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pypod.domain.images_list import ImageRow, ImageSummary, ListRequest
from pypod.errors import ImageNotFound, InvalidArgument
from pypod.local.image_resolve import (
    find_image,
    names_history,
    repo_digests,
    repo_tags,
    split_name,
)

if TYPE_CHECKING:
    from pypod.storage.store import Store
    from pypod.storage.types import Image

Predicate = Callable[["Image"], bool]
_KEYS = (
    "dangling",
    "label",
    "reference",
    "before",
    "since",
    "until",
    "id",
    "readonly",
    "intermediate",
    "after",
)


class Topology:
    """Parent/child relations between images, from their layer chains. parents maps a top
    layer to its parent when the caller has them already (Store.image_listing)."""

    def __init__(
        self, store: Store, images: list[Image], parents: dict[str, str | None] | None = None
    ) -> None:
        self._store = store
        self._configs: dict[str, dict[str, Any]] = {}
        self._by_top: dict[str, list[Image]] = {}
        self._parent_layer: dict[str, str | None] = dict(parents or {})
        for image in images:
            if image.top_layer:
                self._by_top.setdefault(image.top_layer, []).append(image)
        for image in images:
            if image.top_layer and image.top_layer not in self._parent_layer:
                self._parent_layer[image.top_layer] = store.layer(image.top_layer).parent

    def _config(self, image: Image) -> dict[str, Any]:
        if image.id not in self._configs:
            from pypod.local.image_inspect import image_config

            self._configs[image.id] = image_config(self._store, image)
        return self._configs[image.id]

    def _based_on(self, parent: Image, child: Image) -> bool:
        return parent.id != child.id and are_parent_and_child(
            self._config(parent), self._config(child)
        )

    def parent(self, image: Image) -> Image | None:
        """As Podman: an image on the parent layer (or the same one) whose history the image's
        extends by one entry."""
        top = image.top_layer or ""
        parent_layer = self._parent_layer.get(top) or ""
        candidates = [*self._by_top.get(parent_layer, []), *self._by_top.get(top, [])]
        return next((c for c in candidates if self._based_on(c, image)), None)

    def has_children(self, image: Image) -> bool:
        top = image.top_layer
        if not top:
            return False
        candidates = list(self._by_top.get(top, []))
        for layer, parent in self._parent_layer.items():
            if parent == top:
                candidates += self._by_top.get(layer, [])
        return any(self._based_on(image, c) for c in candidates)


def _history_matches(a: dict[str, Any], b: dict[str, Any]) -> bool:
    from pypod.local.image_inspect import parse_time

    if (a.get("created") is None) != (b.get("created") is None):
        return False
    if a.get("created") != b.get("created") and parse_time(a["created"]) != parse_time(
        b["created"]
    ):
        return False
    return all(a.get(k) == b.get(k) for k in ("created_by", "author", "comment")) and bool(
        a.get("empty_layer")
    ) == bool(b.get("empty_layer"))


def are_parent_and_child(parent: dict[str, Any], child: dict[str, Any]) -> bool:
    """Podman's test: the child uses all the parent's diff ids and its history is the parent's
    plus one entry."""
    p_ids = (parent.get("rootfs") or {}).get("diff_ids") or []
    c_ids = (child.get("rootfs") or {}).get("diff_ids") or []
    if not parent or not child or c_ids[: len(p_ids)] != p_ids:
        return False
    p_hist = parent.get("history") or []
    c_hist = child.get("history") or []
    return len(p_hist) + 1 == len(c_hist) and all(
        _history_matches(a, b) for a, b in zip(p_hist, c_hist, strict=False)
    )


class Labels:
    """Images' config labels: from Store.image_listing's JSON when given, else read per image."""

    def __init__(self, store: Store, known: dict[str, str | None] | None = None) -> None:
        self._store = store
        self._known = known
        self._parsed: dict[str, dict[str, str]] = {}

    def of(self, image: Image) -> dict[str, str]:
        if image.id in self._parsed:
            return self._parsed[image.id]
        if self._known is None:
            from pypod.local.image_inspect import image_config

            labels: Any = (image_config(self._store, image).get("config") or {}).get("Labels")
        else:
            text = self._known.get(image.id)
            labels = _json(text) if text else None
        self._parsed[image.id] = dict(labels) if isinstance(labels, dict) else {}
        return self._parsed[image.id]


def _json(text: str) -> Any:
    import json  # only for images that have labels

    try:
        return json.loads(text)
    except ValueError:
        return None


def summarize(
    store: Store, image: Image, topo: Topology, containers: int = 0, labels: Labels | None = None
) -> ImageSummary:
    parent = topo.parent(image)
    tags = tuple(f"{r}:{t}" for r, t in repo_tags(image))
    return ImageSummary(
        id=image.id,
        parent_id=parent.id if parent else "",
        repo_tags=tags,
        repo_digests=tuple(repo_digests(image)),
        digest=image.digest,
        created=image.created,
        size=image.size,
        shared_size=0,
        virtual_size=image.size,
        labels=dict((labels or Labels(store)).of(image)),
        containers=containers,
        read_only=image.read_only,
        dangling=not tags,
        names_history=tuple(names_history(image)),
    )


def _bool(key: str, value: str) -> bool:
    """Go's strconv.ParseBool, and Podman's error (its two names swapped, as Podman has them)."""
    if value in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if value in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise InvalidArgument(
        f'non-boolean value "{key}" for {value} filter: '
        f'strconv.ParseBool: parsing "{value}": invalid syntax'
    )


def _labels_match(labels: Labels, image: Image, spec: str) -> bool:
    key, _, value = spec.partition("=")
    found = labels.of(image)
    if key not in found:
        return False
    return not value or found[key] == value


def _reference_match(image: Image, pattern: str) -> bool:
    from fnmatch import fnmatchcase  # filters only

    for full in image.names:
        repo, tag, _ = split_name(full)
        forms = {full, repo}
        for prefix in ("docker.io/library/", "docker.io/", "localhost/"):
            if full.startswith(prefix):
                forms.update({full[len(prefix) :], repo[len(prefix) :]})
        if tag:
            forms.update({f"{repo.rsplit('/', 1)[-1]}:{tag}", repo.rsplit("/", 1)[-1]})
        if any(fnmatchcase(f, pattern) for f in forms):
            return True
    return False


_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def parse_until(value: str) -> float:
    """A Go duration ("10m", "1h30m": that long ago), unix seconds or an RFC 3339 time."""
    import re  # filters only

    from pypod.local.image_inspect import parse_time

    if re.fullmatch(r"(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+", value):
        pairs = re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", value)
        secs = sum(float(n) * _UNIT[u] for n, u in pairs)
        return time.time() - secs
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return float(value)
    ts = parse_time(value)
    if not ts:
        raise InvalidArgument(f'failed to parse value as time or duration: "{value}"')
    return ts


def _predicate(store: Store, topo: Topology, labels: Labels, key: str, value: str) -> Predicate:
    if key == "dangling":
        want = _bool(key, value)
        return lambda im: (not repo_tags(im)) == want
    if key == "intermediate":
        want = _bool(key, value)
        return lambda im: (not repo_tags(im) and topo.has_children(im)) == want
    if key == "readonly":
        want = _bool(key, value)
        return lambda im: im.read_only == want
    if key == "label":
        return lambda im: _labels_match(labels, im, value)
    if key == "reference":
        return lambda im: _reference_match(im, value)
    if key == "id":  # Podman compares the full id
        return lambda im: im.id == value.removeprefix("sha256:")
    if key in ("before", "since", "after"):
        try:
            ref = find_image(store, value).created
        except ImageNotFound as exc:
            raise ImageNotFound(
                f'could not find local image for filter filter "{key}"="{value}": {exc.message}'
            ) from exc
        if key == "before":
            return lambda im: im.created < ref
        return lambda im: im.created > ref
    if key == "until":
        limit = parse_until(value)
        return lambda im: im.created < limit
    raise InvalidArgument(f'unsupported image filter "{key}"')


def build_filter(
    store: Store, topo: Topology, filters: Iterable[str], labels: Labels | None = None
) -> Predicate:
    labels = labels or Labels(store)
    groups: dict[str, list[Predicate]] = {}
    bools: dict[str, str] = {}
    for spec in filters:
        key, sep, value = spec.partition("!=")
        negate = bool(sep)
        if not negate:
            key, sep, value = spec.partition("=")
        if not sep:
            raise InvalidArgument(
                f'invalid image filter "{spec}": must be in the format '
                '"filter=value or filter!=value"'
            )
        if key not in _KEYS:
            raise InvalidArgument(f'unsupported image filter "{key}"')
        if key in _BOOL_KEYS and bools.setdefault(key, value) != value:
            raise InvalidArgument(
                f'specifying "{key}" filter more than once with different values is not supported'
            )
        pred = _predicate(store, topo, labels, key, value)
        groups.setdefault(key, []).append(_negated(pred) if negate else pred)
    preds = list(groups.values())
    return lambda im: all(any(p(im) for p in group) for group in preds)


_BOOL_KEYS = ("dangling", "intermediate", "readonly")


def _negated(pred: Predicate) -> Predicate:
    return lambda im: not pred(im)


_SORTS = ("created", "id", "repository", "size", "tag")


def list_images(
    store: Store, req: ListRequest, containers: Callable[[str], int] | None = None
) -> list[ImageSummary]:
    if req.sort not in _SORTS:
        raise InvalidArgument(
            f'"{req.sort}" is not a valid field for sorting. Choose from: {", ".join(_SORTS)}'
        )
    if not req.all and any(f.startswith("intermediate=") and f != "intermediate=false"
                           for f in req.filters):  # fmt: skip
        # Podman adds intermediate=false itself without --all, and refuses the conflict
        raise InvalidArgument(
            'specifying "intermediate" filter more than once with different values is not supported'
        )
    with store.reading():
        listing = store.image_listing()
        images = [im for im, _parent, _labels in listing]
        topo = Topology(store, images, {im.top_layer: p for im, p, _ in listing if im.top_layer})
        labels = Labels(store, {im.id: text for im, _parent, text in listing})
        keep = build_filter(store, topo, req.filters, labels)
        chosen = [
            im
            for im in images
            if keep(im) and (req.all or repo_tags(im) or not topo.has_children(im))
        ]
        out = [
            summarize(store, im, topo, containers(im.id) if containers else 0, labels)
            for im in chosen
        ]
    out.sort(key=lambda s: (-s.created, s.id))
    return out


def rows(summaries: list[ImageSummary], sort: str) -> list[ImageRow]:
    out: list[ImageRow] = []
    for s in summaries:
        if not s.repo_tags:
            out.append(ImageRow(repository="<none>", tag="<none>", digest=s.digest, image=s))
            continue
        for name in s.repo_tags:
            repo, tag, _ = split_name(name)
            out.append(ImageRow(repository=repo, tag=tag, digest=s.digest, image=s))
    keys: dict[str, Callable[[ImageRow], object]] = {
        "created": lambda r: -r.image.created,
        "id": lambda r: r.image.id,
        "repository": lambda r: r.repository,
        "tag": lambda r: r.tag,
        "size": lambda r: r.image.size,
    }
    out.sort(key=keys[sort])  # stable: equal keys keep newest-first order
    return out


def now() -> float:
    return time.time()
