"""Go's fmt package as templates see it: %v printing of values and printf.

Python values stand in for Go ones: str is string, bool is bool, int is int, float is float64,
None is nil, list/tuple is a slice, dict is a map, a dataclass (or any other object) is a
struct. An object whose class defines its own ``__str__`` is a Go Stringer. MISSING is Go's
invalid reflect.Value (a missing map key), which a template prints as "<no value>".
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from typing import Any

from pypod import records
from pypod.format.gonum import format_float, go_duration


class _Missing:
    """The result of looking up a key a map does not have."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<no value>"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def go_type_name(v: Any) -> str:
    """The Go type name used in fmt's error strings such as %!d(string=x)."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list | tuple):
        return "[]interface {}"
    if isinstance(v, Mapping):
        return "map[string]interface {}"
    return type(v).__name__


# --- %v -----------------------------------------------------------------------------------


def _is_stringer(v: Any) -> bool:
    cls = type(v)
    return cls.__str__ is not object.__str__ and not isinstance(v, BaseException)


def go_time(t: datetime.datetime) -> str:
    """time.Time.String(): 2006-01-02 15:04:05.999999999 -0700 MST."""
    text = t.strftime("%Y-%m-%d %H:%M:%S")
    if t.microsecond:
        text += f".{t.microsecond:06d}".rstrip("0")
    off = t.utcoffset()
    if off is None:
        return text + " +0000 UTC"
    minutes = int(off.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    name = t.tzname() or zone
    if name.startswith("UTC") and minutes == 0:
        name = "UTC"
    elif name.startswith("UTC"):
        name = zone
    return f"{text} {zone} {name}"


def struct_fields(v: Any) -> list[tuple[str, Any]] | None:
    """The (name, value) pairs of a struct-like object, or None if it is not one."""
    if records.is_record(v):
        return [(f.name, getattr(v, f.name)) for f in records.fields(v)]
    slots = getattr(type(v), "__slots__", None)
    if hasattr(v, "__dict__"):
        return [(k, val) for k, val in vars(v).items() if not k.startswith("_")]
    if slots:
        return [(k, getattr(v, k)) for k in slots if not k.startswith("_") and hasattr(v, k)]
    return None


def _sorted_items(m: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    try:
        return sorted(m.items(), key=lambda kv: kv[0])
    except TypeError:
        return list(m.items())


def format_value(v: Any, verb: str = "v", plus: bool = False) -> str:
    """fmt's %v (or another verb applied element-wise) of one value, without padding."""
    if isinstance(v, str):
        return v if verb in "vs" else format_verb(v, verb, _Spec())
    if v is None:
        return "<nil>"
    if v is MISSING:
        return "<no value>"
    if isinstance(v, bool | int | float):
        return format_verb(v, verb, _Spec()) if verb != "v" else _scalar(v)
    if isinstance(v, enum.Enum):
        return format_value(v.value, verb, plus)
    if isinstance(v, datetime.datetime):
        return go_time(v)
    if isinstance(v, datetime.timedelta):
        return go_duration(v.total_seconds())
    if isinstance(v, Mapping):
        inner = " ".join(
            f"{format_value(k, verb, plus)}:{format_value(x, verb, plus)}"
            for k, x in _sorted_items(v)
        )
        return f"map[{inner}]"
    if isinstance(v, list | tuple | set | frozenset):
        return "[" + " ".join(format_value(x, verb, plus) for x in v) + "]"
    if isinstance(v, bytes | bytearray):
        return "[" + " ".join(str(b) for b in v) + "]"
    if _is_stringer(v):
        return str(v)
    fields = struct_fields(v)
    if fields is None:
        return str(v)
    if plus:
        return "{" + " ".join(f"{k}:{format_value(x, verb, plus)}" for k, x in fields) + "}"
    return "{" + " ".join(format_value(x, verb, plus) for _, x in fields) + "}"


def _scalar(v: bool | int | float) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return format_float(v)


def sprint(args: list[Any]) -> str:
    """fmt.Sprint: spaces between operands when neither side is a string."""
    out: list[str] = []
    for i, a in enumerate(args):
        if i and not isinstance(a, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(format_value(a))
    return "".join(out)


def sprintln(args: list[Any]) -> str:
    return " ".join(format_value(a) for a in args) + "\n"


# --- printf -------------------------------------------------------------------------------


@records.record(kw_only=False, frozen=False)
class _Spec:
    minus: bool = False
    plus: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    width: int | None = None
    prec: int | None = None


def _pad(text: str, spec: _Spec, numeric: bool = False) -> str:
    if spec.width is None or len(text) >= spec.width:
        return text
    fill = spec.width - len(text)
    if spec.minus:
        return text + " " * fill
    if spec.zero:
        if numeric and text[:1] in "+-":
            return text[0] + "0" * fill + text[1:]
        return "0" * fill + text
    return " " * fill + text


def _bad(verb: str, v: Any) -> str:
    if v is None:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type_name(v)}={format_value(v)})"


def quote(s: str, ascii_only: bool = False) -> str:
    """strconv.Quote."""
    out = ['"']
    named = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    named |= {"\v": "\\v", "\\": "\\\\", '"': '\\"'}
    for ch in s:
        if ch in named:
            out.append(named[ch])
        elif ch.isprintable() and (not ascii_only or ord(ch) < 0x80):
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def _fmt_int(v: int, verb: str, spec: _Spec) -> str | None:
    if verb == "c":
        return chr(v)
    if verb == "q":
        return "'" + quote(chr(v))[1:-1].replace('\\"', '"').replace("'", "\\'") + "'"
    if verb == "U":
        return f"U+{v:04X}"
    base = {"d": "d", "v": "d", "x": "x", "X": "X", "o": "o", "O": "o", "b": "b"}.get(verb)
    if base is None:
        return None
    digits = format(abs(v), base)
    if spec.prec is not None:
        digits = "" if spec.prec == 0 and v == 0 else digits.rjust(spec.prec, "0")
    prefix = ""
    if spec.sharp or verb == "O":
        prefix = {"x": "0x", "X": "0X", "o": "0", "b": "0b"}.get(verb, "")
        prefix = "0o" if verb == "O" else prefix
    sign = "-" if v < 0 else "+" if spec.plus else " " if spec.space else ""
    return sign + prefix + digits


def _hex_float(v: float, upper: bool) -> str:
    """%x of a float: 0x1.8p+00."""
    mant, _, exp = v.hex().partition("p")
    mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
    text = f"{mant}p{exp[0]}{int(exp[1:]):02d}"
    return text.upper().replace("0X", "0X") if upper else text


def _fmt_float(v: float, verb: str, spec: _Spec) -> str | None:
    if verb in "xX":
        return _hex_float(v, verb == "X")
    if verb not in "eEfFgGv":
        return None
    go_verb = "g" if verb == "v" else verb.replace("F", "f")
    prec = -1 if spec.prec is None else spec.prec
    if prec < 0 and go_verb in "eEf":
        prec = 6
    text = format_float(v, go_verb, prec)
    if spec.plus and not text.startswith("-"):
        text = "+" + text
    elif spec.space and not text.startswith("-"):
        text = " " + text
    return text


def _fmt_str(v: str, verb: str, spec: _Spec) -> str | None:
    if spec.prec is not None and verb in "sqv":
        v = v[: spec.prec]
    if verb in "sv":
        return v
    if verb == "q":
        if spec.sharp and "`" not in v and v.isprintable():
            return f"`{v}`"
        return quote(v, spec.plus)
    if verb in "xX":
        raw = v.encode()
        hexed = raw.hex(" ") if spec.space else raw.hex()
        return hexed.upper() if verb == "X" else hexed
    return None


def format_verb(v: Any, verb: str, spec: _Spec) -> str:
    """One verb applied to one value, without padding; %!verb(type=value) when it does not fit."""
    if v is MISSING:
        v = None
    if verb == "T":
        return "<nil>" if v is None else go_type_name(v)
    text: str | None
    if isinstance(v, bool):
        text = ("true" if v else "false") if verb in "tv" else None
    elif isinstance(v, int):
        text = _fmt_int(v, verb, spec)
    elif isinstance(v, float):
        text = _fmt_float(v, verb, spec)
    elif isinstance(v, str):
        text = _fmt_str(v, verb, spec)
    elif v is None:
        text = "<nil>" if verb == "v" else None
    elif isinstance(v, enum.Enum):
        return format_verb(v.value, verb, spec)
    elif verb in "vsqxX" and (_is_stringer(v) or isinstance(v, datetime.datetime)):
        text = _fmt_str(format_value(v), verb, spec)
    else:
        text = format_value(v, verb, spec.plus)
    return _bad(verb, v) if text is None else text


def _parse_num(fmt: str, i: int) -> tuple[int | None, int]:
    start = i
    while i < len(fmt) and fmt[i].isdigit():
        i += 1
    return (int(fmt[start:i]) if i > start else None), i


def _take_star(args: list[Any], ai: int) -> tuple[int | None, int, bool]:
    if ai < len(args) and isinstance(args[ai], int) and not isinstance(args[ai], bool):
        return args[ai], ai + 1, True
    return None, ai + 1, False


def _parse_spec(fmt: str, i: int, args: list[Any], ai: int) -> tuple[_Spec, int, int, str]:
    """Flags, width and precision after a '%'; returns the spec, positions and any error."""
    spec = _Spec()
    flags = {"-": "minus", "+": "plus", "#": "sharp", " ": "space", "0": "zero"}
    while i < len(fmt) and fmt[i] in flags:
        setattr(spec, flags[fmt[i]], True)
        i += 1
    err = ""
    if i < len(fmt) and fmt[i] == "*":
        spec.width, ai, ok = _take_star(args, ai)
        err = "" if ok else "%!(BADWIDTH)"
        if spec.width is not None and spec.width < 0:
            spec.minus, spec.width = True, -spec.width
        i += 1
    else:
        spec.width, i = _parse_num(fmt, i)
    if i < len(fmt) and fmt[i] == ".":
        i += 1
        if i < len(fmt) and fmt[i] == "*":
            spec.prec, ai, ok = _take_star(args, ai)
            err = err or ("" if ok else "%!(BADPREC)")
            i += 1
        else:
            spec.prec, i = _parse_num(fmt, i)
            spec.prec = spec.prec or 0
    return spec, i, ai, err


def sprintf(fmt: str, args: list[Any]) -> str:
    """fmt.Sprintf, including Go's %!verb(MISSING) and %!(EXTRA ...) notes."""
    out: list[str] = []
    ai = 0
    i = 0
    n = len(fmt)
    while i < n:
        pct = fmt.find("%", i)
        if pct < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:pct])
        i = pct + 1
        spec, i, ai, err = _parse_spec(fmt, i, args, ai)
        out.append(err)
        if i >= n:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":
            out.append("%")
            continue
        if ai >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[ai]
        ai += 1
        text = format_verb(arg, verb, spec)
        numeric = isinstance(arg, int | float) and not text.startswith("%!")
        out.append(_pad(text, spec, numeric))
    if ai < len(args):
        extra = ", ".join(
            "<nil>" if a is None else f"{go_type_name(a)}={format_value(a)}" for a in args[ai:]
        )
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)
