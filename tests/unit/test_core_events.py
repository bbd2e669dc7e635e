"""The events file: Podman's JSON lines, filters, since/until and following a live file."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from pypod.core.events import (
    Event,
    EventLog,
    format_time_go,
    format_time_rfc3339,
    parse_filters,
    parse_time_rfc3339,
)

T0 = 1_764_183_124_171_278_963  # 2025-11-26T18:52:04.171278963Z


def test_json_shape_as_podman():
    e = Event(type="volume", status="create", name="v1", time_ns=T0)
    assert e.to_json() == (
        '{"Name":"v1","Status":"create","Time":"2025-11-26T18:52:04.171278963Z",'
        '"Type":"volume","Attributes":null}'
    )
    c = Event(
        type="container",
        status="died",
        id="ab" * 32,
        name="c1",
        image="localhost/bb:latest",
        exit_code=0,
        attributes={"a": "b"},
        time_ns=T0,
    )
    doc = json.loads(c.to_json())
    assert list(doc) == ["ContainerExitCode", "ID", "Image", "Name", "Status", "Time", "Type",
                         "Attributes"]  # fmt: skip
    assert Event.from_dict(doc) == c


def test_times():
    assert format_time_rfc3339(T0) == "2025-11-26T18:52:04.171278963Z"
    assert format_time_rfc3339(1_000_000_000 * 5) == "1970-01-01T00:00:05Z"
    assert format_time_rfc3339(1_500_000_000) == "1970-01-01T00:00:01.5Z"
    assert format_time_go(T0) == "2025-11-26 18:52:04.171278963 +0000 UTC"
    assert parse_time_rfc3339("2025-11-26T18:52:04.171278963Z") == T0
    assert parse_time_rfc3339("2025-11-26T19:52:04.171278963+01:00") == T0
    assert parse_time_rfc3339("1970-01-01T00:00:05Z") == 5_000_000_000
    assert parse_time_rfc3339("garbage") == 0


def test_text_lines_as_podman():
    assert (
        Event(type="volume", status="create", name="ev1", time_ns=T0).to_text()
        == "2025-11-26 18:52:04.171278963 +0000 UTC volume create ev1"
    )
    assert (
        Event(type="image", status="pull", name="localhost/bb", time_ns=T0).to_text()
        == "2025-11-26 18:52:04.171278963 +0000 UTC image pull  localhost/bb"
    )
    line = Event(
        type="container", status="create", id="i", name="c1", image="bb", time_ns=T0,
        attributes={"a": "b"},
    ).to_text()  # fmt: skip
    assert line.endswith("container create i (image=bb, name=c1, a=b)")


def _log(tmp_path) -> EventLog:
    return EventLog.open(str(tmp_path / "run"))


def test_write_creates_the_directory_and_reads_back(tmp_path):
    log = _log(tmp_path)
    assert list(log.read()) == []  # no file yet
    log.emit("volume", "create", name="a")
    log.emit("image", "pull", name="docker.io/library/alpine", id="f" * 64)
    log.emit("container", "start", id="c" * 64, name="web", image="alpine")
    assert log.path == str(tmp_path / "run" / "events" / "events.log")
    assert [e.status for e in log.read()] == ["create", "pull", "start"]
    assert [e.name for e in log.read(filters=["type=volume"])] == ["a"]
    assert [e.name for e in log.read(filters=["container=web"])] == ["web"]
    assert [e.name for e in log.read(filters=["container=ccc"])] == ["web"]
    assert [e.name for e in log.read(filters=["image=alpine"])] == [
        "docker.io/library/alpine",
        "web",
    ]
    # one key ORs its values, different keys AND
    assert len(list(log.read(filters=["event=create", "event=start"]))) == 2
    assert list(log.read(filters=["event=create", "type=image"])) == []


def test_label_and_bad_filters(tmp_path):
    log = _log(tmp_path)
    log.emit("container", "create", id="1", name="x", attributes={"app": "db", "tier": "1"})
    log.emit("container", "create", id="2", name="y", attributes={"app": "web"})
    assert [e.name for e in log.read(filters=["label=app=db"])] == ["x"]
    assert [e.name for e in log.read(filters=["label=tier"])] == ["x"]
    with pytest.raises(ValueError, match="not a valid events filter"):
        parse_filters(["bogus=1"])
    with pytest.raises(ValueError, match="expected key=value"):
        parse_filters(["type"])


def test_since_until(tmp_path):
    log = _log(tmp_path)
    for i in range(5):
        log.write(Event(type="volume", status="create", name=str(i), time_ns=(100 + i) * 10**9))
    got = [e.name for e in log.read(since=101.5, until=103.0)]
    assert got == ["2", "3"]


def test_malformed_and_partial_lines_are_skipped(tmp_path):
    log = _log(tmp_path)
    log.emit("volume", "create", name="ok")
    with open(log.path, "ab") as f:
        f.write(b'not json\n{"Type":"volume","Status":"remove","Na')
    assert [e.name for e in log.read()] == ["ok"]


def test_stream_follows_appends_and_partial_writes(tmp_path):
    log = _log(tmp_path)
    log.emit("volume", "create", name="before")
    done = threading.Event()
    seen: list[str] = []

    def reader() -> None:
        for e in log.read(stream=True, stop=done.is_set, poll_s=0.02):
            seen.append(e.name)
            if len(seen) == 3:
                done.set()

    t = threading.Thread(target=reader)
    t.start()
    time.sleep(0.1)
    line = Event(type="volume", status="create", name="split").to_json() + "\n"
    with open(log.path, "ab") as f:  # a line arriving in two writes
        f.write(line[:10].encode())
        f.flush()
        time.sleep(0.1)
        f.write(line[10:].encode())
    log.emit("volume", "create", name="after")
    t.join(5)
    assert not t.is_alive()
    assert seen == ["before", "split", "after"]


def test_stream_survives_the_file_being_replaced(tmp_path):
    log = _log(tmp_path)
    log.emit("volume", "create", name="old")
    seen: list[str] = []
    done = threading.Event()

    def reader() -> None:
        for e in log.read(stream=True, stop=done.is_set, poll_s=0.02):
            seen.append(e.name)
            if e.name == "new":
                done.set()

    t = threading.Thread(target=reader)
    t.start()
    time.sleep(0.1)
    os.unlink(log.path)  # system reset
    time.sleep(0.1)
    log.emit("volume", "create", name="new")
    t.join(5)
    assert seen == ["old", "new"]


def test_stream_stops_at_until(tmp_path):
    log = _log(tmp_path)
    start = time.monotonic()
    assert list(log.read(stream=True, until=time.time() + 0.2, poll_s=0.02)) == []
    assert time.monotonic() - start < 2


def test_backend_none_is_silent(tmp_path):
    log = EventLog.open(str(tmp_path), backend="none")
    log.emit("volume", "create", name="x")
    assert not os.path.exists(log.path)
    assert list(log.read()) == []


def test_concurrent_appends_keep_lines_whole(tmp_path):
    log = EventLog.open(str(tmp_path / "run"), max_size=0)  # no rotation
    big = {"k" + str(i): "v" * 200 for i in range(20)}  # ~4.5 KB lines

    def writer(n: int) -> None:
        for i in range(50):
            log.emit("container", "exec", id=f"{n}-{i}", name="x", attributes=big)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = list(log.read())
    assert len(events) == 400
    assert all(e.attributes == big for e in events)


def test_rotation_keeps_the_newer_half(tmp_path):
    log = EventLog.open(str(tmp_path / "run"), max_size=4096)
    for i in range(200):
        log.emit("volume", "create", name=f"v{i}")
        assert os.path.getsize(log.path) <= 4096 + 300
    events = list(log.read())
    assert any(e.type == "system" and e.status == "log-rotation" for e in events)
    names = [e.name for e in events if e.type == "volume"]
    assert names[-1] == "v199"
    assert names == [f"v{i}" for i in range(200 - len(names), 200)]  # contiguous, newest


def test_stream_reads_each_event_once_across_rotations(tmp_path):
    log = EventLog.open(str(tmp_path / "run"), max_size=2048)
    seen: list[str] = []
    done = threading.Event()

    def reader() -> None:
        for e in log.read(stream=True, stop=done.is_set, poll_s=0.01, filters=["type=volume"]):
            seen.append(e.name)
            if e.name == "v99":
                done.set()

    t = threading.Thread(target=reader)
    t.start()
    for i in range(100):
        log.emit("volume", "create", name=f"v{i}")
        time.sleep(0.005)
    t.join(10)
    assert not t.is_alive()
    assert len(seen) == len(set(seen)) == 100  # never twice, none lost
    assert seen[-1] == "v99"
    assert seen == sorted(seen, key=lambda n: int(n[1:]))
