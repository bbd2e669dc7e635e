"""The event log: Podman's "file" events backend, JSON lines in run_root/events/events.log.

Each line is one event in Podman's JSON shape (ID, Image, Name, Status, Time, Type,
Attributes, ContainerExitCode, ...), so tools reading Podman's log read ours. A writer appends
one whole line with a single O_APPEND write, which the kernel keeps atomic against other
appenders; readers tail the file by polling (no inotify), tolerating a half-written last line
and a file that is truncated or replaced (system reset).

Emitting never fails the operation that emits: a log that cannot be written is a warning.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import BinaryIO

from pypod.log import get_logger
from pypod.records import field, record

log = get_logger(__name__)

# Podman's event types and the keys `events --filter` accepts
TYPES = ("container", "image", "volume", "pod", "network", "system", "machine", "secret")
FILTER_KEYS = ("container", "event", "status", "image", "label", "pod", "type", "volume",
               "network", "since", "until")  # fmt: skip


@record
class Event:
    type: str
    status: str
    time_ns: int = field(default_factory=time.time_ns)
    id: str = ""
    name: str = ""
    image: str = ""
    network: str = ""
    exit_code: int | None = None  # container "died" events
    pod_id: str = ""
    health_status: str = ""
    attributes: dict[str, str] | None = None  # container labels, volume driver, ...

    @property
    def time(self) -> float:
        return self.time_ns / 1e9

    def to_dict(self) -> dict[str, object]:
        """Podman's JSON field order and omissions (omitempty fields left out when empty)."""
        doc: dict[str, object] = {}
        if self.exit_code is not None:
            doc["ContainerExitCode"] = self.exit_code
        for key, value in (("ID", self.id), ("Image", self.image), ("Name", self.name),
                           ("Network", self.network)):  # fmt: skip
            if value:
                doc[key] = value
        doc["Status"] = self.status
        doc["Time"] = format_time_rfc3339(self.time_ns)
        doc["Type"] = self.type
        if self.health_status:
            doc["HealthStatus"] = self.health_status
        if self.pod_id:
            doc["PodID"] = self.pod_id
        doc["Attributes"] = self.attributes or None
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Event:
        code = d.get("ContainerExitCode")
        attrs = d.get("Attributes")
        return cls(
            type=str(d.get("Type", "")),
            status=str(d.get("Status", "")),
            time_ns=parse_time_rfc3339(str(d.get("Time", ""))),
            id=str(d.get("ID", "")),
            name=str(d.get("Name", "")),
            image=str(d.get("Image", "")),
            network=str(d.get("Network", "")),
            exit_code=int(code) if isinstance(code, int | float) else None,
            pod_id=str(d.get("PodID", "")),
            health_status=str(d.get("HealthStatus", "")),
            attributes={str(k): str(v) for k, v in attrs.items()}
            if isinstance(attrs, dict)
            else None,
        )

    def to_text(self) -> str:
        """Podman's default (human) line for `events`."""
        when = format_time_go(self.time_ns)
        head = f"{when} {self.type} {self.status}"
        if self.type in ("container", "pod"):
            extra = [f"image={self.image}", f"name={self.name}"]
            if self.pod_id:
                extra.append(f"pod_id={self.pod_id}")
            if self.health_status:
                extra.append(f"health_status={self.health_status}")
            if self.exit_code is not None and self.status == "died":
                extra.append(f"containerExitCode={self.exit_code}")
            extra += [f"{k}={v}" for k, v in (self.attributes or {}).items()]
            return f"{head} {self.id} ({', '.join(extra)})"
        if self.type == "network":
            return f"{head} {self.id} (container={self.id}, name={self.network})"
        if self.type == "image":
            return f"{head} {self.id} {self.name}"
        return f"{head} {self.name}" if self.name else head


def _fraction(ns: int) -> str:
    frac = f"{ns % 1_000_000_000:09d}".rstrip("0")
    return f".{frac}" if frac else ""


def format_time_rfc3339(ns: int) -> str:
    """Go's time.RFC3339Nano in UTC: trailing zeros of the fraction dropped."""
    base = datetime.fromtimestamp(ns // 1_000_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}{_fraction(ns)}Z"


def format_time_go(ns: int) -> str:
    """Go's time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC"."""
    base = datetime.fromtimestamp(ns // 1_000_000_000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{base}{_fraction(ns)} +0000 UTC"


def parse_time_rfc3339(text: str) -> int:
    """Nanoseconds since the epoch from RFC 3339 with up to 9 fraction digits; 0 if bad."""
    try:
        main, zone = text[:19], text[19:]
        frac = ""
        if zone.startswith("."):
            digits = len(zone) - len(zone[1:].lstrip("0123456789"))
            frac, zone = zone[1:digits], zone[digits:]
        base = datetime.fromisoformat(main + ("+00:00" if zone in ("Z", "") else zone))
        return int(base.timestamp()) * 1_000_000_000 + int((frac + "000000000")[:9])
    except ValueError:
        return 0


def parse_filters(filters: list[str] | tuple[str, ...]) -> dict[str, list[str]]:
    """ "key=value" strings into {key: [values]}; ValueError names a bad one."""
    out: dict[str, list[str]] = {}
    for f in filters:
        key, sep, value = f.partition("=")
        if not sep or not value:
            raise ValueError(f"{f!r} is not a valid filter: expected key=value")
        if key not in FILTER_KEYS:
            raise ValueError(f"{key!r} is not a valid events filter")
        out.setdefault(key, []).append(value)
    return out


def _match_one(key: str, value: str, e: Event) -> bool:
    if key in ("event", "status"):
        return e.status == value
    if key == "type":
        return e.type == value
    if key == "container":
        return e.type == "container" and (e.name == value or (e.id.startswith(value)))
    if key == "image":
        if e.type == "image":
            return e.name == value or e.id.startswith(value) or e.name.endswith("/" + value)
        return e.image == value or e.image.endswith("/" + value) or e.image.startswith(value)
    if key == "pod":
        return (e.type == "pod" and (e.name == value or e.id.startswith(value))) or (
            bool(e.pod_id) and e.pod_id.startswith(value)
        )
    if key == "volume":
        return e.type == "volume" and e.name == value
    if key == "network":
        return e.type == "network" and value in (e.network, e.id)
    if key == "label":
        k, _, v = value.partition("=")
        attrs = e.attributes or {}
        return k in attrs and (not v or attrs[k] == v)
    return True  # since/until are applied by read()


def matches(e: Event, filters: dict[str, list[str]]) -> bool:
    """Values of one key are ORed, different keys ANDed (Podman's rule)."""
    return all(
        any(_match_one(key, v, e) for v in values)
        for key, values in filters.items()
        if key not in ("since", "until")
    )


DEFAULT_MAX_SIZE = 1024 * 1024  # containers.conf events_logfile_max_size "1m"


class EventLog:
    """Append and read one events file. backend "none" writes and reads nothing.

    When the file outgrows max_size (<= 0: never) it is rotated as Podman does: the newer half
    is kept, followed by a system "log-rotation" event. Writers append under a shared flock on
    a side lock file and the rotation runs under the exclusive one, so no append is lost."""

    def __init__(self, path: str, backend: str = "file", max_size: int = DEFAULT_MAX_SIZE):
        self.path = path
        self.backend = backend
        self.max_size = max_size

    @classmethod
    def open(
        cls, run_root: str, backend: str = "file", path: str = "", max_size: int = DEFAULT_MAX_SIZE
    ) -> EventLog:
        return cls(path or os.path.join(run_root, "events", "events.log"), backend, max_size)

    def write(self, event: Event) -> None:
        if self.backend == "none":
            return
        data = (event.to_json() + "\n").encode()
        try:
            with self._locked(fcntl.LOCK_SH):
                size = _append(self.path, data)
            if 0 < self.max_size < size:
                with self._locked(fcntl.LOCK_EX):
                    self._rotate()
        except OSError as exc:
            log.warning("cannot write event to %s: %s", self.path, exc)

    @contextmanager
    def _locked(self, how: int) -> Iterator[None]:
        lock = self.path + ".lock"
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
        try:
            fd = os.open(lock, flags, 0o600)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            fd = os.open(lock, flags, 0o600)
        try:
            fcntl.flock(fd, how)
            yield
        finally:
            os.close(fd)

    def _rotate(self) -> None:
        """Keep the newer half of the lines (another writer may have rotated already)."""
        try:
            with open(self.path, "rb") as f:
                content = f.read()
        except FileNotFoundError:
            return
        if len(content) <= self.max_size:
            return
        cut = content.find(b"\n", len(content) // 2)
        kept = content[cut + 1 :] if cut >= 0 else b""
        note = Event(type="system", status="log-rotation", name=self.path)
        tmp = f"{self.path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(kept + (note.to_json() + "\n").encode())
        os.replace(tmp, self.path)

    def emit(self, type: str, status: str, **fields: object) -> None:
        """write(Event(type=..., status=..., **fields)) in one call."""
        self.write(Event(type=type, status=status, **fields))  # type: ignore[arg-type]

    def read(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        filters: list[str] | tuple[str, ...] = (),
        stream: bool = False,
        stop: Callable[[], bool] | None = None,
        poll_s: float = 0.1,
    ) -> Iterator[Event]:
        """Events in log order. With stream, keep following the file until `until` passes,
        `stop()` returns True or the consumer stops iterating."""
        if self.backend == "none":
            return
        parsed = parse_filters(filters)
        since_ns = int(since * 1e9) if since is not None else None
        until_ns = int(until * 1e9) if until is not None else None
        for e in self._tail(stream, until_ns, stop, poll_s):
            if since_ns is not None and e.time_ns < since_ns:
                continue
            if until_ns is not None and e.time_ns > until_ns:
                continue
            if matches(e, parsed):
                yield e

    def _tail(
        self,
        stream: bool,
        until_ns: int | None,
        stop: Callable[[], bool] | None,
        poll_s: float,
    ) -> Iterator[Event]:
        f = None
        ino = None
        pending = b""
        last = b""  # the last whole line read: where to resume in a rotated file
        reopened = False
        try:
            while True:
                if f is None:
                    f, ino = _open(self.path)
                if f is not None:
                    chunk = f.read()
                    if reopened:
                        chunk = _after(chunk, last)
                        reopened = False
                    if chunk:
                        pending += chunk
                        *lines, pending = pending.split(b"\n")
                        if lines:
                            last = lines[-1]
                        yield from _decode(lines)
                        continue
                if not stream:
                    return
                if (stop is not None and stop()) or (
                    until_ns is not None and time.time_ns() > until_ns
                ):
                    return
                time.sleep(poll_s)
                if f is not None and _replaced(self.path, ino, f.tell()):
                    f.close()
                    f, pending, reopened = None, b"", True
        finally:
            if f is not None:
                f.close()


def _open(path: str) -> tuple[BinaryIO | None, int | None]:
    try:
        f = open(path, "rb")  # noqa: SIM115 - the caller holds it across yields
    except FileNotFoundError:
        return None, None
    return f, os.fstat(f.fileno()).st_ino


def _after(content: bytes, last: bytes) -> bytes:
    """A rotated file starts with lines already read: resume after the last one seen. A file
    that does not contain it (reset, or rotated past it) is read whole."""
    if not last:
        return content
    at = content.rfind(last + b"\n")
    return content[at + len(last) + 1 :] if at >= 0 else content


def _append(path: str, data: bytes) -> int:
    """One O_APPEND write (atomic against other appenders); the file's size after it."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def _replaced(path: str, ino: int | None, offset: int) -> bool:
    """The file was removed, replaced or truncated under the reader."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return True
    return st.st_ino != ino or st.st_size < offset


def _decode(lines: list[bytes]) -> Iterator[Event]:
    for raw in lines:
        if not raw.strip():
            continue
        try:
            doc = json.loads(raw)
        except ValueError:
            log.debug("skipping a malformed event line: %r", raw[:200])
            continue
        if isinstance(doc, dict):
            yield Event.from_dict(doc)
