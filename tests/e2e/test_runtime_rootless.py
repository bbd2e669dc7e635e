"""ConmonRuntime as the unprivileged test user, inside pypod's user namespace.

A script run through `pypod unshare` builds a bundle (no user namespace of its own: the container
shares pypod's, as Podman's rootless containers do), then drives runc through conmon with a
--root under the user's store: create, start, logs, exit code, kill, exec, attach. It prints
what it saw as JSON; the checks run here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.pypod_cli import REPO, pypod_binary
from tests.fixtures.users import RootlessPypod

pytestmark = pytest.mark.rootless

PYTHON = str(Path(pypod_binary()).parent / "python")

SCRIPT = r"""
import json, os, signal, sys
sys.path.insert(0, sys.argv[1])
from pypod.errors import CommandNotFound
from pypod.runtime import exits, logs
from pypod.runtime.attach import Attach
from tests.e2e.runtime_helpers import Sandbox
from tests.e2e.test_runtime_lifecycle import _exec_opts

sb = Sandbox(sys.argv[2], rootless=True)
out = {}
try:
    b = sb.run(["sh", "-c", "id -u; echo err >&2; exit 3"])
    out["exit"] = sb.wait(b)
    out["log"] = [[x.stream, x.text.decode()] for x in logs.read_logs(b.log_path)]

    b = sb.run(["sleep", "100"])
    st = sb.runtime.state(b.cid)
    out["state"] = st.status
    out["ps_has_init"] = st.pid in sb.runtime.ps(b.cid)
    opts = _exec_opts(sb, b.cid, ["sh", "-c", "echo exec-out; exit 6"])
    session = sb.runtime.exec_attach(opts)
    r, w = os.pipe()
    out["exec_stream"] = session.attachment.stream(None, w, w)
    out["exec_exit"] = session.wait(10)
    session.close()
    os.close(w)
    out["exec_out"] = os.read(r, 100).decode()
    try:
        sb.runtime.exec_attach(_exec_opts(sb, b.cid, ["nope"]))
    except CommandNotFound as exc:
        out["exec_missing"] = exc.exit_code
    sb.runtime.kill(b.cid, signal.SIGKILL)
    out["killed"] = sb.wait(b)

    b = sb.bundle(["sh", "-c", "cat; echo bye"])
    sb.create(b, stdin=True)
    a = Attach.connect(b.bundle)
    sb.runtime.start(b.cid)
    i_r, i_w = os.pipe()
    o_r, o_w = os.pipe()
    os.write(i_w, b"piped\n")
    os.close(i_w)
    out["attach"] = a.stream(i_r, o_w, o_w)
    a.close()
    os.close(o_w)
    out["attach_out"] = os.read(o_r, 100).decode()
    out["attach_exit"] = sb.wait(b)
finally:
    sb.close()
print(json.dumps(out))
"""


def test_runtime_rootless(pypod_rootless: RootlessPypod) -> None:
    base = pypod_rootless.dirs.base + "/rt"
    r = pypod_rootless("unshare", PYTHON, "-c", SCRIPT, str(REPO), base, check=False)
    assert r.rc == 0, str(r)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["exit"] == 3
    assert out["log"] == [["stdout", "0"], ["stderr", "err"]]
    assert out["state"] == "running" and out["ps_has_init"]
    assert out["exec_stream"] == "exited" and out["exec_exit"] == 6
    assert out["exec_out"] == "exec-out\n"
    assert out["exec_missing"] == 127
    assert out["killed"] == 137
    assert out["attach"] == "exited" and out["attach_out"] == "piped\nbye\n"
    assert out["attach_exit"] == 0
