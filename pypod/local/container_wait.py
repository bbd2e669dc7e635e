"""wait: block until each container reaches one of the conditions; report exit codes.

No daemon pushes state changes, so waiting is polling the state (through sync_state, so a
container whose conmon died still ends the wait), starting fast and backing off to the
requested interval.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pypod.core.model import Status
from pypod.domain.containers_ops import WaitReport, WaitRequest
from pypod.errors import ContainerNotFound, InvalidArgument, PypodError
from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    from pypod.core.model import ContainerState
    from pypod.local.engine import LocalEngine

_STATE_CONDITIONS = {
    "configured": {Status.CONFIGURED},
    "created": {Status.CREATED, Status.CONFIGURED},
    "running": {Status.RUNNING},
    "paused": {Status.PAUSED},
    "stopped": {Status.STOPPED, Status.EXITED},
    "exited": {Status.STOPPED, Status.EXITED},
    "removing": {Status.REMOVING},
    "unknown": {Status.UNKNOWN},
}
_HEALTH_CONDITIONS = ("healthy", "unhealthy")


def _met(state: ContainerState, conditions: tuple[str, ...]) -> bool:
    for cond in conditions:
        if cond in _HEALTH_CONDITIONS:
            if state.health.status == cond:
                return True
        elif state.status in _STATE_CONDITIONS[cond]:
            return True
    return False


def wait_one(engine: LocalEngine, cid: str, conditions: tuple[str, ...], interval: float) -> int:
    delay = 0.005
    last_code = None
    while True:
        try:
            _, state = lk.load(engine, cid)
        except ContainerNotFound:
            if last_code is not None:
                return last_code  # removed right after it exited (--rm)
            raise
        if state.status in (Status.STOPPED, Status.EXITED):
            last_code = state.exit_code
        if _met(state, conditions):
            return state.exit_code
        time.sleep(delay)
        delay = min(delay * 2, interval)


def wait(engine: LocalEngine, req: WaitRequest) -> list[WaitReport]:
    conditions = req.conditions or ("stopped",)
    for cond in conditions:
        if cond not in _STATE_CONDITIONS and cond not in _HEALTH_CONDITIONS:
            raise InvalidArgument(f"{cond} is not a valid container state")
    found = lk.targets(engine, req.names, latest=req.latest, ignore=req.ignore)
    missing = lk.first_missing(found)
    if missing is not None:
        return [WaitReport(name=missing, error=lk.not_found(missing))]
    reports = []
    for name, cid in found:
        if isinstance(cid, Exception):
            reports.append(WaitReport(name=name, error=lk.not_found(name)))
            continue
        try:
            code = wait_one(engine, cid, conditions, max(req.interval_s, 0.01))
        except ContainerNotFound:
            if not req.ignore:
                reports.append(WaitReport(id=cid, name=name, error=lk.not_found(name)))
            continue
        except PypodError as exc:
            reports.append(WaitReport(id=cid, name=name, error=exc))
            continue
        reports.append(WaitReport(id=cid, name=name, exit_code=code))
    return reports
