"""The functions a Podman --format template can call: Go's builtins plus Podman's additions
(containers/common pkg/report DefaultFuncs: join json lower pad split title truncate upper).

Functions raise FuncError; the executor turns it into Go's "error calling NAME: ..." message.
MISSING arguments arrive as None, as Go passes an invalid value as nil.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sized
from typing import Any

from pypod.format import gojson
from pypod.format.gotemplate_fmt import MISSING, go_type_name, sprint, sprintf, sprintln
from pypod.records import record


class FuncError(Exception):
    """A template function failed; ``plain`` messages are shown without "error calling"."""

    def __init__(self, msg: str, plain: bool = False) -> None:
        super().__init__(msg)
        self.plain = plain


@record
class Func:
    """A template function: its parameter types ("any", "string", "int", "[]string") are
    checked by the executor before the call, with Go's messages."""

    impl: Callable[..., Any]
    params: tuple[str, ...]
    variadic: str | None = None

    def param(self, i: int) -> str:
        return self.params[i] if i < len(self.params) else self.variadic or "any"


def truth(v: Any) -> bool:
    """Go's template truth: false, 0, nil, and empty strings/slices/maps are false."""
    if v is None or v is MISSING:
        return False
    if isinstance(v, bool | int | float):
        return bool(v)
    if isinstance(v, Sized):
        return len(v) > 0
    return True


def check_value(v: Any, typ: str) -> str | None:
    """Go's validateType for a computed value: None when it fits, else the error message."""
    if typ == "any":
        return None
    if typ == "[]string" and (v is None or v is MISSING):
        return None
    if v is None or v is MISSING:
        return f"invalid value; expected {typ}"
    if typ == "string" and isinstance(v, str):
        return None
    if typ == "int" and isinstance(v, int) and not isinstance(v, bool):
        return None
    if typ == "[]string" and isinstance(v, list | tuple) and all(isinstance(e, str) for e in v):
        return None
    return f"wrong type for value; expected {typ}; got {go_type_name(v)}"


def check_literal(kind: str, value: Any, text: str, typ: str) -> tuple[Any, str | None]:
    """Go's evalArg for a constant: the converted value, or the error message."""
    if typ == "any":
        return value, None
    if kind == "NIL":
        return None, (None if typ == "[]string" else f"cannot assign nil to {typ}")
    if typ == "string":
        return value, (None if kind == "STRING" else f"expected string; found {text}")
    if typ == "int":
        if kind == "NUMBER" and float(value).is_integer():
            return int(value), None
        return value, f"expected integer; found {text}"
    return value, f"can't handle {text} for arg of type {typ}"


def _nil(v: Any) -> Any:
    return None if v is MISSING else v


def _want_str(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or v is MISSING:
        raise FuncError("invalid value; expected string", plain=True)
    raise FuncError(f"wrong type for value; expected string; got {go_type_name(v)}", plain=True)


def _want_int(v: Any) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    got = "<nil>" if v is None or v is MISSING else go_type_name(v)
    raise FuncError(f"wrong type for value; expected int; got {got}", plain=True)


def _text_arg(args: tuple[Any, ...]) -> str:
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return sprint([_nil(a) for a in args])


# --- comparisons --------------------------------------------------------------------------


def _kind(v: Any) -> str:
    if v is None or v is MISSING:
        return "nil"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    return "other"


def eq(a: Any, *others: Any) -> bool:
    if not others:
        raise FuncError("missing argument for comparison")
    k1 = _kind(a)
    for b in others:
        k2 = _kind(b)
        if k1 != k2:
            if k1 != "nil" and k2 != "nil":
                raise FuncError("incompatible types for comparison")
            continue
        if k1 == "nil" or _nil(a) == _nil(b):
            return True
    return False


def ne(a: Any, b: Any) -> bool:
    return not eq(a, b)


def lt(a: Any, b: Any) -> bool:
    k1, k2 = _kind(a), _kind(b)
    if k1 not in ("int", "float", "string", "bool") or k2 not in ("int", "float", "string", "bool"):
        raise FuncError("invalid type for comparison")
    if k1 != k2:
        raise FuncError("incompatible types for comparison")
    if k1 == "bool":
        raise FuncError("invalid type for comparison")
    return bool(a < b)


def le(a: Any, b: Any) -> bool:
    return lt(a, b) or eq(a, b)


def gt(a: Any, b: Any) -> bool:
    return not le(a, b)


def ge(a: Any, b: Any) -> bool:
    return not lt(a, b)


# --- collections --------------------------------------------------------------------------


def _zero_like(m: Mapping[Any, Any]) -> Any:
    """Go returns the map's zero value for a missing key; guess the element type."""
    for value in m.values():
        if isinstance(value, str):
            return ""
        if isinstance(value, bool):
            return False
        if isinstance(value, int | float):
            return type(value)()
        return MISSING
    return ""


def _seq_index(item: Any, index: Any, size: int) -> int:
    if index is None or index is MISSING:
        raise FuncError("cannot index slice/array with nil")
    if not isinstance(index, int) or isinstance(index, bool):
        raise FuncError(f"cannot index slice/array with type {go_type_name(index)}")
    if index < 0 or index >= size:
        raise FuncError(f"index out of range: {index}")
    return index


def index(item: Any, *indexes: Any) -> Any:
    if item is None or item is MISSING:
        raise FuncError("index of untyped nil")
    for idx in indexes:
        if item is None:
            raise FuncError("index of nil pointer")
        if isinstance(item, str):
            raw = item.encode()
            item = raw[_seq_index(item, idx, len(raw))]
        elif isinstance(item, list | tuple | bytes):
            item = item[_seq_index(item, idx, len(item))]
        elif isinstance(item, Mapping):
            item = item[idx] if idx in item else _zero_like(item)
        else:
            raise FuncError(f"can't index item of type {go_type_name(item)}")
    return item


def slice_(item: Any, *indexes: Any) -> Any:
    if item is None or item is MISSING:
        raise FuncError("slice of untyped nil")
    if len(indexes) > 3:
        raise FuncError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise FuncError("cannot 3-index slice a string")
        seq: Any = item.encode()
    elif isinstance(item, list | tuple):
        seq = item
    else:
        raise FuncError(f"can't slice item of type {go_type_name(item)}")
    bounds = [0, len(seq)]
    for i, idx in enumerate(indexes[:2]):
        bounds[i] = _seq_index(seq, idx, len(seq) + 1)
    if bounds[0] > bounds[1]:
        raise FuncError(f"invalid slice index: {bounds[0]} > {bounds[1]}")
    out = seq[bounds[0] : bounds[1]]
    return out.decode(errors="replace") if isinstance(item, str) else out


def length(item: Any) -> int:
    if item is None or item is MISSING:
        raise FuncError("len of nil pointer")
    if isinstance(item, str):
        return len(item.encode())
    if isinstance(item, list | tuple | Mapping | bytes | set | frozenset):
        return len(item)
    raise FuncError(f"len of type {go_type_name(item)}")


# --- escaping -----------------------------------------------------------------------------


def html(*args: Any) -> str:
    s = _text_arg(args)
    table = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", '"': "&#34;", "\0": "\ufffd"}
    return "".join(table.get(c, c) for c in s)


def js(*args: Any) -> str:
    out = []
    named = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E"}
    named |= {"&": "\\u0026", "=": "\\u003D"}
    for c in _text_arg(args):
        if c in named:
            out.append(named[c])
        elif c < " " or (ord(c) >= 0x80 and not c.isprintable()):
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return "".join(out)


def urlquery(*args: Any) -> str:
    from urllib.parse import quote_plus

    return quote_plus(_text_arg(args), safe="~")


# --- Podman's functions -------------------------------------------------------------------


def join(elems: Any, sep: Any) -> str:
    sep = _want_str(sep)
    if elems is None or elems is MISSING:
        return ""
    if not isinstance(elems, list | tuple) or not all(isinstance(e, str) for e in elems):
        got = go_type_name(elems)
        raise FuncError(f"wrong type for value; expected []string; got {got}", plain=True)
    return sep.join(elems)


def to_json(v: Any) -> str:
    try:
        return gojson.dumps(v)
    except gojson.UnsupportedValue:
        return ""  # Podman ignores the encoder's error and prints nothing


def pad(s: Any, prefix: Any, suffix: Any) -> str:
    s = _want_str(s)
    if not s:
        return s
    return " " * _want_int(prefix) + s + " " * _want_int(suffix)


def split(s: Any, sep: Any) -> list[str]:
    s, sep = _want_str(s), _want_str(sep)
    if not sep:
        return list(s)
    return s.split(sep)


def title(s: Any) -> str:
    """strings.Title: upper-case the first letter of each word (words split at non-letters)."""
    out = []
    prev_sep = True
    for c in _want_str(s):
        out.append(c.upper() if prev_sep else c)
        prev_sep = not (c.isalnum() or c == "_")
    return "".join(out)


def truncate(s: Any, n: Any) -> str:
    s, n = _want_str(s), _want_int(n)
    raw = s.encode()
    if len(raw) < n:
        return s
    if n < 0:
        raise FuncError(f"runtime error: slice bounds out of range [:{n}]")
    return raw[:n].decode(errors="replace")


def printf(fmt: Any, *args: Any) -> str:
    return sprintf(_want_str(fmt), [_nil(a) for a in args])


def _f(impl: Callable[..., Any], *params: str, variadic: str | None = None) -> Func:
    return Func(impl=impl, params=params, variadic=variadic)


FUNCS: dict[str, Func] = {
    "and": _f(lambda *a: a[-1], "any", variadic="any"),
    "or": _f(lambda *a: a[-1], "any", variadic="any"),
    "not": _f(lambda v: not truth(v), "any"),
    "eq": _f(eq, "any", variadic="any"),
    "ne": _f(ne, "any", "any"),
    "lt": _f(lt, "any", "any"),
    "le": _f(le, "any", "any"),
    "gt": _f(gt, "any", "any"),
    "ge": _f(ge, "any", "any"),
    "index": _f(index, "any", variadic="any"),
    "slice": _f(slice_, "any", variadic="any"),
    "len": _f(length, "any"),
    "print": _f(lambda *a: sprint([_nil(x) for x in a]), variadic="any"),
    "println": _f(lambda *a: sprintln([_nil(x) for x in a]), variadic="any"),
    "printf": _f(printf, "string", variadic="any"),
    "html": _f(html, variadic="any"),
    "js": _f(js, variadic="any"),
    "urlquery": _f(urlquery, variadic="any"),
    "join": _f(join, "[]string", "string"),
    "json": _f(to_json, "any"),
    "lower": _f(lambda s: _want_str(s).lower(), "string"),
    "upper": _f(lambda s: _want_str(s).upper(), "string"),
    "pad": _f(pad, "string", "int", "int"),
    "split": _f(split, "string", "string"),
    "title": _f(title, "string"),
    "truncate": _f(truncate, "string", "int"),
}
