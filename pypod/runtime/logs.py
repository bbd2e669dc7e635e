"""Reading container logs written by conmon.

The k8s-file format, one record a line: `2024-01-01T00:00:00.000000000+00:00 stdout F text`
(conmon writes local time with its offset; "P" marks a partial line whose rest follows in the
next record). json-file containers are written in the same format (as Podman does), and lines
in Docker's json-file shape (`{"log": "text\\n", "stream": "stdout", "time": "..."}`) are read
too. Partial records are joined into whole lines, as `podman logs` shows them.

read_logs() yields LogLine values: since/until filter by time, tail keeps the last N lines,
follow keeps reading (across conmon's truncate-and-rename at --log-size-max) until the caller's
`done()` says the container has exited and the file has been drained.
"""

from __future__ import annotations

import collections
import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from pypod.records import record

_FOLLOW_POLL_S = 0.05


@record
class LogLine:
    time_ns: int  # unix time in nanoseconds, of the line's last record
    stream: str  # stdout | stderr
    text: bytes  # without the newline
    partial: bool = False  # the container's output ended without a newline
    stamp: str = ""  # the timestamp as written

    def render(self, *, timestamps: bool = False) -> bytes:
        """The line as `podman logs` prints it (-t puts the timestamp first)."""
        prefix = f"{self.stamp} ".encode() if timestamps else b""
        return prefix + self.text + (b"" if self.partial else b"\n")


@record(kw_only=False)
class _Record:
    time_ns: int
    stamp: str
    stream: str
    partial: bool
    text: bytes


def parse_time(stamp: str) -> int:
    """RFC 3339 with up to nanoseconds ("Z" or an offset) -> unix nanoseconds."""
    stamp = stamp.strip()
    frac_ns = 0
    head, dot, rest = stamp.partition(".")
    tz = ""
    if dot:
        digits = ""
        for i, ch in enumerate(rest):
            if not ch.isdigit():
                tz = rest[i:]
                break
            digits += ch
        frac_ns = int((digits + "000000000")[:9]) if digits else 0
    else:
        for sign in ("Z", "+", "-"):
            idx = head.find(sign, 11)
            if idx >= 0:
                head, tz = head[:idx], head[idx:]
                break
    tz = "+00:00" if tz in ("Z", "z", "") else tz
    base = datetime.fromisoformat(head + tz)
    return int(base.timestamp()) * 1_000_000_000 + frac_ns


def format_time(time_ns: int) -> str:
    """Unix nanoseconds -> RFC 3339 in UTC with nanoseconds (for --since/--until display)."""
    dt = datetime.fromtimestamp(time_ns // 1_000_000_000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{time_ns % 1_000_000_000:09d}Z"


def parse_record(line: bytes) -> _Record | None:
    """One line of a log file (without its newline); None when it is not a log record."""
    if line.startswith(b"{"):
        return _parse_json(line)
    parts = line.split(b" ", 3)
    if len(parts) < 3:
        return None
    stamp = parts[0].decode(errors="replace")
    try:
        time_ns = parse_time(stamp)
    except ValueError:
        return None
    tag = parts[2]
    text = parts[3] if len(parts) > 3 else b""
    stream = parts[1].decode(errors="replace")
    return _Record(time_ns, stamp, stream, tag == b"P", text)


def _parse_json(line: bytes) -> _Record | None:
    try:
        entry = json.loads(line)
        text = str(entry.get("log", ""))
        stamp = str(entry.get("time", ""))
        time_ns = parse_time(stamp)
    except (ValueError, AttributeError):
        return None
    partial = not text.endswith("\n")
    raw = text[:-1] if not partial else text
    return _Record(time_ns, stamp, str(entry.get("stream", "stdout")), partial, raw.encode())


class _Joiner:
    """Joins partial records per stream into lines."""

    def __init__(self) -> None:
        self._pending: dict[str, list[_Record]] = {}

    def add(self, rec: _Record) -> LogLine | None:
        if rec.partial:
            self._pending.setdefault(rec.stream, []).append(rec)
            return None
        parts = self._pending.pop(rec.stream, [])
        text = b"".join(p.text for p in parts) + rec.text
        first = parts[0] if parts else rec
        return LogLine(time_ns=first.time_ns, stream=rec.stream, text=text, stamp=first.stamp)

    def flush(self) -> list[LogLine]:
        """Partial lines left when the output ended (printed without a newline)."""
        out = []
        for stream, parts in self._pending.items():
            text = b"".join(p.text for p in parts)
            out.append(LogLine(time_ns=parts[0].time_ns, stream=stream, text=text,
                               partial=True, stamp=parts[0].stamp))  # fmt: skip
        self._pending.clear()
        return sorted(out, key=lambda x: x.time_ns)


def _wanted(line: LogLine, since_ns: int | None, until_ns: int | None) -> bool:
    if since_ns is not None and line.time_ns < since_ns:
        return False
    return until_ns is None or line.time_ns <= until_ns


def read_logs(
    path: str,
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
    tail: int = -1,
    follow: bool = False,
    done: Callable[[], bool] | None = None,
    poll_s: float = _FOLLOW_POLL_S,
) -> Iterator[LogLine]:
    """The container's log lines, oldest first. tail < 0: all. follow: keep reading until
    done() is true (the container exited) and nothing more can be read; until also stops it."""
    joiner = _Joiner()
    found, pos, ino = _existing(path, joiner)
    if not follow:
        found += joiner.flush()  # output that ended without a newline
    lines = collections.deque(found, maxlen=tail) if tail >= 0 else found
    for line in lines:
        if _wanted(line, since_ns, until_ns):
            yield line
    if not follow:
        return
    stop = done or (lambda: False)
    yield from _follow(path, (pos, ino), joiner, since_ns, until_ns, stop, poll_s)


def _existing(path: str, joiner: _Joiner) -> tuple[list[LogLine], int, int]:
    """Whole lines present now, and the offset and inode to follow from."""
    try:
        with open(path, "rb") as f:
            data = f.read()
            ino = os.fstat(f.fileno()).st_ino
    except FileNotFoundError:
        return [], 0, 0
    end = data.rfind(b"\n") + 1  # a line being written is read whole by the follower
    out = []
    for raw in data[:end].split(b"\n")[:-1]:
        rec = parse_record(raw)
        line = joiner.add(rec) if rec is not None else None
        if line is not None:
            out.append(line)
    return out, end, ino


def _follow(path: str, start: tuple[int, int], joiner: _Joiner, since_ns: int | None,
            until_ns: int | None, done: Callable[[], bool],
            poll_s: float) -> Iterator[LogLine]:  # fmt: skip
    """Continue from the end of what _existing() read."""
    pos, ino = start
    buf = b""
    while True:
        finished = done()  # asked before reading, so nothing written before the exit is lost
        try:
            st = os.stat(path)
        except FileNotFoundError:
            st = None
        if st is not None and (st.st_ino != ino or st.st_size < pos):
            pos, ino, buf = 0, st.st_ino, b""  # conmon truncated (renamed a fresh file in)
        chunk = b""
        if st is not None:
            with open(path, "rb") as f:
                f.seek(pos)
                chunk = f.read()
            pos += len(chunk)
        buf += chunk
        *complete, buf = buf.split(b"\n")
        for raw in complete:
            rec = parse_record(raw)
            line = joiner.add(rec) if rec is not None else None
            if line is None:
                continue
            if until_ns is not None and line.time_ns > until_ns:
                return
            if _wanted(line, since_ns, until_ns):
                yield line
        if finished and not chunk:
            for line in joiner.flush():
                if _wanted(line, since_ns, until_ns):
                    yield line
            return
        if not chunk:
            time.sleep(poll_s)
