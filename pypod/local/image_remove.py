"""rmi, prune, tag and untag: every decision about which names and images go.

Podman's rules: removing by name with other names left only untags; removing by id (or prefix,
or digest) an image with several names needs --force; an image a container uses needs --force
(the container hook is `users(image_id) -> list[str]`, empty until containers exist).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pypod.domain.images_remove import PruneRequest, RemoveReport, RemoveRequest
from pypod.errors import Conflict, ImageInUse, ImageNotFound, InvalidArgument, NotFound
from pypod.local.image_list import Topology, build_filter
from pypod.local.image_resolve import find_image, normalize_name, repo_tags, split_name
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.storage.store import Store
    from pypod.storage.types import Image

log = get_logger(__name__)

Users = Callable[[str], list[str]]
RemoveUsers = Callable[[str], None]


def _by_name(image: Image, name: str) -> str | None:
    """The stored name NAME denotes when it names (not identifies) the image."""
    key = name.removeprefix("sha256:")
    if image.id.startswith(key) or "@" in name:
        return None
    repo, tag, _ = split_name(name)
    want_tag = tag or "latest"
    for full in image.names:
        r, t, _ = split_name(full)
        if t == want_tag and (r == repo or r.endswith("/" + repo)):
            return full
    return None


def _delete(
    store: Store,
    image: Image,
    name: str,
    users: Users,
    force: bool,
    remove_users: RemoveUsers | None,
) -> RemoveReport:
    using = users(image.id)
    if using:
        if not force or remove_users is None:
            raise ImageInUse(
                f"image used by {using[0]}: image is in use by a container: consider listing "
                "external containers and force-removing image"
            )
        remove_users(image.id)
    untagged = tuple(image.names)
    store.delete_image(image.id)
    return RemoveReport(name=name, id=image.id, untagged=untagged, deleted=True, size=image.size)


def remove_one(
    store: Store,
    name: str,
    req: RemoveRequest,
    users: Users,
    remove_users: RemoveUsers | None,
    registries: object | None,
) -> RemoveReport:
    image = find_image(store, name, registries)
    named = _by_name(image, name)
    if named is not None and len(image.names) > 1 and not req.force:
        store.remove_names(image.id, (named,))
        return RemoveReport(name=name, id=image.id, untagged=(named,))
    if named is None and len(image.names) > 1 and not req.force:
        raise Conflict(
            f'unable to delete image "{image.id}" by ID with more than one tag '
            f"([{' '.join(image.names)}]): please force removal"
        )
    return _delete(store, image, name, users, req.force, remove_users)


def remove(
    store: Store,
    req: RemoveRequest,
    users: Users,
    remove_users: RemoveUsers | None,
    registries: object | None,
) -> list[RemoveReport]:
    if req.all and req.names:
        raise InvalidArgument(
            "when using the --all switch, you may not pass any images names or IDs"
        )
    if not req.all and not req.names:
        raise InvalidArgument("image name or ID must be specified")
    reports: list[RemoveReport] = []
    if req.all:
        # children before parents, newest first, so every delete is allowed
        for image in sorted(store.images(), key=lambda im: -im.created):
            try:
                reports.append(_delete(store, image, image.id, users, req.force, remove_users))
            except (ImageInUse, NotFound) as exc:
                reports.append(RemoveReport(name=image.id, id=image.id, error=exc))
        return reports
    for name in req.names:
        try:
            reports.append(remove_one(store, name, req, users, remove_users, registries))
        except ImageNotFound as exc:
            if not req.ignore:
                reports.append(RemoveReport(name=name, error=exc))
        except (ImageInUse, Conflict, NotFound) as exc:
            reports.append(RemoveReport(name=name, error=exc))
    return reports


def prune(store: Store, req: PruneRequest, users: Users) -> list[RemoveReport]:
    """Dangling (or, with all, every unused) images; repeated while removals free parents."""
    reports: list[RemoveReport] = []
    filters = [f for f in req.filters if not f.startswith("dangling=")]
    while True:
        images = store.images()
        topo = Topology(store, images)
        keep = build_filter(store, topo, filters)
        victims = [
            im
            for im in images
            if keep(im)
            and not users(im.id)
            and not topo.has_children(im)
            and (req.all or not repo_tags(im))
        ]
        if not victims:
            return reports
        for image in victims:
            store.delete_image(image.id)
            reports.append(
                RemoveReport(
                    name=image.id,
                    id=image.id,
                    untagged=tuple(image.names),
                    deleted=True,
                    size=image.size,
                )
            )


def tag(store: Store, name: str, new_names: list[str], registries: object | None) -> None:
    if not new_names:
        raise InvalidArgument("at least two arguments are required")
    image = find_image(store, name, registries)
    full = tuple(normalize_name(n) for n in new_names)  # validate all before changing anything
    store.add_names(image.id, full)


def untag(store: Store, name: str, names: list[str], registries: object | None) -> None:
    image = find_image(store, name, registries)
    if not names:
        if image.names:
            store.remove_names(image.id, tuple(image.names))
        return
    drop: list[str] = []
    for n in names:
        full = normalize_name(n)
        if full not in image.names:
            match = _by_name(image, n)
            if match is None:
                raise NotFound(f"{full}: tag not known")
            full = match
        drop.append(full)
    store.remove_names(image.id, tuple(drop))
