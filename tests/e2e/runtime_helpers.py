"""Bundles for the runtime tests: a busybox rootfs and a config.json from `runc spec`.

Sandbox(base) holds everything of one test (bundles, the runtime's --root, exit files) in one
directory; close() force-deletes every container it created and waits for its conmon, so no
process outlives the test. Also importable by a script run inside pypod's rootless namespace
(`pypod unshare python -m tests.e2e.runtime_helpers ...` is not needed: scripts import it).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass

from pypod.runtime import exits
from pypod.runtime.conmon import ConmonRuntime
from pypod.runtime.types import CreateOptions

BUSYBOX = "/bin/busybox"
APPLETS = ("sh", "true", "false", "sleep", "echo", "cat", "ls", "id", "env", "stty", "printf",
           "kill", "ps", "tr", "head", "yes", "dd", "wc")  # fmt: skip


def runtime_paths() -> tuple[str, str]:
    runc = shutil.which("runc") or "/usr/sbin/runc"
    conmon = shutil.which("conmon") or "/usr/bin/conmon"
    return runc, conmon


def host_nofile_hard() -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


@dataclass(frozen=True, slots=True)
class Bundle:
    cid: str
    bundle: str  # also the userdata dir: config.json, pidfile, attach, ctl, ctr.log

    @property
    def log_path(self) -> str:
        return os.path.join(self.bundle, "ctr.log")


class Sandbox:
    def __init__(self, base: str, *, rootless: bool = False) -> None:
        self.base = base
        self.rootless = rootless
        self.exit_dir = os.path.join(base, "exits")
        os.makedirs(self.exit_dir, exist_ok=True)
        self.rootfs = os.path.join(base, "rootfs")
        _make_rootfs(self.rootfs)
        self.spec = _base_spec(self.rootfs, rootless=rootless)
        runc, conmon = runtime_paths()
        self.runtime = ConmonRuntime(
            name="runc", path=runc, conmon_path=conmon, state_root=os.path.join(base, "runc")
        )
        self.created: list[Bundle] = []

    def bundle(self, args: list[str], *, tty: bool = False, env: list[str] | None = None) -> Bundle:
        cid = uuid.uuid4().hex + uuid.uuid4().hex
        path = os.path.join(self.base, "ctr", cid[:12])
        os.makedirs(path)
        spec = json.loads(json.dumps(self.spec))
        spec["process"]["args"] = args
        spec["process"]["terminal"] = tty
        if env:
            spec["process"]["env"] += env
        with open(os.path.join(path, "config.json"), "w", encoding="utf-8") as f:
            json.dump(spec, f)
        return Bundle(cid=cid, bundle=path)

    def options(self, b: Bundle, **overrides: object) -> CreateOptions:
        fields: dict[str, object] = {
            "container_id": b.cid,
            "name": b.cid[:12],
            "bundle": b.bundle,
            "userdata": b.bundle,
            "run_dir": b.bundle,
            "exit_dir": self.exit_dir,
            "log_path": b.log_path,
        }
        fields.update(overrides)
        return CreateOptions(**fields)  # type: ignore[arg-type]

    def create(self, b: Bundle, **overrides: object) -> int:
        self.created.append(b)
        return self.runtime.create(self.options(b, **overrides)).pid

    def run(self, args: list[str], **overrides: object) -> Bundle:
        b = self.bundle(args)
        self.create(b, **overrides)
        self.runtime.start(b.cid)
        return b

    def wait(self, b: Bundle, timeout_s: float = 20) -> int:
        info = exits.wait_exit(self.exit_dir, b.cid, timeout_s=timeout_s)
        assert info is not None, f"container {b.cid} did not exit in {timeout_s}s"
        return info.code

    def close(self) -> None:
        for b in self.created:
            with contextlib.suppress(Exception):
                self.runtime.delete(b.cid, force=True)
            conmon = exits.read_pidfile(os.path.join(b.bundle, "conmon.pid"))
            deadline = time.monotonic() + 10
            while conmon and exits.pid_alive(conmon) and time.monotonic() < deadline:
                time.sleep(0.01)


def _make_rootfs(rootfs: str) -> None:
    for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "root"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy2(BUSYBOX, os.path.join(rootfs, "bin", "busybox"))
    for applet in APPLETS:
        os.symlink("busybox", os.path.join(rootfs, "bin", applet))
    with open(os.path.join(rootfs, "etc", "passwd"), "w", encoding="ascii") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")


def _base_spec(rootfs: str, *, rootless: bool) -> dict[str, object]:
    runc, _ = runtime_paths()
    tmp = os.path.dirname(rootfs)
    args = [runc, "spec", "--bundle", tmp] + (["--rootless"] if rootless else [])
    spec_path = os.path.join(tmp, "config.json")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(spec_path)
    subprocess.run(args, check=True, capture_output=True)
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    os.unlink(spec_path)
    spec["root"] = {"path": rootfs, "readonly": False}
    hard = host_nofile_hard()
    spec["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": min(hard, 1024),
                                   "soft": min(hard, 1024)}]  # fmt: skip
    linux = spec["linux"]
    if rootless:
        # run in pypod's namespace itself, as Podman's rootless containers do
        linux.pop("uidMappings", None)
        linux.pop("gidMappings", None)
        linux["namespaces"] = [ns for ns in linux["namespaces"] if ns["type"] != "user"]
    return spec
