"""Volumes and mounts of run/create; restart policies; recovery when conmon dies."""

from __future__ import annotations

import os
import signal

from cli_run_helpers import engine, leftovers, status, wait_for  # noqa: F401

from tests.fixtures.images import import_busybox

IMG = "localhost/busybox:latest"


def test_bind_named_and_anonymous_volumes(engine):  # noqa: F811
    pp, store = engine
    host = os.path.join(store.base, "shared")
    os.mkdir(host)
    os.chmod(host, 0o777)
    pp("run", "--rm", "-v", f"{host}:/h", IMG, "sh", "-c", "echo x > /h/f")
    with open(os.path.join(host, "f")) as f:
        assert f.read() == "x\n"
    r = pp("run", "--rm", "-v", f"{host}:/h:ro", IMG, "sh", "-c", "echo y > /h/f", check=False)
    assert r.rc != 0
    pp("run", "--rm", "-v", "data:/d", IMG, "sh", "-c", "echo kept > /d/k")
    assert pp("run", "--rm", "-v", "data:/d", IMG, "cat", "/d/k").stdout == "kept\n"
    r = pp("run", "--rm", "--mount", "type=volume,src=data,dst=/m,ro", IMG, "cat", "/m/k")
    assert r.stdout == "kept\n"
    r = pp("run", "--rm", "--tmpfs", "/t", "--mount", "type=tmpfs,dst=/u", IMG,
           "sh", "-c", "grep -c ' /[tu] tmpfs' /proc/mounts")  # fmt: skip
    assert r.stdout == "2\n"
    # Podman's --tmpfs defaults are rw,nosuid,nodev: programs run from it (no noexec)
    r = pp("run", "--rm", "--tmpfs", "/t", IMG, "sh", "-c",
           "grep ' /t ' /proc/mounts; cp /bin/busybox /t/true && /t/true && echo ran")  # fmt: skip
    assert "noexec" not in r.stdout and "nosuid,nodev" in r.stdout and r.stdout.endswith("ran\n")
    import_busybox(pp, "localhost/vol:1", changes=['CMD ["/bin/sh"]', "VOLUME /data"])
    pp("create", "--name", "src", "-v", "data:/d", "localhost/vol:1", "true")
    r = pp("run", "--rm", "--volumes-from", "src", IMG, "cat", "/d/k")
    assert r.stdout == "kept\n"
    r = pp("run", "--rm", "localhost/vol:1", "sh", "-c", "grep -c ' /data ' /proc/mounts")
    assert r.stdout == "1\n"
    pp("rm", "src")
    assert leftovers(store) == []


def test_restart_on_failure_counts(pypod, busybox):
    pypod("run", "-d", "--name", "rs", "--restart", "on-failure:2", busybox, "sh", "-c", "exit 1")

    def done() -> bool:
        r = pypod("inspect", "--format", "{{.RestartCount}} {{.State.Status}}", "rs", check=False)
        return r.stdout.strip() == "2 exited"

    wait_for(done, timeout=30, what="two restarts")
    pypod("rm", "-f", "rs")


def test_restart_always_then_stop(pypod, busybox):
    pypod("run", "-d", "--name", "ra", "--restart", "always", busybox, "sh", "-c", "sleep 0.2")

    def restarted() -> bool:
        r = pypod("inspect", "--format", "{{.RestartCount}}", "ra", check=False)
        return r.stdout.strip().isdigit() and int(r.stdout) >= 2

    wait_for(restarted, timeout=30, what="restarts")
    pypod("stop", "-t", "0", "ra")
    assert status(pypod, "ra").startswith("Exited")
    pypod("rm", "-f", "ra")


def test_killed_conmon_is_noticed(pypod, busybox):
    cid = pypod("run", "-d", busybox, "sleep", "300").stdout.strip()
    pid = int(pypod("inspect", "--format", "{{.State.Pid}}", cid).stdout)
    conmon = int(pypod("inspect", "--format", "{{.State.ConmonPid}}", cid).stdout)
    os.kill(conmon, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)

    def stopped() -> bool:
        r = pypod("inspect", "--format", "{{.State.Status}}", cid, check=False)
        return r.stdout.strip() in ("stopped", "exited")

    wait_for(stopped, what="a stopped state")
    assert "Exited" in pypod("ps", "-a", "--format", "{{.Status}}").stdout
    pypod("rm", "-f", cid)
