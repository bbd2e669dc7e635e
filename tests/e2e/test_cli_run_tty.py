"""Interactive sessions through a pseudo-terminal, and --sig-proxy, as root and rootless."""

from __future__ import annotations

import signal
import subprocess
import time

from cli_run_helpers import PtySession, engine, pty_argv, status, wait_for  # noqa: F401

IMG = "localhost/busybox:latest"


def test_tty_shell_resize_detach_attach_exit(engine):  # noqa: F811
    pp, _ = engine
    argv, env = pty_argv(pp, ("run", "-it", "--name", "tty1", IMG, "sh"))
    s = PtySession(argv, env, rows=24, cols=80)
    try:
        s.expect(b"# ")
        s.send(b"echo hi$((1+1))\r")
        s.expect(b"hi2")
        s.send(b"stty size\r")
        s.expect(b"24 80")
        s.set_size(30, 100)
        s.send(b"stty size\r")
        s.expect(b"30 100")
        s.send(b"\x10\x11")  # ctrl-p ctrl-q: detach, the container keeps running
        assert s.wait() == 0
    finally:
        s.close()
    assert status(pp, "tty1").startswith("Up")
    argv, env = pty_argv(pp, ("attach", "tty1"))
    s = PtySession(argv, env)
    try:
        s.send(b"\r")
        s.expect(b"# ")
        s.send(b"exit 3\r")
        assert s.wait() == 3
    finally:
        s.close()
    wait_for(lambda: status(pp, "tty1").startswith("Exited (3)"), what="exited")
    pp("rm", "tty1")


def test_run_it_exit_code_and_rm(engine):  # noqa: F811
    pp, _ = engine
    argv, env = pty_argv(pp, ("run", "-it", "--rm", IMG, "sh"))
    s = PtySession(argv, env)
    try:
        s.expect(b"# ")
        s.send(b"exit 5\r")
        assert s.wait() == 5
    finally:
        s.close()
    assert pp("ps", "-aq").stdout == ""


def test_sig_proxy_forwards_sigterm(engine):  # noqa: F811
    pp, _ = engine
    script = 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
    argv, env = pty_argv(pp, ("run", "--rm", IMG, "sh", "-c", script))
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"
        target = proc.pid
        if argv[0] == "runuser":  # signal pypod itself (runuser's child), not runuser
            target = int(subprocess.check_output(["pgrep", "-P", str(proc.pid)]).split()[0])
        time.sleep(0.2)
        import os

        os.kill(target, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert out == b"got-term\n", err
        assert proc.returncode == 7
    finally:
        if proc.poll() is None:
            proc.kill()
