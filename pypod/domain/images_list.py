"""Requests and reports of `images` (list). Kept apart and small: `pypod images` is the
command users run most, and every dataclass created at import costs start-up time."""

from __future__ import annotations

from pypod.records import record


@record
class ListRequest:
    all: bool = False
    filters: tuple[str, ...] = ()  # "key=value" as given on the command line
    sort: str = "created"  # created | id | repository | size | tag


@record
class ImageSummary:
    id: str
    parent_id: str
    repo_tags: tuple[str, ...]
    repo_digests: tuple[str, ...]
    digest: str
    created: float
    size: int
    shared_size: int
    virtual_size: int
    labels: dict[str, str]
    containers: int
    read_only: bool
    dangling: bool
    names_history: tuple[str, ...] = ()


@record
class ImageRow:
    """One line of `images`: an image under one of its names (`<none>` when untagged)."""

    repository: str
    tag: str
    digest: str
    image: ImageSummary
