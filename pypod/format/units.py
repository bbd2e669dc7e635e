"""Human units exactly as Podman prints and parses them (docker/go-units v0.5.0, Go's time).

human_size(2_150_000)        -> "2.15 MB"   (Podman's SIZE columns)
bytes_size(1536)             -> "1.5KiB"
human_duration(90)           -> "About a minute"
time_ago(created)            -> "3 weeks ago"
parse_size("512m")           -> 536870912   (binary, as --memory; decimal=True for SI)
parse_duration("1h30m")      -> 5400.0      (seconds, as Go's time.ParseDuration)
"""

from __future__ import annotations

import time

from pypod.format.gonum import format_float, go_duration

# no typing, re or error classes (imported where used) on `images`' start-up path
TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime

_DECIMAL_ABBRS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY_ABBRS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")
_PREFIXES = "kmgtp"
# parse_size's number syntax (Go's ParseFloat); compiled by re's cache on first use
_GO_FLOAT = r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)"
_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 micro sign
    "μs": 1_000,  # U+03BC Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}

__all__ = [
    "bytes_size",
    "format_duration",
    "go_units_size",
    "human_duration",
    "human_size",
    "parse_duration",
    "parse_size",
    "time_ago",
]

format_duration = go_duration  # time.Duration.String(): "1h2m3.5s"


def _size_and_unit(size: float, base: float, abbrs: tuple[str, ...]) -> tuple[float, str]:
    i = 0
    while size >= base and i < len(abbrs) - 1:
        size /= base
        i += 1
    return size, abbrs[i]


def go_units_size(size: float, precision: int = 4) -> str:
    """go-units HumanSizeWithPrecision: decimal units, no space ("2.15MB", "1e+03kB")."""
    value, unit = _size_and_unit(float(size), 1000.0, _DECIMAL_ABBRS)
    return format_float(value, "g", precision) + unit


def human_size(size: float) -> str:
    """Podman's size column: go-units with 3 significant digits and a space ("2.15 MB")."""
    text = go_units_size(size, 3)
    last_digit = max(i for i, ch in enumerate(text) if ch.isdigit())
    return text[: last_digit + 1] + " " + text[last_digit + 1 :]


def bytes_size(size: float) -> str:
    """go-units BytesSize: binary units, 4 significant digits ("1.5KiB", "17MiB")."""
    value, unit = _size_and_unit(float(size), 1024.0, _BINARY_ABBRS)
    return format_float(value, "g", 4) + unit


def human_duration(seconds: float) -> str:
    """go-units HumanDuration ("Less than a second", "About a minute", "3 weeks")."""
    secs = int(seconds)
    if secs < 1:
        return "Less than a second"
    if secs == 1:
        return "1 second"
    if secs < 60:
        return f"{secs} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


def time_ago(ts: datetime.datetime | float, now: float | None = None) -> str:
    """human_duration(now - ts) + " ago"; ``ts`` is an aware datetime or a Unix time."""
    then = float(ts) if isinstance(ts, int | float) else ts.timestamp()
    current = time.time() if now is None else now
    return human_duration(current - then) + " ago"


def parse_size(text: str, decimal: bool = False) -> int:
    """go-units RAMInBytes (binary, the default) or FromHumanSize (decimal=True).

    Accepts "512", "512b", "1.5g", "10 MiB", "4kB"; raises InvalidArgument like go-units.
    """
    import re

    from pypod.errors import InvalidArgument

    sep = max(text.rfind(ch) for ch in "0123456789. ")
    if sep < 0:
        raise InvalidArgument(f"invalid size: '{text}'")
    if text[sep] == " ":
        num, suffix = text[:sep], text[sep + 1 :]
    else:
        num, suffix = text[: sep + 1], text[sep + 1 :]
    if not re.fullmatch(_GO_FLOAT, num, re.IGNORECASE):
        raise InvalidArgument(f'strconv.ParseFloat: parsing "{num}": invalid syntax')
    size = float(num)
    if size < 0:
        raise InvalidArgument(f"invalid size: '{text}'")
    if not suffix:
        return int(size)
    sfx = suffix.lower()
    ok = len(sfx) <= 3
    if ok and sfx[0] == "b":
        ok = len(sfx) == 1
    elif ok and sfx[0] in _PREFIXES:
        base = 1000 if decimal else 1024
        size *= base ** (_PREFIXES.index(sfx[0]) + 1)
        ok = len(sfx) == 1 or (len(sfx) == 2 and sfx[1] == "b") or sfx[1:] == "ib"
    else:
        ok = False
    if not ok:
        raise InvalidArgument(f"invalid suffix: '{sfx}'")
    return int(size)


def _go_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_duration_ns(text: str) -> int:
    """Go's time.ParseDuration in integer nanoseconds: "1h30m", "-1.5s", "300ms", "0"."""
    import re

    from pypod.errors import InvalidArgument

    invalid = InvalidArgument(f"time: invalid duration {_go_quote(text)}")
    s = text
    neg = False
    if s[:1] in ("-", "+"):
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise invalid
    total = 0
    while s:
        m = re.match(r"(\d*)(?:\.(\d*))?", s)
        assert m is not None
        whole, frac = m.group(1), m.group(2)
        if not whole and not frac:
            raise invalid
        s = s[m.end() :]
        unit_m = re.match(r"[^0-9.]*", s)
        assert unit_m is not None
        unit = unit_m.group()
        if not unit:
            raise InvalidArgument(f"time: missing unit in duration {_go_quote(text)}")
        if unit not in _DURATION_UNITS:
            msg = f"time: unknown unit {_go_quote(unit)} in duration {_go_quote(text)}"
            raise InvalidArgument(msg)
        s = s[len(unit) :]
        scale = _DURATION_UNITS[unit]
        total += int(whole or "0") * scale
        if frac:
            total += int(frac) * scale // 10 ** len(frac)
        if total > 2**63 - 1:
            raise invalid
    return -total if neg else total


def parse_duration(text: str) -> float:
    """Go's time.ParseDuration, in seconds."""
    return parse_duration_ns(text) / 1e9
