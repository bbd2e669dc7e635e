"""Finding the containers a verb targets, reading their current state, emitting their events.

Every verb on existing containers starts here: names (or --all / --latest / --cidfile) become
full ids, and state is read through container_recover.sync_state, which notices a container
whose conmon died or a host that rebooted, so a command never acts on a stale "running".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from pypod.errors import ContainerNotFound, InvalidArgument, PypodError
from pypod.log import get_logger

if TYPE_CHECKING:
    # the report types are imported where used: inspect/ps/run need none of them
    from pypod.core.model import ContainerConfig, ContainerState
    from pypod.domain.containers_ops import IdReport
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)
T = TypeVar("T")


def load(engine: LocalEngine, cid: str) -> tuple[ContainerConfig, ContainerState]:
    """Config and state, the state fixed up when conmon or the host went away."""
    try:
        from pypod.local.container_recover import sync_state
    except ImportError:  # the recovery module is written in parallel; plain reads until then
        return engine.container_store.get(cid)
    return sync_state(engine, cid)


def read_cidfiles(paths: Iterable[str]) -> list[str]:
    out = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                out.append(f.read().strip())
        except OSError as exc:
            raise InvalidArgument(f"reading CIDFile: {exc.strerror}: {path}") from exc
    return out


def exists(engine: LocalEngine, name: str) -> bool:
    try:
        engine.container_store.lookup(name)
    except ContainerNotFound:
        return False
    return True


def latest_id(engine: LocalEngine, verb: str = "operate on") -> str:
    cid = engine.container_store.newest()
    if cid is None:
        raise ContainerNotFound(f"no containers to {verb}: no such container")
    return cid


def first_missing(found: Iterable[tuple[str, str | Exception]]) -> str | None:
    """The first name targets() did not find. Like Podman, a command given one stops before
    it touches any container (`stop a nosuch` leaves a running)."""
    return next((name for name, cid in found if isinstance(cid, Exception)), None)


def targets(
    engine: LocalEngine,
    names: Iterable[str],
    *,
    all: bool = False,
    latest: bool = False,
    cidfiles: Iterable[str] = (),
    ignore: bool = False,
) -> list[tuple[str, str | Exception]]:
    """(what the user typed, full id or the lookup error) per target, in the user's order."""
    names = list(names) + read_cidfiles(cidfiles)
    if all and names:
        raise InvalidArgument("--all and containers cannot be used together")
    if latest and names:
        raise InvalidArgument("--latest and containers cannot be used together")
    store = engine.container_store
    if all:
        return [(c.id, c.id) for c, _ in store.list()]
    if latest:
        cid = latest_id(engine)
        return [(cid, cid)]
    if not names:
        raise InvalidArgument("you must provide at least one name or id")
    out: list[tuple[str, str | Exception]] = []
    for name in names:
        try:
            out.append((name, store.lookup(name)))
        except ContainerNotFound as exc:
            if not ignore:
                out.append((name, exc))
    return out


def not_found(name: str) -> ContainerNotFound:
    return ContainerNotFound(f'no container with name or ID "{name}" found: no such container')


def for_each(
    engine: LocalEngine,
    found: list[tuple[str, str | Exception]],
    action: Callable[[str, str], IdReport | None],
) -> list[IdReport]:
    """Run action(name, cid) per target; errors become reports so the others still run."""
    from pypod.domain.containers_ops import IdReport

    missing = first_missing(found)
    if missing is not None:
        return [IdReport(name=missing, error=not_found(missing))]
    reports = []
    for name, cid in found:
        assert not isinstance(cid, Exception)
        try:
            report = action(name, cid)
        except ContainerNotFound:
            report = IdReport(id=cid, name=name, error=not_found(name))
        except PypodError as exc:
            report = IdReport(id=cid, name=name, error=exc)
        if report is not None:
            reports.append(report)
    return reports


def one(engine: LocalEngine, name: str, latest: bool = False) -> str:
    """The full id of a single named container (or the latest)."""
    if latest:
        return latest_id(engine)
    if not name:
        raise InvalidArgument("you must provide a container name or id")
    try:
        return engine.container_store.lookup(name)
    except ContainerNotFound as exc:
        raise not_found(name) from exc


def emit(engine: LocalEngine, config: ContainerConfig, status: str, **fields: Any) -> None:
    """A container event in the on-disk log (the lifecycle's writer; never fails a verb)."""
    from pypod.local.container_start import emit as _emit

    _emit(engine, config, status, **fields)
