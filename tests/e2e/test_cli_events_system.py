"""events (filters, formats, streaming), system df, system prune, exec -d session cleanup."""

from __future__ import annotations

import json
import subprocess
import time

from tests.e2e.cli_run_helpers import engine, leftovers, wait_for  # noqa: F401 - fixture
from tests.fixtures.pypod_cli import Pypod, StoreDirs

IMG = "localhost/busybox:latest"


def _statuses(pp: Pypod, *args: str) -> list[str]:
    return pp("events", "--stream=false", "--format", "{{.Status}}", *args).stdout.split()


def test_events_lifecycle_filters_and_formats(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    pp("run", "--rm", "--name", "web-a", "--label", "tier=web", IMG, "true")
    pp("run", "-d", "--name", "b", IMG, "sleep", "300")
    pp("exec", "b", "true")
    pp("rename", "b", "b2")
    pp("stop", "-t", "0", "b2")
    pp("rm", "b2")
    pp("volume", "create", "ev")
    got = _statuses(pp, "--filter", "container=web-a")  # not hex: no id-prefix match
    assert got == ["create", "init", "attach", "start", "died", "cleanup", "remove"], got
    got = _statuses(pp, "--filter", "type=container", "--filter", "event=exec",
                    "--filter", "event=exec_died")  # fmt: skip
    assert got == ["exec", "exec_died"]
    assert "rename" in _statuses(pp, "--filter", "container=b2")
    assert "stop" in _statuses(pp, "--filter", "container=b2")
    assert _statuses(pp, "--filter", "label=tier=web")[0] == "create"
    assert _statuses(pp, "--filter", "volume=ev") == ["create"]
    assert "import" in _statuses(pp, "--filter", "type=image")
    docs = [json.loads(x) for x in pp("events", "--stream=false", "--format", "json",
                                      "--filter", "event=died").stdout.splitlines()]  # fmt: skip
    assert docs[0]["Name"] == "web-a" and docs[0]["ContainerExitCode"] == 0
    assert docs[0]["Attributes"] == {"tier": "web"} and docs[0]["Type"] == "container"
    text = pp("events", "--stream=false", "--filter", "event=died").stdout
    assert " +0000 UTC container died " in text and "containerExitCode=0" in text
    short = pp("events", "--stream=false", "--no-trunc=false", "--filter", "event=died",
               "--format", "{{.ID}}").stdout.split()  # fmt: skip
    assert all(len(x) == 12 for x in short)
    assert _statuses(pp, "--until", "1") == []
    assert _statuses(pp, "--since", "1m", "--filter", "volume=ev") == ["create"]
    r = pp("events", "--stream=false", "--filter", "bogus=1", check=False)
    assert r.rc == 125 and "bogus" in r.stderr


def test_events_stream_follows(pypod: Pypod, busybox: str) -> None:
    from tests.fixtures.pypod_cli import root_env

    argv = pypod.argv(("events", "--filter", "event=start", "--format", "{{.Name}}"))
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, env=root_env())
    try:
        time.sleep(0.5)
        pypod("run", "--rm", "--name", "s1", busybox, "true")
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"s1\n"
    finally:
        proc.kill()
        proc.wait()
    until = str(time.time() + 1)
    r = pypod("events", "--until", until, "--filter", "event=start", "--format", "{{.Name}}")
    assert r.stdout == "s1\n"


def test_system_df_and_prune(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, store = engine
    pp("volume", "create", "used")
    pp("volume", "create", "spare")
    pp("run", "--name", "done", "-v", "used:/data", IMG, "sh", "-c",
       "head -c 50000 /dev/zero > /big; echo x > /data/f")  # fmt: skip
    pp("run", "-d", "--name", "live", IMG, "sleep", "300")
    lines = pp("system", "df").stdout.splitlines()
    assert lines[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
    assert lines[1].split()[:3] == ["Images", "1", "1"]
    assert lines[2].split()[:3] == ["Containers", "2", "1"]
    assert lines[2].endswith("(100%)") and "50kB" in lines[2]
    assert lines[3].split()[:4] == ["Local", "Volumes", "2", "1"]
    rows = json.loads(pp("system", "df", "--format", "json").stdout)
    assert [r["Type"] for r in rows] == ["Images", "Containers", "Local Volumes"]
    assert rows[1]["RawReclaimable"] >= 50000
    r = pp("system", "df", "--format", "{{.Type}}={{.Total}}")
    assert r.stdout == "Images=1\nContainers=2\nLocal Volumes=2\n"
    v = pp("system", "df", "-v").stdout
    assert "Images space usage:" in v and "Local Volumes space usage:" in v
    assert "CONTAINER ID" in v and "done" in v and "spare" in v
    r = pp("system", "prune", input="n\n")
    assert r.stdout.startswith("WARNING! This command removes:\n\t- all stopped containers\n")
    assert "\t- all dangling images\n" in r.stdout and "volumes" not in r.stdout
    assert r.stdout.endswith("Are you sure you want to continue? [y/N] ")
    assert pp("ps", "-aq").stdout.count("\n") == 2
    r = pp("system", "prune", "-f", "--volumes")
    out = r.stdout.splitlines()
    assert out[0] == "Deleted Containers" and len(out[1]) == 64
    assert out[2:5] == ["Deleted Volumes", "spare", "used"]
    assert out[-1].startswith("Total reclaimed space: ") and "kB" in out[-1]
    assert pp("ps", "-a", "--format", "{{.Names}}").stdout == "live\n"
    pp("rm", "-f", "-t", "0", "live")
    r = pp("system", "prune", "-a", "-f")
    assert r.stdout.splitlines()[0] == "Deleted Images"
    assert pp("images", "-q").stdout == ""
    assert pp("system", "prune", "-f").stdout == "Total reclaimed space: 0B\n"
    assert leftovers(store) == []


def test_exec_detached_sessions_are_reaped(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, store = engine
    pp("run", "-d", "--name", "x", IMG, "sleep", "300")
    pp("exec", "-d", "x", "sleep", "8")
    pp("exec", "-d", "x", "sleep", "300")
    ids = json.loads(pp("inspect", "--format", "{{json .ExecIDs}}", "x").stdout)
    assert len(ids) == 2

    def one_left() -> bool:
        return len(json.loads(pp("inspect", "--format", "{{json .ExecIDs}}", "x").stdout)) == 1

    wait_for(one_left, 40, "the short session to be reaped")
    pp("stop", "-t", "0", "x")
    assert pp("inspect", "--format", "{{json .ExecIDs}}", "x").stdout.strip() in ("[]", "null")
    cid = pp("inspect", "--format", "{{.Id}}", "x").stdout.strip()
    import os

    userdata = [os.path.join(dp, "exec") for dp, dn, _ in os.walk(store.root)
                if dp.endswith(cid + "/userdata") and "exec" in dn]  # fmt: skip
    assert all(os.listdir(p) == [] for p in userdata)
    pp("rm", "x")
