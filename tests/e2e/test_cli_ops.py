"""Commands on existing containers, against real containers: ps, inspect, stop, kill, rm, wait,
logs, exec, top, rename, diff, export, mount — root and rootless for the key paths."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from tests.e2e.cli_run_helpers import engine, remove_all  # noqa: F401 - fixture
from tests.fixtures.images import BUSYBOX_REF
from tests.fixtures.pypod_cli import Pypod, StoreDirs

LOOP = "trap 'echo got-term; exit 3' TERM; echo ready; while true; do sleep 0.1; done"


def _run_d(pp: Pypod, *args: str) -> str:
    return pp("run", "-d", *args).stdout.strip()


def _wait_log(pp: Pypod, name: str, text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in pp("logs", name, check=False).stdout:
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in the logs of {name}")


# ps ------------------------------------------------------------
def test_ps_states_formats_and_filters(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    cid = _run_d(pp, "--name", "live", "-l", "tier=web", BUSYBOX_REF, "sh", "-c", LOOP)
    pp("run", "--name", "done", BUSYBOX_REF, "sh", "-c", "exit 4", check=False)
    pp("create", "--name", "fresh", BUSYBOX_REF, "true")

    running = pp("ps").stdout.splitlines()
    assert running[0].split()[:3] == ["CONTAINER", "ID", "IMAGE"]
    assert "NAMES" in running[0] and len(running) == 2 and "live" in running[1]
    assert " Up " in running[1]

    rows = pp("ps", "-a", "--format", "{{.Names}}|{{.Status}}|{{.State}}").stdout.splitlines()
    by_name = {r.split("|")[0]: r.split("|")[1:] for r in rows}
    assert by_name["fresh"] == ["Created", "Created"]
    assert by_name["done"][0].startswith("Exited (4) ") and by_name["done"][0].endswith(" ago")
    assert by_name["live"][1] == by_name["live"][0]  # Podman: .State is the STATUS text

    assert pp("ps", "-q").stdout.split() == [cid[:12]]
    assert pp("ps", "-q", "--no-trunc").stdout.split() == [cid]
    assert pp("ps", "-a", "-q", "--filter", "label=tier=web").stdout.split() == [cid[:12]]
    assert pp("ps", "-a", "--filter", "exited=4", "--format", "{{.Names}}").stdout == "done\n"
    assert pp("ps", "--filter", "status=created", "--format", "{{.Names}}").stdout == "fresh\n"
    assert pp("ps", "-a", "--filter", "name=^li", "--format", "{{.Names}}").stdout == "live\n"
    assert pp("ps", "-l", "--format", "{{.Names}}").stdout == "fresh\n"
    assert len(pp("ps", "-n", "2", "-q").stdout.split()) == 2
    names = pp("ps", "-a", "--sort", "names", "--format", "{{.Names}}").stdout.split()
    assert names == sorted(names)

    docs = json.loads(pp("ps", "-a", "--format", "json").stdout)
    live = next(d for d in docs if d["Names"] == ["live"])
    assert live["Id"] == cid and live["State"] == "running" and live["Pid"] > 0
    assert live["Labels"] == {"tier": "web"} and live["Command"][0] == "sh"
    assert set(live) >= {"AutoRemove", "Created", "CreatedAt", "Exited", "ExitedAt", "ImageID"}
    assert pp("ps", "--filter", "bogus=1", check=False).rc == 125


def test_ps_size_and_noheading(pypod: Pypod, busybox: str) -> None:
    pypod("create", "--name", "c", busybox, "true")
    out = pypod("ps", "-a", "--size", "--noheading").stdout
    assert "virtual" in out and "CONTAINER" not in out
    pypod("rm", "c")


# inspect ------------------------------------------------------------
def test_inspect_shape_and_generic_inspect(pypod: Pypod, busybox: str) -> None:
    cid = pypod("create", "--name", "ins", "-l", "a=b", "--stop-signal", "INT", busybox,
                "sh", "-c", "true").stdout.strip()  # fmt: skip
    try:
        doc = json.loads(pypod("container", "inspect", "ins").stdout)[0]
        assert doc["Id"] == cid and doc["Name"] == "ins"
        assert doc["Path"] == "sh" and doc["Args"] == ["-c", "true"]
        state = doc["State"]
        assert state["Status"] == "created" and state["Running"] is False
        assert state["StartedAt"] == "0001-01-01T00:00:00Z" and "Health" in state
        assert doc["Config"]["Labels"] == {"a": "b"} and doc["Config"]["StopSignal"] == 2
        assert doc["HostConfig"]["RestartPolicy"] == {"Name": "", "MaximumRetryCount": 0}
        assert doc["ImageName"] == BUSYBOX_REF and doc["OCIRuntime"]
        for key in ("GraphDriver", "Mounts", "NetworkSettings", "EffectiveCaps", "ExecIDs"):
            assert key in doc
        out = pypod("inspect", "--format", "{{.Name}} {{.State.Status}}", "ins").stdout
        assert out == "ins created\n"
        # the generic inspect finds containers, then images
        assert json.loads(pypod("inspect", busybox).stdout)[0]["Id"] != cid
        assert json.loads(pypod("inspect", "--type", "container", "ins").stdout)[0]["Id"] == cid
        r = pypod("inspect", "nosuch", check=False)
        assert r.rc == 125 and 'no such object: "nosuch"' in r.stderr
        r = pypod("container", "inspect", "nosuch", check=False)
        assert r.rc == 125 and "no such container nosuch" in r.stderr
    finally:
        pypod("rm", "-f", "ins")


# stop, kill, wait, rm ------------------------------------------------------------
def test_stop_trap_wait_and_rm(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    _run_d(pp, "--name", "trap", BUSYBOX_REF, "sh", "-c", LOOP)
    _wait_log(pp, "trap", "ready")
    r = pp("rm", "trap", check=False)
    assert r.rc == 2 and "cannot remove container" in r.stderr
    t0 = time.monotonic()
    assert pp("stop", "trap").stdout == "trap\n"
    assert time.monotonic() - t0 < 5  # the trap handled SIGTERM: no 10 s timeout
    assert pp("wait", "trap").stdout == "3\n"
    assert "got-term" in pp("logs", "trap").stdout
    state = json.loads(pp("inspect", "trap").stdout)[0]["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 3
    assert pp("stop", "trap").rc == 0  # stopping a stopped container is fine
    assert pp("rm", "trap").stdout == "trap\n"
    assert pp("container", "exists", "trap", check=False).rc == 1


def test_stop_timeout_kills_and_kill_signals(pypod: Pypod, busybox: str) -> None:
    try:
        _run_d(pypod, "--name", "stubborn", busybox, "sh", "-c",
               "trap '' TERM; echo ready; while true; do sleep 0.1; done")  # fmt: skip
        _wait_log(pypod, "stubborn", "ready")
        t0 = time.monotonic()
        pypod("stop", "-t", "1", "stubborn")
        assert 0.9 < time.monotonic() - t0 < 6
        assert pypod("wait", "stubborn").stdout == "137\n"

        _run_d(pypod, "--name", "k", busybox, "sh", "-c", LOOP)
        _wait_log(pypod, "k", "ready")
        assert pypod("kill", "-s", "TERM", "k").stdout == "k\n"
        assert pypod("wait", "k").stdout == "3\n"
        r = pypod("kill", "k", check=False)
        assert r.rc == 125 and "can only kill running containers" in r.stderr
        r = pypod("kill", "-s", "BOGUS", "k", check=False)
        assert r.rc == 125 and "invalid signal" in r.stderr
        r = pypod("stop", "nosuch", check=False)
        assert r.rc == 125 and 'no container with name or ID "nosuch" found' in r.stderr
        assert pypod("stop", "--ignore", "nosuch").rc == 0
    finally:
        remove_all(pypod)


def test_rm_exit_codes_force_and_all(pypod: Pypod, busybox: str) -> None:
    r = pypod("rm", "nosuch", check=False)
    assert r.rc == 1 and "no such container" in r.stderr
    assert pypod("rm", "--ignore", "nosuch").rc == 0
    _run_d(pypod, "--name", "a", busybox, "sleep", "100")
    pypod("create", "--name", "b", busybox, "true")
    assert pypod("rm", "-f", "-t", "0", "a").stdout == "a\n"
    bid = pypod("inspect", "--format", "{{.Id}}", "b").stdout.strip()
    assert pypod("rm", "-a").stdout.split() == [bid]
    assert pypod("ps", "-aq").stdout == ""


def test_wait_conditions(pypod: Pypod, busybox: str) -> None:
    pypod("create", "--name", "w", busybox, "sh", "-c", "sleep 0.3; exit 7")
    try:
        assert pypod("wait", "--condition", "created", "w").stdout == "0\n"
        proc = _popen(pypod, "wait", "w")
        pypod("start", "w")
        out, _ = proc.communicate(timeout=20)
        assert out == b"7\n"
        r = pypod("wait", "--condition", "bogus", "w", check=False)
        assert r.rc == 125
    finally:
        pypod("rm", "-f", "w")


# logs ------------------------------------------------------------
def test_logs_follow_live_container(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    _run_d(pp, "--name", "talker", BUSYBOX_REF, "sh", "-c",
           "for i in 1 2 3; do echo line$i; sleep 0.3; done; echo oops >&2")  # fmt: skip
    proc = _popen(pp, "logs", "-f", "talker")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert out.decode().split() == ["line1", "line2", "line3"]
    assert err.decode().strip() == "oops"
    assert pp("logs", "--tail", "1", "talker").stderr.strip() == "oops"
    stamped = pp("logs", "-t", "talker").stdout.splitlines()[0]
    assert stamped.endswith(" line1") and stamped[:4].isdigit()
    assert pp("logs", "-n", "talker").stdout.startswith("talker line1")
    assert pp("logs", "--since", "2099-01-01", "talker").stdout == ""


def _popen(pp: Pypod, *args: str) -> subprocess.Popen[bytes]:
    """Start a pypod command in the background as the Pypod callable would run it."""
    from tests.fixtures.pypod_cli import root_env
    from tests.fixtures.users import RootlessPypod, get_test_user, user_env

    if isinstance(pp, RootlessPypod):
        user = get_test_user()
        argv = ["runuser", "-u", user.name, "--", "env", "-i", *user_env(pp.env), *pp.argv(args)]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=user.home)
    return subprocess.Popen(
        pp.argv(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=root_env()
    )


def test_logs_several_containers(pypod: Pypod, busybox: str) -> None:
    pypod("run", "--name", "one", busybox, "echo", "from-one")
    pypod("run", "--name", "two", busybox, "echo", "from-two")
    try:
        out = pypod("logs", "--names", "one", "two").stdout.splitlines()
        assert sorted(out) == ["one from-one", "two from-two"]
    finally:
        pypod("rm", "one", "two")


# exec ------------------------------------------------------------
def test_exec_exit_codes(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    _run_d(pp, "--name", "ex", BUSYBOX_REF, "sleep", "100")
    assert pp("exec", "ex", "echo", "hi").stdout == "hi\n"
    assert pp("exec", "ex", "sh", "-c", "exit 5", check=False).rc == 5
    r = pp("exec", "ex", "nonexistent", check=False)
    assert r.rc == 127
    assert pp("exec", "ex", "/etc/passwd", check=False).rc == 126
    out = pp("exec", "-e", "FOO=bar", "-w", "/root", "ex", "sh", "-c", "echo $FOO; pwd").stdout
    assert out == "bar\n/root\n"
    assert pp("exec", "-i", "ex", "cat", input="piped\n").stdout == "piped\n"
    assert pp("exec", "-u", "1000", "ex", "id", "-u").stdout == "1000\n"
    pp("stop", "-t", "0", "ex")
    r = pp("exec", "ex", "true", check=False)
    assert r.rc != 0 and "can only create exec sessions on running containers" in r.stderr


# top, rename, diff, export, mount ------------------------------------------------------------
def test_top_rename_diff_export(pypod: Pypod, busybox: str, tmp_path: object) -> None:
    _run_d(pypod, "--name", "t", busybox, "sh", "-c",
           "echo x > /newfile; rm /bin/ls; echo ready; sleep 100")  # fmt: skip
    try:
        _wait_log(pypod, "t", "ready")
        top = pypod("top", "t").stdout.splitlines()
        assert top[0].split()[:3] == ["USER", "PID", "PPID"] and "sleep 100" in top[-1]
        assert pypod("top", "t", "pid", "comm").stdout.splitlines()[1].split()[1] == "sleep"
        assert pypod("port", "t").stdout == ""
        pypod("rename", "t", "t2")
        assert pypod("ps", "--format", "{{.Names}}").stdout == "t2\n"
        changes = pypod("diff", "t2").stdout.splitlines()
        assert "A /newfile" in changes and "D /bin/ls" in changes
        doc = json.loads(pypod("diff", "--format", "json", "t2").stdout)
        assert "/newfile" in doc["added"]
        out = os.path.join(str(tmp_path), "x.tar")
        pypod("export", "-o", out, "t2")
        listing = subprocess.run(["tar", "tf", out], capture_output=True, text=True).stdout
        assert "newfile" in listing and "bin/ls\n" not in listing
        path = pypod("mount", "t2").stdout.strip()
        assert os.path.exists(os.path.join(path, "newfile"))
        pypod("unmount", "t2")
    finally:
        remove_all(pypod)


# recovery and scale ------------------------------------------------------------
def test_conmon_killed_shows_exited(pypod: Pypod, busybox: str) -> None:
    _run_d(pypod, "--name", "orphan", busybox, "sleep", "100")
    try:
        doc = json.loads(pypod("inspect", "orphan").stdout)[0]["State"]
        os.kill(doc["ConmonPid"], signal.SIGKILL)
        os.kill(doc["Pid"], signal.SIGKILL)
        deadline = time.monotonic() + 10
        status = ""
        while time.monotonic() < deadline:
            status = pypod("ps", "-a", "--format", "{{.Status}}").stdout
            if status.startswith("Exited"):
                break
            time.sleep(0.1)
        assert status.startswith("Exited"), status
        assert json.loads(pypod("inspect", "orphan").stdout)[0]["State"]["Running"] is False
    finally:
        remove_all(pypod)


_SCRIPT = """
import sys, time
from pypod.core.containers import ContainerStore
from pypod.core.model import ContainerConfig, ContainerState, Status
root, run = sys.argv[1], sys.argv[2]
s = ContainerStore.open(root, run)
for i in range(1000):
    cid = "%064x" % (i + 1)
    st = Status.EXITED if i % 2 else Status.CONFIGURED
    s.create(ContainerConfig(id=cid, name="c%d" % i, created=time.time() - i,
                             image_id="0" * 64, image_name="localhost/x:latest",
                             command=("true",)), ContainerState(status=st))
"""


def test_ps_a_with_1000_containers(pypod: Pypod, store: StoreDirs) -> None:
    """All 1,000 listed and one found by name; the timing lives in bench/ps.py."""
    import sys

    pypod("images")  # the store exists
    subprocess.run([sys.executable, "-c", _SCRIPT, store.root, store.runroot], check=True)
    out = pypod("ps", "-a", "-q").stdout.split()
    assert len(out) == 1000
    assert pypod("inspect", "--format", "{{.Name}}", "c500").stdout == "c500\n"


def test_pause_unpause_by_name_cidfile_and_all(pypod: Pypod, busybox: str, tmp_path) -> None:
    cidfile = tmp_path / "cid"
    pypod("run", "-d", "--name", "frozen", "--cidfile", str(cidfile), busybox, "sleep", "300")
    try:
        assert pypod("pause", "frozen").stdout == "frozen\n"
        state = pypod("inspect", "--format", "{{.State.Status}}", "frozen").stdout.strip()
        assert state == "paused"
        r = pypod("pause", "frozen", check=False)
        assert r.rc == 125 and "paused" in r.stderr
        assert pypod("unpause", "--cidfile", str(cidfile)).stdout.strip() == cidfile.read_text()
        assert pypod("inspect", "--format", "{{.State.Status}}", "frozen").stdout == "running\n"
        pypod("pause", "--all")
        pypod("unpause", "--latest")
        assert pypod("inspect", "--format", "{{.State.Status}}", "frozen").stdout == "running\n"
        r = pypod("pause", "nosuch", check=False)
        assert r.rc == 125 and "no such container" in r.stderr
    finally:
        pypod("rm", "-f", "-t", "0", "frozen", check=False)
