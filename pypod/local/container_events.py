"""`events`: the on-disk event log (core/events.py) read through the engine API.

Events of every type (container, image, volume, system, ...) are yielded as Podman's JSON
documents (the shape `events --format json` prints and the REST API streams), so a remote
client and the local engine hand the CLI the same thing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pypod.errors import InvalidArgument

if TYPE_CHECKING:
    from pypod.domain.containers_ops import EventsRequest
    from pypod.local.engine import LocalEngine


def events(engine: LocalEngine, req: EventsRequest) -> Iterator[dict[str, Any]]:
    """Past events in log order, then (with req.stream) new ones as they are written, until
    req.until passes or the consumer stops iterating. Bad filters fail before anything is read."""
    from pypod.core.events import parse_filters

    try:
        parse_filters(list(req.filters))
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from exc
    if req.since is not None and req.until is not None and req.until < req.since:
        raise InvalidArgument("since time must be before until time")
    return _read(engine, req)


def _read(engine: LocalEngine, req: EventsRequest) -> Iterator[dict[str, Any]]:
    for event in engine.events.read(
        since=req.since, until=req.until, filters=req.filters, stream=req.stream
    ):
        yield event.to_dict()
