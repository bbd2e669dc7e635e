"""pypod run / create / start / init: the lifecycle core, as root and as the test user."""

from __future__ import annotations

import os

import pytest
from cli_run_helpers import engine, leftovers, status  # noqa: F401 - fixtures

IMG = "localhost/busybox:latest"


def test_run_output_and_exit_code(engine):  # noqa: F811
    pp, store = engine
    r = pp("run", "--rm", IMG, "sh", "-c", "echo out; echo err >&2; exit 3", check=False)
    assert (r.rc, r.stdout, r.stderr) == (3, "out\n", "err\n")
    assert pp("ps", "-aq").stdout == ""
    assert leftovers(store) == []


def test_run_errors_map_to_exit_codes(engine):  # noqa: F811
    pp, store = engine
    r = pp("run", "--rm", IMG, "no-such-binary", check=False)
    assert r.rc == 127, r
    assert "executable file not found" in r.stderr
    r = pp("run", "--rm", IMG, "/etc/passwd", check=False)
    assert r.rc == 126, r
    r = pp("run", "--rm", "--network", "no-such-net", IMG, "true", check=False)
    assert r.rc == 125 and "network not found" in r.stderr
    r = pp("run", "--rm", "--no-such-flag", IMG, check=False)
    assert r.rc == 125 and r.stderr.startswith("Error: unknown flag: --no-such-flag")
    r = pp("run", "--rm", "--pull", "never", "localhost/nothere", "true", check=False)
    assert r.rc == 125 and "image not known" in r.stderr
    assert pp("ps", "-aq").stdout == ""
    assert leftovers(store) == []


def test_run_detached_prints_id(engine):  # noqa: F811
    pp, _ = engine
    r = pp("run", "-d", "--name", "sleeper", IMG, "sleep", "100")
    cid = r.stdout.strip()
    assert len(cid) == 64 and r.stderr == ""
    assert status(pp, "sleeper").startswith("Up")
    assert pp("ps", "-q", "--no-trunc").stdout == cid + "\n"
    pp("rm", "-f", "-t", "0", "sleeper")


def test_run_defaults_and_flags(pypod, busybox):
    script = "echo $FOO; pwd; hostname; id -u; cat /etc/hostname; echo; umask; echo $container"
    r = pypod("run", "--rm", "-e", "FOO=bar", "-w", "/tmp", "--hostname", "box", "-u", "1000",
              busybox, "sh", "-c", script)  # fmt: skip
    assert r.stdout.splitlines() == ["bar", "/tmp", "box", "1000", "box", "0022", "podman"]
    r = pypod("run", "--rm", busybox, "sh", "-c", "hostname; ulimit -Hn")
    name, nofile = r.stdout.split()
    assert len(name) == 12 and int(nofile) <= 1048576
    r = pypod("run", "--rm", "--entrypoint", "echo", busybox, "a", "b")
    assert r.stdout == "a b\n"
    r = pypod(
        "run",
        "--rm",
        "--read-only",
        busybox,
        "sh",
        "-c",
        "touch /x || echo ro; touch /tmp/y && echo tmp",
    )
    assert r.stdout == "ro\ntmp\n"


def test_create_start_attach_init(pypod, busybox, store):
    r = pypod("create", "--name", "c1", busybox, "sh", "-c", "echo hello; exit 4")
    cid = r.stdout.strip()
    assert len(cid) == 64
    assert status(pypod, "c1") == "Created"
    r = pypod("start", "-a", "c1", check=False)
    assert (r.rc, r.stdout) == (4, "hello\n")
    r = pypod("start", "c1")  # restart of an exited container; prints the name given
    assert r.stdout == "c1\n"
    pypod("create", "--name", "c2", busybox, "true")
    assert (
        pypod("init", "c2").stdout.strip()
        == pypod("ps", "-aq", "--no-trunc", "--filter", "name=c2").stdout.strip()
    )
    r = pypod("start", "nope", check=False)
    assert r.rc == 125 and "no such container" in r.stderr
    pypod("rm", "-f", "c1", "c2")
    assert leftovers(store) == []


def test_failed_create_leaves_nothing(pypod, busybox, store):
    pypod("create", "--name", "taken", busybox, "true")
    before = leftovers(store)
    r = pypod("create", "--name", "taken", busybox, "true", check=False)
    assert r.rc == 125 and "already in use" in r.stderr
    r = pypod("create", "-v", "/no/such/dir:/x", busybox, "true", check=False)
    assert r.rc == 125 and "no such file or directory" in r.stderr
    r = pypod("create", "--ulimit", "nofile=99999999:99999999", busybox, "true", check=False)
    assert r.rc == 125
    r = pypod("create", "--restart", "sometimes", busybox, "true", check=False)
    assert r.rc == 125 and "restart policy" in r.stderr
    assert leftovers(store) == before
    assert pypod("ps", "-a", "--format", "{{.Names}}").stdout == "taken\n"
    r = pypod("create", "--replace", "--name", "taken", busybox, "echo", "new")
    assert pypod("ps", "-aq", "--no-trunc").stdout == r.stdout
    pypod("rm", "taken")


def test_cidfile(pypod, busybox, store):
    path = os.path.join(store.base, "cid")
    cid = pypod("create", "--cidfile", path, busybox, "true").stdout.strip()
    with open(path) as f:
        assert f.read() == cid
    r = pypod("create", "--cidfile", path, busybox, "true", check=False)
    assert r.rc == 125 and "container id file exists" in r.stderr
    assert pypod("ps", "-aq").stdout.count("\n") == 1
    pypod("rm", cid)


@pytest.mark.parametrize("n", [20])
def test_parallel_run_detached(pypod, busybox, n):
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        results = list(
            pool.map(lambda _: pypod("run", "-d", busybox, "sleep", "60", check=False), range(n))
        )
    try:
        assert [r.rc for r in results] == [0] * n, [str(r) for r in results if r.rc]
        ids = {r.stdout.strip() for r in results}
        assert len(ids) == n
        names = pypod("ps", "--format", "{{.Names}}").stdout.split()
        assert len(set(names)) == n
    finally:
        pypod("rm", "-a", "-f", "-t", "0", check=False)
