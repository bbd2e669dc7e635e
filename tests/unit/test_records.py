"""pypod.records: value types that behave like frozen slotted keyword-only dataclasses."""

from __future__ import annotations

import copy
import pickle
from typing import ClassVar

import pytest

from pypod import records
from pypod.records import FrozenRecordError, field, record


@record
class Port:
    host: int
    container: int = 80
    labels: dict[str, str] = field(default_factory=dict)
    KIND: ClassVar[str] = "port"


@record
class Tagged(Port):
    tag: str = ""


@record(kw_only=False)
class Pair:
    a: int
    b: str = "x"


@record(frozen=False)
class Counter:
    n: int = 0


@record
class Outer:
    ports: tuple[Port, ...] = ()
    by_name: dict[str, Port] = field(default_factory=dict)
    items: list[int] = field(default_factory=list)


def test_construction_defaults_and_factories() -> None:
    p = Port(host=8080)
    assert (p.host, p.container, p.labels) == (8080, 80, {})
    assert Port(host=1).labels is not p.labels
    assert Port.KIND == "port" and not hasattr(p, "__dict__")


def test_keyword_only_and_argument_errors() -> None:
    with pytest.raises(TypeError, match="keyword arguments only"):
        Port(1)  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"missing required argument.*host"):
        Port()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'hots'"):
        Port(host=1, hots=2)  # type: ignore[call-arg]


def test_positional_when_asked() -> None:
    assert Pair(1) == Pair(a=1, b="x")
    assert Pair(1, "y").b == "y"
    with pytest.raises(TypeError, match="multiple values"):
        Pair(1, a=2)  # type: ignore[misc]


def test_frozen_equality_hash_repr() -> None:
    p = Port(host=1)
    with pytest.raises(FrozenRecordError):
        p.host = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.host  # type: ignore[misc]
    assert Port(host=1, container=2) == Port(host=1, container=2)
    assert Port(host=1) != Port(host=2)
    assert Port(host=1) != Tagged(host=1)
    assert hash(Pair(1)) == hash(Pair(1))
    assert repr(Pair(1)) == "Pair(a=1, b='x')"


def test_mutable_record() -> None:
    c = Counter()
    c.n += 1
    assert c.n == 1
    with pytest.raises(TypeError):
        hash(c)


def test_inheritance_keeps_base_fields_first() -> None:
    t = Tagged(host=1, tag="t")
    assert [f.name for f in records.fields(t)] == ["host", "container", "labels", "tag"]
    assert (t.host, t.container, t.tag) == (1, 80, "t")


def test_replace_asdict_fields() -> None:
    p = Port(host=1, labels={"a": "b"})
    q = records.replace(p, container=9)
    assert (q.host, q.container, q.labels) == (1, 9, {"a": "b"}) and p.container == 80
    with pytest.raises(TypeError):
        records.replace(p, nope=1)
    o = Outer(ports=(p,), by_name={"x": p}, items=[1])
    d = records.asdict(o)
    assert d == {
        "ports": ({"host": 1, "container": 80, "labels": {"a": "b"}},),
        "by_name": {"x": {"host": 1, "container": 80, "labels": {"a": "b"}}},
        "items": [1],
    }
    assert d["items"] is not o.items
    assert records.is_record(o) and not records.is_record(Outer) and not records.is_record(1)
    assert records.fields(Port)[1].default == 80
    assert records.fields(Port)[2].default is records.MISSING


def test_pickle_and_copy() -> None:
    o = Outer(ports=(Port(host=1),), items=[2])
    assert pickle.loads(pickle.dumps(o)) == o
    assert copy.deepcopy(o) == o and copy.copy(o) == o


def test_mutable_default_is_refused() -> None:
    with pytest.raises(ValueError, match="mutable default"):

        @record
        class Bad:
            items: list[int] = []
