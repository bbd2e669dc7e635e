"""image mount / unmount: read-only views of an image's root filesystem.

Rootless, the mount lives in pypod's user+mount namespace, invisible to the caller's shell, so
(as Podman does) the commands must run inside `pypod unshare`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pypod.domain.images_detail import MountReport
from pypod.errors import InvalidArgument, PypodError
from pypod.local.image_resolve import find_image

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine


def _require_namespace(verb: str) -> None:
    if os.geteuid() != 0:
        raise InvalidArgument(
            f'cannot run command "pypod image {verb}" in rootless mode, must execute '
            "`pypod unshare` first"
        )


def mount(engine: LocalEngine, names: list[str]) -> list[MountReport]:
    _require_namespace("mount")
    store = engine.store
    reports = []
    for name in names:
        try:
            image = find_image(store, name, engine.registries)
            path = store.mount_image(image.id)
        except PypodError as exc:
            reports.append(MountReport(name=name, error=exc))
            continue
        reports.append(MountReport(name=name, id=image.id, path=path, names=image.names))
    return reports


def mounted(engine: LocalEngine) -> list[MountReport]:
    _require_namespace("mount")
    store = engine.store
    reports = []
    for image_id, path in sorted(store.mounted_images().items()):
        try:
            names = store.image(image_id).names
        except PypodError:
            names = ()
        reports.append(MountReport(name=image_id, id=image_id, path=path, names=tuple(names)))
    return reports


def unmount(engine: LocalEngine, names: list[str], all: bool, force: bool) -> list[MountReport]:
    _require_namespace("unmount")
    store = engine.store
    if all:
        names = list(store.mounted_images())
    elif not names:
        raise InvalidArgument(
            "when using the --all switch, you may not pass any image names or IDs"
            if all
            else "image name or ID must be specified"
        )
    reports = []
    for name in names:
        try:
            image = find_image(store, name, engine.registries)
            store.unmount_image(image.id, force=force)
        except PypodError as exc:
            reports.append(MountReport(name=name, error=exc))
            continue
        reports.append(MountReport(name=name, id=image.id))
    return reports
