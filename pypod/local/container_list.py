"""ps: container summaries, Podman's filters, sort orders and status words.

Fast at 1,000 containers: one query for every record; only containers the database says are
live (created, running, paused) are re-synced, since only they can have changed behind our
back (a dead conmon, a reboot).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pypod.core.model import ContainerBrief, ContainerConfig, ContainerState, Status, state_word
from pypod.domain.containers_ops import ContainerSummary, ListRequest
from pypod.errors import InvalidArgument, PypodError

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

# ps reads ContainerBrief rows; rm --filter passes whole configs (same attribute names)
Row = tuple[ContainerConfig | ContainerBrief, ContainerState]
_LIVE = frozenset({Status.CREATED, Status.RUNNING, Status.PAUSED})
_STATES = ("created", "running", "paused", "stopped", "exited", "unknown", "configured", "removing")
_FILTER_KEYS = (
    "name", "id", "label", "status", "ancestor", "exited", "before", "since", "volume", "health",
    "label!", "pod", "network", "until",
)  # fmt: skip


__all__ = ["build_filter", "list_containers", "state_word", "status_text", "summarize"]


def status_text(state: ContainerState, now: float | None = None) -> str:
    """ps STATUS as Podman 4.3 prints it: "Up 3 seconds ago", "Exited (0) 2 seconds ago",
    "Created", "Paused", with the health in parentheses. Like Podman, the start and exit times
    count in whole seconds."""
    from pypod.format.units import human_duration

    now = time.time() if now is None else now
    if state.status is Status.RUNNING:
        text = f"Up {human_duration(now - int(state.started_at))} ago"
    elif state.status in (Status.STOPPED, Status.EXITED):
        ago = human_duration(now - int(state.finished_at))
        text = f"Exited ({state.exit_code}) {ago} ago"
    else:
        text = state_word(state.status).title()
    return f"{text} ({state.health.status})" if state.health.status else text


def summarize(
    config: ContainerConfig | ContainerBrief, state: ContainerState, now: float
) -> ContainerSummary:
    exited = state.status in (Status.STOPPED, Status.EXITED)
    return ContainerSummary(
        id=config.id,
        names=(config.name,),
        image=config.image_name,
        image_id=config.image_id,
        command=config.process_args,
        created=config.created,
        state=state_word(state.status),
        status=status_text(state, now),
        exit_code=state.exit_code,
        exited=exited,
        started_at=state.started_at,
        exited_at=state.finished_at,
        pid=state.pid if state.status in (Status.RUNNING, Status.PAUSED) else 0,
        labels=dict(config.labels),
        mounts=tuple(m.destination for m in config.mounts),
        auto_remove=config.auto_remove,
        pod=config.pod_id,
        networks=tuple(sorted(config.networks)) if config.network_mode == "bridge" else (),
        ports=tuple(config.ports),
        health=state.health.status,
    )


# filters -----------------------------------------------------------------------------------------
def _parse_filters(specs: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep:
            raise InvalidArgument(f"invalid filter {spec!r}".replace("'", '"'))
        if key not in _FILTER_KEYS:
            raise InvalidArgument(f"{key} is an invalid filter")
        out.setdefault(key, []).append(value)
    return out


def _label_match(labels: dict[str, str], spec: str) -> bool:
    key, sep, value = spec.partition("=")
    if key not in labels:
        return False
    return not sep or labels[key] == value


def _created_of(engine: LocalEngine, name: str) -> float:
    config, _ = engine.container_store.get(engine.container_store.lookup(name))
    return config.created


def _ancestor(engine: LocalEngine, values: list[str]) -> Callable[[Row], bool]:
    ids: set[str] = set()
    for v in values:
        try:
            from pypod.local.image_resolve import find_image

            ids.add(find_image(engine.store, v, engine.registries).id)
        except PypodError:
            pass

    def match(row: Row) -> bool:
        c = row[0]
        return c.image_id in ids or any(
            c.image_name == v or c.image_name.split("/")[-1] == v or c.image_id.startswith(v)
            for v in values
        )

    return match


def _check_states(values: list[str]) -> None:
    for v in values:
        if v not in _STATES:
            raise InvalidArgument(f"unknown container state: {v}: invalid argument")


def _status_match(state: ContainerState, values: list[str]) -> bool:
    for v in values:
        if v not in _STATES:
            raise InvalidArgument(f"unknown container state: {v}: invalid argument")
    word = state_word(state.status)
    # a container that exited but was not yet cleaned up is still "exited" to the user
    words = {word, "exited"} if word == "stopped" else {word}
    return bool(words & set(values))


def _volume_match(config: ContainerConfig | ContainerBrief, values: list[str]) -> bool:
    return any(m.source == v or m.destination == v for m in config.mounts for v in values)


def build_filter(engine: LocalEngine, specs: tuple[str, ...]) -> Callable[[Row], bool]:
    """All keys must match; several values of one key match when any does (Podman's rule)."""
    parsed = _parse_filters(specs)
    checks: list[Callable[[Row], bool]] = []
    for key, values in parsed.items():
        checks.append(_one_filter(engine, key, values))
    return lambda row: all(check(row) for check in checks)


def _one_filter(engine: LocalEngine, key: str, values: list[str]) -> Callable[[Row], bool]:
    if key == "name":
        pats = [re.compile(v) for v in values]
        return lambda r: any(p.search(r[0].name) for p in pats)
    if key == "id":
        return lambda r: any(r[0].id.startswith(v) for v in values)
    if key == "label":
        return lambda r: all(_label_match(r[0].labels, v) for v in values)
    if key == "label!":
        return lambda r: not any(_label_match(r[0].labels, v) for v in values)
    if key == "status":
        _check_states(values)  # up front, even with no container to match
        return lambda r: _status_match(r[1], values)
    if key == "ancestor":
        return _ancestor(engine, values)
    if key == "exited":
        codes = {int(v) for v in values}
        return lambda r: (
            r[1].status in (Status.STOPPED, Status.EXITED) and (r[1].exit_code in codes)
        )
    if key == "before":
        limit = min(_created_of(engine, v) for v in values)
        return lambda r: r[0].created < limit
    if key == "since":
        limit = max(_created_of(engine, v) for v in values)
        return lambda r: r[0].created > limit
    if key == "until":
        from pypod.format.units import parse_duration

        limit = min(_until(v, parse_duration) for v in values)
        return lambda r: r[0].created < limit
    if key == "volume":
        return lambda r: _volume_match(r[0], values)
    if key == "health":
        return lambda r: (r[1].health.status or "none") in values
    if key == "pod":
        return lambda r: any(r[0].pod_id.startswith(v) for v in values if v)
    return lambda r: r[0].network_mode in values  # network


def _until(value: str, parse_duration: Callable[[str], float]) -> float:
    try:
        return float(value)
    except ValueError:
        return time.time() - parse_duration(value)


# sorting -----------------------------------------------------------------------------------------
# Podman's orders: ascending, "runningfor" by start time, "status" by the state word,
# "size" by the root file system's size
_SORTS: dict[str, Callable[[ContainerSummary], object]] = {
    "command": lambda s: " ".join(s.command),
    "created": lambda s: s.created,
    "id": lambda s: s.id,
    "image": lambda s: s.image,
    "names": lambda s: s.names[0],
    "runningfor": lambda s: s.started_at,
    "size": lambda s: s.size_root_fs or 0,
    "status": lambda s: s.state,
}


def list_containers(engine: LocalEngine, req: ListRequest) -> list[ContainerSummary]:
    if req.sort not in _SORTS:
        raise InvalidArgument(
            f'invalid argument "{req.sort}" for "--sort" flag: "{req.sort}" is not a valid value.'
            f'  Choose from: "{", ".join(_SORTS)}"'
        )
    match = build_filter(engine, req.filters)
    from pypod.local.container_recover import current, reset_if_rebooted

    reset_if_rebooted(engine)
    rows = engine.container_store.list_brief()
    # a status filter asks for stopped containers by itself, as in Podman (exited= does not)
    everything = (
        req.all or req.latest or req.last > 0 or any(f.startswith("status=") for f in req.filters)
    )
    out: list[Row] = []
    for config, state in rows:
        if state.status in _LIVE:
            state = current(engine, config.id, state)  # facts on disk, no config needed
        if not everything and state.status not in (Status.RUNNING, Status.PAUSED):
            continue
        if match((config, state)):
            out.append((config, state))
    out.sort(key=lambda r: -r[0].created)  # the newest first, to cut
    if req.latest:
        out = out[:1]
    elif req.last > 0:
        out = out[: req.last]
    out.reverse()  # Podman lists the oldest first
    now = time.time()
    summaries = [summarize(c, s, now) for c, s in out]
    if req.size:
        summaries = [_with_size(engine, s) for s in summaries]
    return sorted(summaries, key=_SORTS[req.sort])  # type: ignore[arg-type,return-value]


def _with_size(engine: LocalEngine, s: ContainerSummary) -> ContainerSummary:
    from pypod.local.container_storage import layers
    from pypod.records import replace

    try:
        rw, root = layers(engine).size(s.id)
    except (PypodError, OSError):
        return s
    return replace(s, size_rw=rw, size_root_fs=root)
