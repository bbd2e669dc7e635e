"""Healthchecks: `healthcheck run`, status transitions driven by the timer, on-failure
actions, and no timer left behind after rm — as root and as the test user."""

from __future__ import annotations

import json

from tests.e2e.cli_run_helpers import engine, processes, wait_for  # noqa: F401 - fixture
from tests.fixtures.pypod_cli import Pypod, StoreDirs

IMG = "localhost/busybox:latest"


def _health(pp: Pypod, name: str) -> dict:
    return json.loads(pp("inspect", "--format", "{{json .State.Health}}", name).stdout)


def _timers(cid: str) -> list[int]:
    """Processes still naming the container: the timer loop and its checks."""
    return [
        pid for pid, argv in processes()
        if b"healthcheck" in b"\0".join(argv) and cid.encode() in b"\0".join(argv)
    ]  # fmt: skip


def test_healthcheck_transitions_and_timer(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    cid = pp("run", "-d", "--name", "hc", "--health-cmd", "test -e /tmp/ok && echo checked",
             "--health-interval", "1s", "--health-retries", "2", IMG,
             "sleep", "300").stdout.strip()  # fmt: skip
    assert _health(pp, "hc")["Status"] == "starting"
    r = pp("healthcheck", "run", "hc", check=False)
    assert (r.rc, r.stdout) == (1, "unhealthy\n"), r
    pp("exec", "hc", "touch", "/tmp/ok")
    r = pp("healthcheck", "run", "hc", check=False)
    assert (r.rc, r.stdout) == (0, ""), r
    h = _health(pp, "hc")
    assert h["Status"] == "healthy" and h["FailingStreak"] == 0
    assert h["Log"][-1]["ExitCode"] == 0 and h["Log"][-1]["Output"] == "checked\n"
    assert "(healthy)" in pp("ps", "--format", "{{.Status}}").stdout
    pp("exec", "hc", "rm", "/tmp/ok")
    # the timer (1s) fails twice in a row: unhealthy
    wait_for(lambda: _health(pp, "hc")["Status"] == "unhealthy", 20, "unhealthy")
    h = _health(pp, "hc")
    assert h["FailingStreak"] >= 2 and len(h["Log"]) <= 5
    r = pp("ps", "--filter", "health=unhealthy", "--format", "{{.Names}}")
    assert r.stdout == "hc\n"
    events = pp("events", "--stream=false", "--filter", "event=health_status",
                "--format", "{{.HealthStatus}}").stdout.split()  # fmt: skip
    assert "healthy" in events and events[-1] == "unhealthy"
    assert _timers(cid)
    pp("rm", "-f", "-t", "0", "hc")
    wait_for(lambda: not _timers(cid), 10, "the timer to end")


def test_healthcheck_errors(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    pp("run", "-d", "--name", "plain", IMG, "sleep", "300")
    r = pp("healthcheck", "run", "plain", check=False)
    assert r.rc == 125 and "has no defined healthcheck" in r.stderr, r
    r = pp("healthcheck", "run", "nosuch", check=False)
    assert r.rc == 125 and "no such container" in r.stderr
    pp("create", "--name", "idle", "--health-cmd", "true", IMG, "sleep", "1")
    r = pp("healthcheck", "run", "idle", check=False)
    assert r.rc == 125 and "is not running" in r.stderr, r
    pp("rm", "-f", "-t", "0", "plain", "idle")


def test_healthcheck_start_period_and_timeout(pypod: Pypod, busybox: str) -> None:
    pypod(
        "run",
        "-d",
        "--name",
        "sp",
        "--health-cmd",
        "false",
        "--health-interval",
        "0",
        "--health-start-period",
        "60s",
        "--health-retries",
        "1",
        busybox,
        "sleep",
        "300",
    )
    r = pypod("healthcheck", "run", "sp", check=False)
    assert (r.rc, r.stdout) == (1, "starting\n"), r
    h = _health(pypod, "sp")
    assert h["Status"] == "starting" and h["FailingStreak"] == 0 and len(h["Log"]) == 1
    pypod(
        "run",
        "-d",
        "--name",
        "slow",
        "--health-cmd",
        "sleep 30",
        "--health-timeout",
        "1s",
        "--health-interval",
        "disable",
        "--health-retries",
        "1",
        busybox,
        "sleep",
        "300",
    )
    r = pypod("healthcheck", "run", "slow", check=False, timeout=20)
    assert (r.rc, r.stdout) == (1, "unhealthy\n"), r
    h = _health(pypod, "slow")
    assert h["Status"] == "unhealthy" and h["Log"][-1]["ExitCode"] == -1
    assert "timed out" in h["Log"][-1]["Output"]
    pypod("rm", "-f", "-t", "0", "sp", "slow")


def test_health_on_failure_kill(pypod: Pypod, busybox: str) -> None:
    pypod(
        "run",
        "-d",
        "--name",
        "k",
        "--health-cmd",
        "false",
        "--health-interval",
        "1s",
        "--health-retries",
        "1",
        "--health-on-failure",
        "kill",
        busybox,
        "sleep",
        "300",
    )

    def exited() -> bool:
        return pypod("inspect", "--format", "{{.State.Status}}", "k").stdout.strip() == "exited"

    wait_for(exited, 20, "the kill action")
    assert pypod("inspect", "--format", "{{.State.ExitCode}}", "k").stdout.strip() == "137"
    pypod("rm", "k")
