"""top against real containers, root and rootless: psgo's descriptors (names, AIX codes,
comma lists) seen from the container's pid namespace, the ps(1) fallback for other arguments
(busybox's ps, run inside the container), --latest, and Podman's errors."""

from __future__ import annotations

import re

from tests.e2e.cli_run_helpers import engine  # noqa: F401 - fixture
from tests.fixtures.images import BUSYBOX_REF
from tests.fixtures.pypod_cli import Pypod, StoreDirs

LOOP = "while true; do sleep 0.1; done"


def _table(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines()]


def test_top_descriptors(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    pp("run", "-d", "--name", "top-d", BUSYBOX_REF, "sh", "-c", LOOP)
    rows = _table(pp("top", "top-d").stdout)
    assert rows[0] == ["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"]
    assert rows[1][:3] == ["root", "1", "0"]  # pids as the container sees them
    # ELAPSED and TIME are Go durations, as psgo prints them ("1.698213816s", "20ms", "0s")
    go_duration = r"(\d+h)?(\d+m)?[\d.]+(s|ms|µs|ns)|0s"
    assert re.fullmatch(go_duration, rows[1][4]) and re.fullmatch(go_duration, rows[1][6])
    rows = _table(pp("top", "top-d", "pid,ppid", "%c", "hpid", "user").stdout)
    assert rows[0] == ["PID", "PPID", "COMMAND", "HPID", "USER"]
    first = rows[1]
    assert first[:3] == ["1", "0", "sh"] and int(first[3]) > 1 and first[4] == "root"
    caps = _table(pp("top", "top-d", "capamb", "seccomp", "rss").stdout)
    assert caps[0] == ["AMBIENT", "CAPS", "SECCOMP", "RSS"]
    assert caps[1][:2] == ["none", "filter"] and int(caps[1][2]) > 0
    # --latest: every argument is a descriptor
    assert _table(pp("top", "--latest", "pid").stdout)[:2] == [["PID"], ["1"]]


def test_top_runs_ps_for_other_arguments(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    pp("run", "-d", "--name", "top-ps", BUSYBOX_REF, "sh", "-c", LOOP)
    out = pp("top", "top-ps", "-o", "pid,args").stdout.splitlines()
    assert out[0].split() == ["PID", "COMMAND"]
    assert out[1].split() == ["1", "sh", "-c", *LOOP.split()]
    assert not any("ps -o" in line for line in out)  # the line of ps itself is left out
    out = pp("top", "top-ps", "-ef").stdout.splitlines()
    assert out[0].split() == ["PID", "USER", "COMMAND"]  # busybox ps's own columns
    # ps's own errors, and an image without ps
    r = pp("top", "top-ps", "-o", "bogus", check=False)
    assert r.rc == 125
    assert "executing ps(1) in the container: runtime failed with exit status: 1" in r.stderr
    assert "bad -o argument 'bogus'" in r.stderr
    pp("exec", "top-ps", "rm", "/bin/ps")
    r = pp("top", "top-ps", "-ef", check=False)
    assert r.rc == 125 and "executing ps(1) in the container: " in r.stderr
    assert "executable file not found" in r.stderr
    # descriptors alone still work without ps
    assert _table(pp("top", "top-ps", "pid").stdout)[1] == ["1"]


def test_top_errors(pypod: Pypod, busybox: str) -> None:
    pypod("create", "--name", "top-cold", busybox, "true")
    r = pypod("top", "top-cold", check=False)
    assert r.rc == 125 and "top can only be used on running containers" in r.stderr
    r = pypod("top", "top-nope", check=False)
    assert r.rc == 125 and 'no container with name or ID "top-nope" found' in r.stderr
    r = pypod("top", check=False)
    assert r.rc == 125 and "you must provide the name or id of a running container" in r.stderr
