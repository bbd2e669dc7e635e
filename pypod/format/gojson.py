"""JSON as Go's encoding/json writes it, for the template ``json`` function.

Differences from Python's json module that users see: floats print the Go way (3 not 3.0,
1e+21, 1e-7), control characters other than \\n \\r \\t become \\u00XX, U+2028/U+2029 are
escaped, and ``<>&`` are left alone (Podman turns HTML escaping off). Mapping keys keep
their order, as Go struct fields do; dataclasses encode as objects of their fields.
"""

from __future__ import annotations

import base64
import datetime
import enum
import math
import re
from collections.abc import Mapping
from typing import Any

from pypod import records
from pypod.format.gotemplate_fmt import MISSING, format_float, struct_fields

_ESCAPES = re.compile(r'["\\\x00-\x1f\u2028\u2029\ud800-\udfff]')
_NAMED = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class UnsupportedValue(ValueError):
    """NaN or an infinity, which JSON cannot carry (Go: json: unsupported value)."""


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    if "\ud800" <= ch <= "\udfff":
        return "\ufffd"
    return f"\\u{ord(ch):04x}"


def quote(s: str) -> str:
    return '"' + _ESCAPES.sub(_escape, s) + '"'


def _float(f: float) -> str:
    if math.isnan(f) or math.isinf(f):
        raise UnsupportedValue(f"json: unsupported value: {format_float(f)}")
    a = abs(f)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        text = format_float(f, "e")
        # Go trims the exponent's leading zero: 1e-07 -> 1e-7.
        return re.sub(r"e([+-])0(\d)$", r"e\1\2", text)
    return format_float(f, "f")


def rfc3339(t: datetime.datetime) -> str:
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        text += f".{t.microsecond:06d}".rstrip("0")
    off = t.utcoffset()
    if not off:
        return text + "Z"
    minutes = int(off.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _encode(v: Any, out: list[str], indent: str, level: int) -> None:
    if v is None or v is MISSING:
        out.append("null")
    elif v is True or v is False:
        out.append("true" if v else "false")
    elif isinstance(v, str):
        out.append(quote(v))
    elif isinstance(v, enum.Enum):
        _encode(v.value, out, indent, level)
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, float):
        out.append(_float(v))
    elif isinstance(v, Mapping):
        _container(list(v.items()), "{}", out, indent, level)
    elif isinstance(v, list | tuple | set | frozenset):
        _container(list(v), "[]", out, indent, level)
    elif isinstance(v, bytes | bytearray):
        out.append(quote(base64.b64encode(bytes(v)).decode()))
    elif isinstance(v, datetime.datetime):
        out.append(quote(rfc3339(v)))
    elif isinstance(v, datetime.timedelta):
        out.append(str(round(v.total_seconds() * 1e9)))
    elif hasattr(v, "__json__"):
        _encode(v.__json__(), out, indent, level)
    elif records.is_record(v) or struct_fields(v) is not None:
        _container(struct_fields(v) or [], "{}", out, indent, level)
    else:
        out.append(quote(str(v)))


def _container(items: list[Any], brackets: str, out: list[str], indent: str, level: int) -> None:
    out.append(brackets[0])
    if not items:
        out.append(brackets[1])
        return
    is_map = brackets == "{}"
    inner = "\n" + indent * (level + 1) if indent else ""
    for i, item in enumerate(items):
        if i:
            out.append(",")
        out.append(inner)
        if is_map:
            out.append(quote(str(item[0])))
            out.append(": " if indent else ":")
            _encode(item[1], out, indent, level + 1)
        else:
            _encode(item, out, indent, level + 1)
    if indent:
        out.append("\n" + indent * level)
    out.append(brackets[1])


def dumps(v: Any, indent: str = "") -> str:
    """json.Marshal (or json.MarshalIndent with prefix "" and ``indent``) of a value."""
    out: list[str] = []
    _encode(v, out, indent, 0)
    return "".join(out)
