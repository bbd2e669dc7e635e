"""Transports: a name, a parser, and ImageRefs that open sources and destinations.

The table maps a transport name to the module that implements it; a module is imported only
when its transport is used, so `containers-storage:` (pypod.image.transports.storage) does not
pull the store into commands that never touch it, and docker:// does not import httpx early.

    docker://NAME                       a registry (pypod.image.registry)
    oci:PATH[:REF]                      an OCI image layout directory
    oci-archive:PATH[:REF]              a tar of an OCI image layout
    docker-archive:PATH[:REF|:@N]       `docker save` / `podman save` archives
    dir:PATH                            skopeo's directory format
    containers-storage:[...]NAME        pypod's local store
"""

from __future__ import annotations

import importlib
from typing import Any

from pypod.errors import InvalidReference
from pypod.image.types import ImageRef

# transport name -> module providing `parse_reference(string_within_transport) -> ImageRef`
TRANSPORTS: dict[str, str] = {
    "docker": "pypod.image.transports.docker",
    "oci": "pypod.image.transports.oci",
    "oci-archive": "pypod.image.transports.oci_archive",
    "docker-archive": "pypod.image.transports.docker_archive",
    "dir": "pypod.image.transports.dir",
    "containers-storage": "pypod.image.transports.storage",
}


def split_transport(name: str) -> tuple[str | None, str]:
    """("oci", "/x:tag") for "oci:/x:tag"; (None, name) when no known transport prefixes it."""
    head, sep, rest = name.partition(":")
    if sep and head in TRANSPORTS:
        return head, rest
    return None, name


def parse(name: str, default_transport: str | None = "docker") -> ImageRef:
    """Parse "transport:reference"; a bare name goes to default_transport (None: an error).

    For the docker transport a bare name is the image name ("quay.io/a/b:1"); the explicit form
    is "docker://quay.io/a/b:1".
    """
    transport, rest = split_transport(name)
    if transport is None:
        if default_transport is None:
            raise InvalidReference(f"invalid image reference {name!r}: no transport given")
        transport = default_transport
        if transport == "docker":
            rest = "//" + name
    return get_transport(transport).parse_reference(rest)


def get_transport(name: str) -> Any:
    """The module implementing a transport (it has parse_reference(s) -> ImageRef)."""
    module = TRANSPORTS.get(name)
    if module is None:
        raise InvalidReference(f"unknown transport {name!r}")
    return importlib.import_module(module)


def register(name: str, module: str) -> None:
    TRANSPORTS[name] = module
