"""logs: one container's log, or several interleaved, read from conmon's log files.

The format and following live in runtime/logs.py; here: which file, when following ends
(the container is no longer running), and merging several containers. Without -f lines are
merged by time; with -f each container is followed on its own thread and lines are passed on
as they arrive.
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from pypod.core.model import Status
from pypod.domain.containers_ops import LogLine, LogsRequest
from pypod.errors import InvalidArgument, PypodError
from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig
    from pypod.local.engine import LocalEngine

_ACTIVE = (Status.RUNNING, Status.PAUSED, Status.CREATED)
_DONE_CHECK_S = 0.1


def _exited(engine: LocalEngine, cid: str) -> Callable[[], bool]:
    """done() for follow: true once the container is not running (or is gone)."""
    last = [0.0, False]

    def done() -> bool:
        now = time.monotonic()
        if now - last[0] < _DONE_CHECK_S:
            return bool(last[1])
        last[0] = now
        try:
            _, state = lk.load(engine, cid)
        except PypodError:
            last[1] = True
            return True
        last[1] = state.status not in _ACTIVE
        return bool(last[1])

    return done


def _lines(engine: LocalEngine, config: ContainerConfig, req: LogsRequest) -> Iterator[LogLine]:
    from pypod.runtime.logs import read_logs

    if config.log.driver in ("none", "passthrough"):
        raise InvalidArgument(
            f"this container is using the '{config.log.driver}' log driver, cannot read logs: "
            "this container is not using the k8s-file or journald log driver"
        )
    since = int(req.since * 1e9) if req.since is not None else None
    until = int(req.until * 1e9) if req.until is not None else None
    for line in read_logs(
        config.log.path, since_ns=since, until_ns=until, tail=req.tail, follow=req.follow,
        done=_exited(engine, config.id),
    ):  # fmt: skip
        yield LogLine(
            cid=config.id, name=config.name, time_ns=line.time_ns, stream=line.stream,
            text=line.text, partial=line.partial, stamp=line.stamp,
        )  # fmt: skip


def logs(engine: LocalEngine, req: LogsRequest) -> Iterator[LogLine]:
    found = lk.targets(engine, req.names, latest=req.latest)
    configs = []
    for name, cid in found:
        if isinstance(cid, Exception):
            raise lk.not_found(name)
        configs.append(lk.load(engine, cid)[0])
    if len(configs) == 1:
        return _lines(engine, configs[0], req)
    if not req.follow:
        return heapq.merge(*(_lines(engine, c, req) for c in configs), key=lambda ln: ln.time_ns)
    return _follow_many(engine, configs, req)


def _follow_many(
    engine: LocalEngine, configs: list[ContainerConfig], req: LogsRequest
) -> Iterator[LogLine]:
    q: queue.Queue[LogLine | Exception | None] = queue.Queue(maxsize=1024)

    def pump(config: ContainerConfig) -> None:
        try:
            for line in _lines(engine, config, req):
                q.put(line)
        except Exception as exc:  # handed to the consumer
            q.put(exc)
        finally:
            q.put(None)

    for c in configs:
        threading.Thread(target=pump, args=(c,), daemon=True).start()
    running = len(configs)
    while running:
        item = q.get()
        if item is None:
            running -= 1
        elif isinstance(item, Exception):
            raise item
        else:
            yield item
