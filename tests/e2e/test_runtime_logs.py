"""Log reading (k8s-file and json-file lines, partial joins, since/until/tail, follow across a
truncation) on files written here, and the runtime-message -> typed error table."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from pypod.errors import CannotInvoke, CommandNotFound
from pypod.runtime import logs
from pypod.runtime.errors import (
    NotRunning,
    RuntimeFailed,
    RuntimeGone,
    RuntimePermission,
    runtime_message,
    translate,
)

T0 = "2024-01-01T00:00:00.000000001+00:00"
T1 = "2024-01-01T00:00:01.500000000+00:00"
T2 = "2024-01-01T01:00:02.000000000+01:00"  # = 00:00:02Z, written with an offset
LOG = (
    f"{T0} stdout F first\n"
    f"{T1} stdout P par\n"
    f"{T1} stderr F err line\n"
    f"{T1} stdout P ti\n"
    f"{T2} stdout F al\n"
    f"{T2} stdout F \n"
    f"{T2} stdout P no-newline\n"
)


def _texts(lines: list[logs.LogLine]) -> list[tuple[str, bytes, bool]]:
    return [(x.stream, x.text, x.partial) for x in lines]


def test_parse_time() -> None:
    assert logs.parse_time(T0) == 1704067200_000000001
    assert logs.parse_time(T2) == 1704067202_000000000
    assert logs.parse_time("2024-01-01T00:00:02Z") == 1704067202_000000000
    assert logs.parse_time("2024-01-01T00:00:02.25Z") == 1704067202_250000000
    assert logs.format_time(1704067202_250000000) == "2024-01-01T00:00:02.250000000Z"


def test_read_joins_partials(tmp_path: Path) -> None:
    path = tmp_path / "ctr.log"
    path.write_text(LOG)
    got = _texts(list(logs.read_logs(str(path))))
    assert got == [
        ("stdout", b"first", False),
        ("stderr", b"err line", False),
        ("stdout", b"partial", False),
        ("stdout", b"", False),
        ("stdout", b"no-newline", True),
    ]
    rendered = b"".join(x.render() for x in logs.read_logs(str(path)))
    assert rendered == b"first\nerr line\npartial\n\nno-newline"
    first = next(iter(logs.read_logs(str(path))))
    assert first.render(timestamps=True) == f"{T0} first\n".encode()


def test_since_until_tail(tmp_path: Path) -> None:
    path = tmp_path / "ctr.log"
    path.write_text(LOG)
    since = logs.parse_time("2024-01-01T00:00:01Z")
    until = logs.parse_time("2024-01-01T00:00:01.9Z")
    got = _texts(list(logs.read_logs(str(path), since_ns=since, until_ns=until)))
    assert got == [("stderr", b"err line", False), ("stdout", b"partial", False)]
    assert [x.text for x in logs.read_logs(str(path), tail=2)] == [b"", b"no-newline"]
    assert list(logs.read_logs(str(path), tail=0)) == []
    assert list(logs.read_logs(str(tmp_path / "missing.log"))) == []


def test_json_file_lines(tmp_path: Path) -> None:
    path = tmp_path / "ctr.log"
    path.write_text(
        '{"log":"hello\\n","stream":"stdout","time":"2024-01-01T00:00:00.5Z"}\n'
        '{"log":"par","stream":"stderr","time":"2024-01-01T00:00:01Z"}\n'
        '{"log":"t\\n","stream":"stderr","time":"2024-01-01T00:00:01Z"}\n'
        "garbage\n"
    )
    got = _texts(list(logs.read_logs(str(path))))
    assert got == [("stdout", b"hello", False), ("stderr", b"part", False)]


def test_follow_survives_truncation_and_stops_when_done(tmp_path: Path) -> None:
    path = tmp_path / "ctr.log"
    path.write_text(f"{T0} stdout F one\n")
    finished = threading.Event()

    def writer() -> None:
        time.sleep(0.1)
        with open(path, "a") as f:
            f.write(f"{T1} stdout F tw")
            f.flush()
            time.sleep(0.1)
            f.write("o\n")
        time.sleep(0.1)
        tmp = tmp_path / "ctr.log.tmp"  # conmon's truncation: a fresh file renamed over
        tmp.write_text(f"{T2} stdout F three\n")
        os.rename(tmp, path)
        time.sleep(0.1)
        finished.set()

    thread = threading.Thread(target=writer)
    thread.start()
    got = [x.text for x in logs.read_logs(str(path), follow=True, done=finished.is_set,
                                          poll_s=0.01)]  # fmt: skip
    thread.join()
    assert got == [b"one", b"two", b"three"]


@pytest.mark.parametrize(
    ("text", "creating", "kind", "code"),
    [
        ('time="x" level=error msg="container does not exist"\n', False, RuntimeGone, 125),
        ('time="x" level=error msg="container not running"\n', False, NotRunning, 125),
        ("cannot kill: container 1 is stopped", False, NotRunning, 125),
        (
            '{"level":"error","msg":"runc create failed: unable to start container process: '
            'exec: \\"x\\": executable file not found in $PATH","time":"t"}\n',
            True,
            CommandNotFound,
            127,
        ),
        (
            'runc create failed: unable to start container process: exec: "/x": '
            "permission denied\n",
            True,
            CannotInvoke,
            126,
        ),
        ("error setting rlimit type 7: operation not permitted", True, CannotInvoke, 126),
        ('level=error msg="unable to freeze: permission denied"', False, RuntimePermission, 125),
        ("lstat /sys/fs/cgroup/x: no such file or directory", False, RuntimeFailed, 125),
        ("something odd", False, RuntimeFailed, 125),
    ],
)
def test_translate(text: str, creating: bool, kind: type, code: int) -> None:
    err = translate("runc", text, container_id="abc", creating=creating)
    assert type(err) is kind
    assert err.exit_code == code


def test_runtime_message_prefers_the_last_error() -> None:
    text = (
        '{"level":"warning","msg":"a warning","time":"t"}\n'
        '{"level":"error","msg":"first","time":"t"}\n'
        '{"level":"error","msg":"second","time":"t"}\n'
    )
    assert runtime_message(text) == "second"
    assert runtime_message('time="t" level=error msg="quoted \\"x\\""') == 'quoted "x"'
    assert runtime_message("plain words\n\n") == "plain words"
