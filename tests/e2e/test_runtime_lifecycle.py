"""ConmonRuntime with runc, as root: create/start, logs, exit files, kill, delete, pause, exec,
typed errors. Each test builds its own bundle under /var/tmp (see runtime_helpers.py)."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pypod.errors import CannotInvoke, CommandNotFound
from pypod.runtime import exits, logs
from pypod.runtime.errors import NotRunning, RuntimeGone
from pypod.runtime.types import ExecOptions
from tests.e2e.runtime_helpers import Sandbox

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs runc as root")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    base = tempfile.mkdtemp(prefix="pypod-rt-", dir="/var/tmp")
    sb = Sandbox(base)
    try:
        yield sb
    finally:
        sb.close()
        import shutil

        shutil.rmtree(base, ignore_errors=True)


def _log_text(path: str) -> list[tuple[str, bytes]]:
    return [(line.stream, line.text) for line in logs.read_logs(path)]


def test_create_start_log_and_exit_code(sandbox: Sandbox) -> None:
    marker = os.path.join(sandbox.base, "exit-command-ran")
    b = sandbox.bundle(["sh", "-c", "echo hello; echo oops >&2; printf tail; exit 3"])
    pid = sandbox.create(b, exit_command=("/bin/sh", "-c", f"echo $0 > {marker}", "cleanup"))
    assert pid > 0
    assert sandbox.runtime.state(b.cid).status == "created"
    assert os.path.exists(os.path.join(b.bundle, "attach"))
    sandbox.runtime.start(b.cid)
    assert sandbox.wait(b) == 3
    assert _log_text(b.log_path) == [("stdout", b"hello"), ("stderr", b"oops"), ("stdout", b"tail")]
    with open(b.log_path, encoding="utf-8") as f:
        first = f.readline().split(" ")
    assert first[1:3] == ["stdout", "F"] and first[0][10] == "T"
    deadline = time.monotonic() + 10
    # the shell creates the file before it writes to it
    while not (os.path.exists(marker) and os.path.getsize(marker)) and time.monotonic() < deadline:
        time.sleep(0.02)
    with open(marker, encoding="ascii") as f:
        assert f.read().strip() == "cleanup"
    with open(os.path.join(b.bundle, "exit"), encoding="ascii") as f:
        assert f.read() == "3"  # --persist-dir copy
    assert sandbox.runtime.state(b.cid).status == "stopped"
    sandbox.runtime.delete(b.cid)
    assert sandbox.runtime.state(b.cid) is None


def test_kill_ps_pause_delete(sandbox: Sandbox) -> None:
    b = sandbox.run(["sleep", "100"])
    st = sandbox.runtime.state(b.cid)
    assert st is not None and st.status == "running" and st.pid > 0
    assert sandbox.runtime.ps(b.cid) == [st.pid]
    sandbox.runtime.pause(b.cid)
    assert sandbox.runtime.state(b.cid).status == "paused"
    sandbox.runtime.resume(b.cid)
    assert sandbox.runtime.state(b.cid).status == "running"
    sandbox.runtime.kill(b.cid, signal.SIGKILL)
    assert sandbox.wait(b) == 137
    with pytest.raises(NotRunning):
        sandbox.runtime.kill(b.cid, signal.SIGKILL)
    sandbox.runtime.delete(b.cid)
    with pytest.raises(RuntimeGone):
        sandbox.runtime.delete(b.cid)


def test_sigterm_reaches_a_trapping_shell(sandbox: Sandbox) -> None:
    b = sandbox.run(["sh", "-c", "trap 'echo got-term; exit 42' TERM; while :; do sleep 0.1; done"])
    time.sleep(0.2)  # let the shell install its trap
    sandbox.runtime.kill(b.cid, signal.SIGTERM)
    assert sandbox.wait(b) == 42
    assert ("stdout", b"got-term") in _log_text(b.log_path)


def test_kill_all_and_delete_force_of_running(sandbox: Sandbox) -> None:
    b = sandbox.run(["sh", "-c", "sleep 100 & sleep 100"])
    sandbox.runtime.kill(b.cid, signal.SIGKILL, all_processes=True)
    assert sandbox.wait(b) == 137
    b2 = sandbox.run(["sleep", "100"])
    sandbox.runtime.delete(b2.cid, force=True)
    assert sandbox.runtime.state(b2.cid) is None
    assert sandbox.wait(b2) == 137


def test_timeout_kills_the_container(sandbox: Sandbox) -> None:
    b = sandbox.run(["sleep", "100"], timeout_s=1)
    start = time.monotonic()
    assert sandbox.wait(b) == -1  # conmon's "timed out" status
    assert time.monotonic() - start < 10


def test_missing_command_is_127_and_leaves_nothing(sandbox: Sandbox) -> None:
    b = sandbox.bundle(["no-such-command"])
    with pytest.raises(CommandNotFound) as info:
        sandbox.create(b)
    assert info.value.exit_code == 127
    assert "executable file not found" in str(info.value)
    assert sandbox.runtime.state(b.cid) is None


def test_not_executable_is_126(sandbox: Sandbox) -> None:
    path = os.path.join(sandbox.rootfs, "bin", "not-exec")
    with open(path, "w", encoding="ascii") as f:
        f.write("#!/bin/sh\n")
    os.chmod(path, 0o644)
    b = sandbox.bundle(["/bin/not-exec"])
    with pytest.raises(CannotInvoke) as info:
        sandbox.create(b)
    assert info.value.exit_code == 126


def test_unknown_container(sandbox: Sandbox) -> None:
    assert sandbox.runtime.state("nope") is None
    for op in (sandbox.runtime.start, sandbox.runtime.pause):
        with pytest.raises(RuntimeGone):
            op("nope")
    with pytest.raises(RuntimeGone):
        sandbox.runtime.kill("nope", 15)


def test_update_resources(sandbox: Sandbox) -> None:
    b = sandbox.run(["sleep", "100"])
    sandbox.runtime.update(b.cid, {"pids": {"limit": 50}})
    sandbox.runtime.kill(b.cid, signal.SIGKILL)
    assert sandbox.wait(b) == 137


def _exec_opts(sandbox: Sandbox, cid: str, args: list[str], **kw: object) -> ExecOptions:
    import json
    import uuid

    session = uuid.uuid4().hex
    sdir = os.path.join(sandbox.base, "exec", session[:12])
    os.makedirs(os.path.join(sdir, "exit"))
    process = dict(sandbox.spec["process"])  # type: ignore[arg-type]
    process.update(args=args, terminal=bool(kw.get("tty", False)))
    spec_path = os.path.join(sdir, "process.json")
    with open(spec_path, "w", encoding="utf-8") as f:
        json.dump(process, f)
    fields: dict[str, object] = {
        "container_id": cid,
        "session_id": session,
        "process_spec_path": spec_path,
        "userdata": sdir,
        "run_dir": sdir,
        "exit_dir": os.path.join(sdir, "exit"),
    }
    fields.update(kw)
    return ExecOptions(**fields)  # type: ignore[arg-type]


def test_exec_detached_and_attached(sandbox: Sandbox) -> None:
    b = sandbox.run(["sleep", "100"])
    opts = _exec_opts(sandbox, b.cid, ["sh", "-c", "echo from-exec > /tmp/out"], detach=True)
    created = sandbox.runtime.exec(opts)
    assert created.pid > 0
    info = exits.wait_exit(opts.exit_dir, b.cid, timeout_s=10)
    assert info is not None and info.code == 0
    with open(os.path.join(sandbox.rootfs, "tmp", "out"), encoding="ascii") as f:
        assert f.read() == "from-exec\n"

    opts = _exec_opts(sandbox, b.cid, ["sh", "-c", "echo out; echo err >&2; exit 5"])
    session = sandbox.runtime.exec_attach(opts)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        assert session.attachment.stream(None, out_w, err_w) == "exited"
        assert session.wait(10) == 5
    finally:
        session.close()
        os.close(out_w)
        os.close(err_w)
    assert os.read(out_r, 100) == b"out\n" and os.read(err_r, 100) == b"err\n"
    os.close(out_r)
    os.close(err_r)

    opts = _exec_opts(sandbox, b.cid, ["no-such-command"])
    with pytest.raises(CommandNotFound):
        sandbox.runtime.exec_attach(opts)
    sandbox.runtime.kill(b.cid, signal.SIGKILL)
    assert sandbox.wait(b) == 137


def test_exec_with_stdin(sandbox: Sandbox) -> None:
    b = sandbox.run(["sleep", "100"])
    opts = _exec_opts(sandbox, b.cid, ["sh", "-c", "tr a-z A-Z; exit 4"], stdin=True)
    session = sandbox.runtime.exec_attach(opts)
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    os.write(in_w, b"shout\n")
    os.close(in_w)
    try:
        assert session.attachment.stream(in_r, out_w, out_w) == "exited"
        assert session.wait(10) == 4
    finally:
        session.close()
        os.close(in_r)
        os.close(out_w)
    assert os.read(out_r, 100) == b"SHOUT\n"
    os.close(out_r)
    sandbox.runtime.kill(b.cid, signal.SIGKILL)


def test_follow_logs_until_exit(sandbox: Sandbox) -> None:
    b = sandbox.run(["sh", "-c", "for i in 1 2 3 4 5; do echo line$i; sleep 0.1; done"])
    done = lambda: exits.read_exit(sandbox.exit_dir, b.cid) is not None  # noqa: E731
    got = [line.text for line in logs.read_logs(b.log_path, follow=True, done=done)]
    assert got == [b"line1", b"line2", b"line3", b"line4", b"line5"]
    assert [x.text for x in logs.read_logs(b.log_path, tail=2)] == [b"line4", b"line5"]


def test_log_size_max_truncates(sandbox: Sandbox) -> None:
    b = sandbox.run(["sh", "-c", "for i in $(seq 1 200); do echo line$i; done"], log_max_size=2000)
    assert sandbox.wait(b) == 0
    assert os.path.getsize(b.log_path) <= 2000
    texts = [x.text for x in logs.read_logs(b.log_path)]
    assert texts and texts[-1] == b"line200"


def test_log_driver_none(sandbox: Sandbox) -> None:
    b = sandbox.run(["echo", "nothing"], log_driver="none")
    assert sandbox.wait(b) == 0
    assert not os.path.exists(b.log_path)


def test_open_runtime_from_engine(tmp_path: Path) -> None:
    from pypod.domain.engine import EngineOptions
    from pypod.errors import PypodError
    from pypod.local.engine import LocalEngine

    opts = EngineOptions(root=str(tmp_path / "root"), runroot=str(tmp_path / "run"))
    rt = LocalEngine(opts).runtime
    assert rt.name == "runc"  # crun cannot run on this hybrid-cgroup host
    assert rt.state_root == str(tmp_path / "run" / "runc")
    assert os.access(rt.conmon_path, os.X_OK) and "runc" in rt.version()
    explicit = LocalEngine(EngineOptions(runroot=str(tmp_path / "run"), runtime="crun")).runtime
    assert explicit.name == "crun" and explicit.state_root.endswith("/crun")
    with pytest.raises(PypodError):
        _ = LocalEngine(EngineOptions(runroot=str(tmp_path), conmon="/nonexistent")).runtime


PASSTHROUGH = r"""
import sys
sys.path.insert(0, sys.argv[1])
from tests.e2e.runtime_helpers import Sandbox
sb = Sandbox(sys.argv[2])
try:
    b = sb.run(["sh", "-c", "echo to-stdout; echo to-stderr >&2"], log_driver="passthrough")
    print("exit", sb.wait(b), file=sys.stderr)
finally:
    sb.close()
"""


def test_log_driver_passthrough_uses_our_stdio(sandbox: Sandbox) -> None:
    import subprocess
    import sys

    from tests.fixtures.pypod_cli import REPO

    base = os.path.join(sandbox.base, "pt")
    r = subprocess.run(
        [sys.executable, "-c", PASSTHROUGH, str(REPO), base],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"to-stdout\n"
    assert r.stderr == b"to-stderr\nexit 0\n"
