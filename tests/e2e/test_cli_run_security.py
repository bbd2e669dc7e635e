"""Flags of run/create that pass through specgen, checked end to end inside real containers:
init, devices, privileges, capabilities, security options, read-only, tmpfs, limits, users,
identity, environment, stop behaviour, log drivers, mounts and volumes."""

from __future__ import annotations

import os

from tests.e2e.cli_run_helpers import engine, wait_for  # noqa: F401 - fixture
from tests.fixtures.pypod_cli import Pypod, StoreDirs

IMG = "localhost/busybox:latest"


def _run(pp: Pypod, *args: str) -> str:
    return pp("run", "--rm", *args).stdout


def _cap_eff(text: str) -> int:
    line = next(ln for ln in text.splitlines() if ln.startswith("CapEff:"))
    return int(line.split()[1], 16)


CAP_NET_ADMIN, CAP_CHOWN, CAP_SYS_ADMIN = 12, 0, 21


def test_init_is_pid1_and_reaps(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    out = _run(pp, "--init", IMG, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '")
    assert "catatonit" in out or "init" in out.split()[0], out
    # an orphaned child is reaped by pid 1 (no zombie remains)
    script = "sh -c 'sleep 0.1 &' ; sleep 0.5; ps -o stat= | grep -c Z || true"
    assert _run(pp, "--init", IMG, "sh", "-c", script).strip() == "0"


def test_device_privileged_and_caps(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    assert _run(pp, "--device", "/dev/null:/dev/xnull", IMG, "sh", "-c",
                "echo hi > /dev/xnull && test -c /dev/xnull && echo ok") == "ok\n"  # fmt: skip
    default = _cap_eff(_run(pp, IMG, "cat", "/proc/self/status"))
    assert not default & (1 << CAP_NET_ADMIN) and default & (1 << CAP_CHOWN)
    added = _cap_eff(_run(pp, "--cap-add", "net_admin", "--cap-drop", "CAP_CHOWN", IMG,
                          "cat", "/proc/self/status"))  # fmt: skip
    assert added & (1 << CAP_NET_ADMIN) and not added & (1 << CAP_CHOWN)
    assert _cap_eff(_run(pp, "--cap-drop", "all", IMG, "cat", "/proc/self/status")) == 0
    priv = _run(
        pp,
        "--privileged",
        IMG,
        "sh",
        "-c",
        "mount -t tmpfs none /tmp && echo mounted; grep CapEff /proc/self/status",
    )
    assert priv.startswith("mounted\n") and _cap_eff(priv) & (1 << CAP_SYS_ADMIN)
    r = pp("run", "--rm", IMG, "mount", "-t", "tmpfs", "none", "/tmp", check=False)
    assert r.rc != 0


def test_security_opts(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    out = _run(pp, "--security-opt", "no-new-privileges", IMG, "grep", "NoNewPrivs",
               "/proc/self/status")  # fmt: skip
    assert out.split()[1] == "1"
    seccomp = "grep Seccomp: /proc/self/status"
    assert _run(pp, IMG, "sh", "-c", seccomp).split()[1] == "2"
    out = _run(pp, "--security-opt", "seccomp=unconfined", IMG, "sh", "-c", seccomp)
    assert out.split()[1] == "0"
    out = _run(pp, "--security-opt", "mask=/etc/hostname", IMG, "sh", "-c",
               "cat /etc/hostname | wc -c")  # fmt: skip
    assert out.strip() == "0"
    # /proc/keys is masked (/dev/null over it) by default and visible with unmask=ALL
    masked = "test -c /proc/keys && echo chr || echo file"
    assert _run(pp, IMG, "sh", "-c", masked) == "chr\n"
    assert _run(pp, "--security-opt", "unmask=ALL", IMG, "sh", "-c", masked) == "file\n"


def test_read_only_tmpfs_shm(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    r = pp("run", "--rm", "--read-only", IMG, "touch", "/x", check=False)
    assert r.rc != 0 and "Read-only file system" in r.stderr
    assert _run(pp, "--read-only", IMG, "sh", "-c", "touch /tmp/x /run/y && echo ok") == "ok\n"
    r = pp("run", "--rm", "--read-only", "--read-only-tmpfs=false", IMG, "touch", "/tmp/x",
           check=False)  # fmt: skip
    assert r.rc != 0
    out = _run(pp, "--tmpfs", "/scratch:rw,size=1m,mode=1777", IMG, "sh", "-c",
               "grep ' /scratch ' /proc/mounts; stat -c %a /scratch")  # fmt: skip
    assert "tmpfs" in out and "size=1024k" in out and out.endswith("1777\n")
    out = _run(pp, "--shm-size", "2m", IMG, "sh", "-c", "grep ' /dev/shm ' /proc/mounts")
    assert "size=2048k" in out


def test_ulimit_sysctl_user_hostname(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    assert _run(pp, "--ulimit", "nofile=100:100", IMG, "sh", "-c", "ulimit -n") == "100\n"
    out = _run(pp, "--sysctl", "kernel.msgmax=4096", IMG, "cat", "/proc/sys/kernel/msgmax")
    assert out == "4096\n"
    assert _run(pp, "--user", "1000:1000", "--group-add", "10", IMG, "id") == (
        "uid=1000(user) gid=1000(user) groups=10(wheel),1000(user)\n"
    )
    assert _run(pp, "--hostname", "box", IMG, "hostname") == "box\n"


def test_env_file_workdir_passwd_tz(engine: tuple[Pypod, StoreDirs], tmp_path) -> None:  # noqa: F811
    pp, store = engine
    env_file = os.path.join(store.base, "vars.env")
    with open(env_file, "w", encoding="utf-8") as f:
        f.write("# comment\nA=1\nB=two words\n")
    os.chmod(env_file, 0o644)
    out = _run(pp, "--env-file", env_file, "--workdir", "/new/dir", IMG, "sh", "-c",
               'echo "$A|$B"; pwd')  # fmt: skip
    assert out == "1|two words\n/new/dir\n"
    out = _run(pp, "--user", "4242", "--passwd-entry", "$USERNAME:x:$UID:0::$HOME:/bin/sh",
               IMG, "sh", "-c", "grep 4242 /etc/passwd; whoami")  # fmt: skip
    assert ":4242:" in out
    out = _run(pp, "--tz", "UTC", IMG, "sh", "-c", "readlink /etc/localtime; date +%Z")
    assert out.splitlines()[-1] == "UTC"


def test_timeout_and_stop_signal(pypod: Pypod, busybox: str) -> None:
    r = pypod("run", "--rm", "--timeout", "1", busybox, "sleep", "30", check=False, timeout=20)
    assert r.rc in (137, 143, 255), r
    pypod("run", "-d", "--name", "sig", "--stop-signal", "USR1", busybox, "sh", "-c",
          "trap 'echo got usr1; exit 7' USR1; while true; do sleep 0.1; done")  # fmt: skip
    assert pypod("inspect", "--format", "{{.Config.StopSignal}}", "sig").stdout.strip() in (
        "10",
        "SIGUSR1",
    )
    pypod("stop", "sig")
    assert pypod("inspect", "--format", "{{.State.ExitCode}}", "sig").stdout.strip() == "7"
    assert "got usr1" in pypod("logs", "sig").stdout
    pypod("rm", "sig")


def test_log_drivers(pypod: Pypod, busybox: str) -> None:
    pypod("run", "--name", "j", "--log-driver", "json-file", "--log-opt", "max-size=10k",
          busybox, "sh", "-c", "echo one; echo two")  # fmt: skip
    assert pypod("logs", "j").stdout == "one\ntwo\n"
    assert pypod("inspect", "--format", "{{.HostConfig.LogConfig.Type}}", "j").stdout == (
        "json-file\n"
    )
    pypod("run", "--name", "n", "--log-driver", "none", busybox, "echo", "gone")
    r = pypod("logs", "n", check=False)
    assert "gone" not in r.stdout
    pypod("run", "--name", "big", "--log-opt", "max-size=1k", busybox, "sh", "-c",
          "i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done")  # fmt: skip
    path = pypod("inspect", "--format", "{{.HostConfig.LogConfig.Path}}", "big").stdout.strip()
    assert os.path.getsize(path) <= 4096
    pypod("rm", "j", "n", "big")


def test_mounts_and_volumes(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    out = _run(pp, "--mount", "type=tmpfs,destination=/t,tmpfs-size=1m", IMG, "sh", "-c",
               "grep ' /t ' /proc/mounts")  # fmt: skip
    assert "tmpfs" in out and "size=1024k" in out
    script = "test -x /img/bin/busybox && echo image; touch /img/x 2>/dev/null || echo ro"
    out = _run(pp, "--mount", f"type=image,source={IMG},destination=/img", IMG, "sh", "-c", script)
    assert out == "image\nro\n"
    out = _run(pp, "--mount", "type=devpts,destination=/dev/pts2", IMG, "sh", "-c",
               "grep ' /dev/pts2 ' /proc/mounts")  # fmt: skip
    assert "devpts" in out
    # copy-up: a new named volume is filled from the image path
    assert _run(pp, "-v", "etcvol:/etc", IMG, "cat", "/etc/group").startswith("root:x:0:")
    assert "wheel" in _run(pp, "-v", "etcvol:/x", IMG, "cat", "/x/group")
    pp("create", "--name", "src", "-v", "shared:/shared", IMG, "true")
    pp("run", "--rm", "--volumes-from", "src", IMG, "sh", "-c", "echo hi > /shared/f")
    assert _run(pp, "--volumes-from", "src:ro", IMG, "cat", "/shared/f") == "hi\n"
    r = pp("run", "--rm", "--volumes-from", "src:ro", IMG, "touch", "/shared/g", check=False)
    assert r.rc != 0
    pp("rm", "src")
