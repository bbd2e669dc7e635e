"""Value types declared like dataclasses, without dataclasses' start-up cost.

pypod is a new process per command, so creating classes at import is paid on every command.
`dataclasses` generates each class's `__init__`, `__eq__`, `__hash__` and `__setattr__` as
source text and execs it: ~1 ms per frozen slotted class here and ~6 ms for one with 90
fields; `run` created 43 of them (~40 ms), and importing `dataclasses` itself costs ~8 ms
(inspect, ast, dis). The alternatives were measured: `msgspec.Struct` builds classes in C but
its import takes ~30 ms (typing, uuid, datetime, platform); attrs generates code like
dataclasses. A record class is built in microseconds because its methods are shared generic
functions that read the class's field table; an instance costs a few microseconds more to
create than a dataclass's, which no command here notices.

    @record
    class Mount:
        destination: str
        options: tuple[str, ...] = ()
        labels: dict[str, str] = field(default_factory=dict)

Instances behave like `@dataclass(frozen=True, slots=True, kw_only=True)` ones: keyword-only
construction with defaults and default factories, equality and hashing by field values, a
readable repr, no attribute assignment, pickling and copying. `record(kw_only=False)` also takes
positional arguments in field order; `record(frozen=False)` allows assignment (and is then
unhashable, as dataclasses make it). `replace`, `asdict`, `fields` and `is_record` are the
counterparts of the dataclasses functions.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's flag without importing typing (~15 ms with re, collections)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    T = TypeVar("T")
else:

    def dataclass_transform(**_kwargs: object) -> Callable[[T], T]:
        return lambda f: f


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class FrozenRecordError(AttributeError):
    """Assignment to a field of a frozen record."""


class Field:
    """One field of a record: its name, and its default or default factory (or MISSING)."""

    __slots__ = ("default", "default_factory", "name")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r})"


def field(*, default: Any = MISSING, default_factory: Any = MISSING) -> Any:
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory)


def _is_classvar(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return isinstance(text, str) and text.replace("typing.", "").startswith("ClassVar")


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, kw_only: bool = True, frozen: bool = True) -> Any:
    """Make `cls` a record class (see the module docstring)."""

    def wrap(cls: type[T]) -> type[T]:
        return _build(cls, kw_only=kw_only, frozen=frozen)

    return wrap if cls is None else wrap(cls)


def _build(cls: type[T], *, kw_only: bool, frozen: bool) -> type[T]:
    table: dict[str, Field] = {}
    for base in cls.__mro__[-1:0:-1]:
        for f in base.__dict__.get("__record_fields__", ()):
            table[f.name] = f
    inherited = set(table)
    ns = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
    own: list[str] = []
    for name, annotation in ns.get("__annotations__", {}).items():
        if _is_classvar(annotation):
            continue
        value = ns.pop(name, MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        if isinstance(f.default, (list, dict, set)):
            raise ValueError(f"mutable default for field {name!r} of {cls.__name__}: use field()")
        f.name = name
        table[name] = f
        if name not in inherited:
            own.append(name)
    ns["__slots__"] = tuple(own)
    fields_ = tuple(table.values())
    ns["__record_fields__"] = fields_
    ns["__record_names__"] = tuple(table)
    ns["__record_init__"] = tuple((f.name, f.default, f.default_factory) for f in fields_)
    ns["__record_kw_only__"] = kw_only
    for name, method in _METHODS.items():
        ns.setdefault(name, method)
    if frozen:
        ns.setdefault("__setattr__", _frozen_setattr)
        ns.setdefault("__delattr__", _frozen_delattr)
        ns.setdefault("__hash__", _hash)
    elif "__hash__" not in ns:
        ns["__hash__"] = None
    new = type(cls)(cls.__name__, cls.__bases__, ns)
    new.__qualname__ = cls.__qualname__
    return new


def _init(self: Any, /, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    if args:
        names = cls.__record_names__
        if cls.__record_kw_only__ or len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes keyword arguments only")
        for name, arg in zip(names, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
            kwargs[name] = arg
    assign = object.__setattr__
    missing: list[str] = []
    for name, default, factory in cls.__record_init__:
        value = kwargs.pop(name, MISSING)
        if value is MISSING:
            if default is not MISSING:
                value = default
            elif factory is not MISSING:
                value = factory()
            else:
                missing.append(name)
                continue
        assign(self, name, value)
    if missing:
        raise TypeError(f"{cls.__name__}() missing required argument(s): {', '.join(missing)}")
    if kwargs:
        raise TypeError(
            f"{cls.__name__}() got an unexpected keyword argument {next(iter(kwargs))!r}"
        )


def _values(self: Any) -> tuple[Any, ...]:
    return tuple([getattr(self, name) for name in type(self).__record_names__])


def _repr(self: Any) -> str:
    parts = [f"{name}={getattr(self, name)!r}" for name in type(self).__record_names__]
    return f"{type(self).__qualname__}({', '.join(parts)})"


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash(_values(self))


def _frozen_setattr(self: Any, name: str, value: object) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> tuple[Any, ...]:
    return _values(self)


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for name, value in zip(type(self).__record_names__, state, strict=True):
        object.__setattr__(self, name, value)


_METHODS = {
    "__init__": _init,
    "__repr__": _repr,
    "__eq__": _eq,
    "__getstate__": _getstate,
    "__setstate__": _setstate,
}


def is_record(obj: object) -> bool:
    """True for a record instance (not the class)."""
    return hasattr(type(obj), "__record_fields__")


def fields(obj: Any) -> tuple[Field, ...]:
    """The fields of a record instance or class, in declaration order (bases first)."""
    table = getattr(obj, "__record_fields__", None)
    if table is None:
        raise TypeError(f"{obj!r} is not a record")
    return table  # type: ignore[no-any-return]


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of `obj` with `changes` applied (validated like construction)."""
    cls = type(obj)
    for name in cls.__record_names__:  # type: ignore[attr-defined]
        if name not in changes:
            changes[name] = getattr(obj, name)
    return cls(**changes)


def asdict(obj: Any) -> dict[str, Any]:
    """`obj`'s fields as a dict, records, lists, tuples and dicts inside converted recursively."""
    if not is_record(obj):
        raise TypeError("asdict() should be called on record instances")
    return _convert(obj)  # type: ignore[no-any-return]


_ATOMS = (str, int, float, bool, bytes, type(None))


def _convert(v: Any) -> Any:
    if isinstance(v, _ATOMS):
        return v
    if is_record(v):
        return {name: _convert(getattr(v, name)) for name in type(v).__record_names__}
    if isinstance(v, list):
        return [_convert(x) for x in v]
    if isinstance(v, tuple):
        if hasattr(v, "_fields"):
            return type(v)(*[_convert(x) for x in v])
        return tuple(_convert(x) for x in v)
    if isinstance(v, dict):
        return {_convert(k): _convert(x) for k, x in v.items()}
    import copy

    return copy.deepcopy(v)
