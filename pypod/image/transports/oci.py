"""oci:PATH[:REFERENCE]: an OCI image layout directory; REFERENCE is the image's
org.opencontainers.image.ref.name annotation (optional when the layout holds one image)."""

from __future__ import annotations

import os
import re

from pypod.errors import InvalidReference
from pypod.image.transports.layout_common import LayoutDestination, LayoutSource
from pypod.image.types import ImageDestination, ImageSource, SystemContext
from pypod.records import record

TRANSPORT = "oci"
# what an org.opencontainers.image.ref.name may hold (a tag or a full reference)
_REF_CHARS = re.compile(r"[A-Za-z0-9._:@/+-]+")


def split_path_and_image(s: str, transport: str) -> tuple[str, str]:
    """PATH[:REF], split at the first colon as containers/image does (paths hold no ':')."""
    path, _, image = s.partition(":")
    if not path:
        raise InvalidReference(f"invalid {transport} reference {s!r}: no path")
    if image and not _REF_CHARS.fullmatch(image):
        raise InvalidReference(f"invalid {transport} reference {s!r}: bad image name {image!r}")
    return os.path.abspath(path), image


@record
class OciRef:
    path: str
    image: str = ""

    @property
    def transport(self) -> str:
        return TRANSPORT

    def string_within_transport(self) -> str:
        return f"{self.path}:{self.image}" if self.image else self.path

    def __str__(self) -> str:
        return f"{TRANSPORT}:{self.string_within_transport()}"

    def new_source(self, ctx: SystemContext) -> ImageSource:
        return LayoutSource(self, self.path, self.image)

    def new_destination(self, ctx: SystemContext) -> ImageDestination:
        return LayoutDestination(self, self.path, self.image)


def parse_reference(s: str) -> OciRef:
    path, image = split_path_and_image(s, TRANSPORT)
    return OciRef(path=path, image=image)
