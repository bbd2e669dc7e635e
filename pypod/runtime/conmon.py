"""ConmonRuntime: runc or crun driven through conmon, as libpod drives them.

create() starts conmon, which forks itself away (nothing of pypod stays running), sets up the
attach socket and the ctl/winsz fifos in the bundle dir, runs `<runtime> create` and reports the
container's pid on the sync pipe. Two pipes are handed over by number in the environment:
_OCI_STARTPIPE (conmon blocks until we write to it) and _OCI_SYNCPIPE (JSON lines
`{"data": N, "message": "..."}`: N is the pid, or -1 with the runtime's error). The other
lifecycle verbs are plain runtime CLI calls with a private `--root` under pypod's run root, so
stores never see each other's containers. Errors become typed ones in errors.translate().

Exec sessions use `conmon --exec`: the same pipes, plus _OCI_ATTACHPIPE when the caller attaches
(conmon says when the session's attach socket listens; we connect, then release the start pipe a
second time so the runtime runs only once nobody can miss output).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
from typing import TYPE_CHECKING, Any

from pypod.errors import PypodError
from pypod.host import processes
from pypod.log import DEBUG, INFO, WARNING, get_logger, level
from pypod.records import record
from pypod.runtime import exits
from pypod.runtime.errors import RuntimeFailed, RuntimeGone, translate
from pypod.runtime.types import Created, CreateOptions, ExecOptions, RuntimeState

if TYPE_CHECKING:
    from pypod.runtime.attach import Attach

log = get_logger(__name__)

SYNC_TIMEOUT_S = 240.0  # libpod's create timeout: a runtime that hangs longer is broken
_PASSED_ENV = ("LANG", "HOME", "XDG_RUNTIME_DIR", "CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF",
               "CONTAINERS_REGISTRIES_CONF", "REGISTRY_AUTH_FILE", "TZ")  # fmt: skip
_ROOTLESS_ENV = ("_PYPOD_ROOTLESS_UID", "_PYPOD_ROOTLESS_GID")


@record
class _Conmon:
    proc: Any  # subprocess.Popen of conmon's first process (it exits once it has forked)
    sync_r: int
    start_w: int
    attach_r: int = -1

    def close(self) -> None:
        for fd in (self.sync_r, self.start_w, self.attach_r):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)


class ConmonRuntime:
    """The Runtime protocol (runtime/types.py) for runc and crun."""

    def __init__(
        self,
        *,
        name: str,
        path: str,
        conmon_path: str,
        state_root: str,
        log_level: str = "warning",
        env_path: str = "",
        extra_runtime_args: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.path = path
        self.conmon_path = conmon_path
        self.state_root = state_root  # the runtime's --root: its state dir for this store
        self.log_level = log_level
        self.env_path = env_path or os.environ.get("PATH", "") or "/usr/sbin:/usr/bin:/sbin:/bin"
        self.extra_runtime_args = extra_runtime_args

    # --- runtime CLI -----------------------------------------------------------------------
    def _global_args(self) -> list[str]:
        return ["--root", self.state_root, *self.extra_runtime_args]

    def _run(self, args: list[str], cid: str, *, input: bytes | None = None) -> bytes:
        argv = [self.path, *self._global_args(), *args]
        proc = processes.run(argv, env=self._env(), input=input, check=False, timeout=120)
        if proc.returncode != 0:
            raise translate(self.name, proc.stderr.decode(errors="replace"), container_id=cid)
        return proc.stdout

    def version(self) -> str:
        from pypod.runtime.select import version_text

        return version_text(self.path)

    def start(self, container_id: str) -> None:
        self._run(["start", container_id], container_id)

    def state(self, container_id: str) -> RuntimeState | None:
        try:
            out = self._run(["state", container_id], container_id)
        except RuntimeGone:
            return None
        data = json.loads(out)
        return RuntimeState(status=str(data.get("status", "")), pid=int(data.get("pid") or 0))

    def kill(self, container_id: str, signal: int, all_processes: bool = False) -> None:
        if all_processes:
            try:
                self._run(["kill", "--all", container_id, str(int(signal))], container_id)
                return
            except RuntimeFailed:
                # --all walks the container's cgroup; rootless on cgroup v1 has none ("lstat :
                # no such file"). The container has its own pid namespace, so signalling its
                # init is what reaches every process there when the signal is SIGKILL.
                log.debug("kill --all failed for %s; signalling its init only", container_id)
        self._run(["kill", container_id, str(int(signal))], container_id)

    def delete(self, container_id: str, force: bool = False) -> None:
        self._run(["delete", *(["--force"] if force else []), container_id], container_id)

    def pause(self, container_id: str) -> None:
        self._run(["pause", container_id], container_id)

    def resume(self, container_id: str) -> None:
        self._run(["resume", container_id], container_id)

    def update(self, container_id: str, resources: dict[str, object]) -> None:
        data = json.dumps(resources).encode()
        self._run(["update", "--resources", "-", container_id], container_id, input=data)

    def ps(self, container_id: str) -> list[int]:
        try:
            out = self._run(["ps", "--format", "json", container_id], container_id)
        except RuntimeGone:
            raise
        except RuntimeFailed:
            # rootless on cgroup v1 has no cgroup to list: the init's pid namespace tells
            st = self.state(container_id)
            return _pids_in_pid_namespace(st.pid) if st and st.pid else []
        return [int(p) for p in (json.loads(out or b"[]") or [])]

    # --- conmon ----------------------------------------------------------------------------
    def _env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """A minimal explicit environment; the exit command needs the config and rootless
        markers to find the same store and re-join the namespace."""
        env = {"PATH": self.env_path}
        for key, value in os.environ.items():
            if key in _PASSED_ENV or key in _ROOTLESS_ENV or key.startswith("LC_"):
                env[key] = value
        env.update(extra or {})
        return env

    def _shared_args(self, cid: str, uuid: str, bundle: str, pidfile: str, exit_dir: str,
                     persist_dir: str, oci_log: str) -> list[str]:  # fmt: skip
        args = [
            self.conmon_path, "--api-version", "1", "-c", cid, "-u", uuid, "-r", self.path,
            "-b", bundle, "-p", pidfile, "--exit-dir", exit_dir, "--full-attach",
            "--log-level", self.log_level,
            "--runtime-arg", "--log-format=json", "--runtime-arg", "--log",
            f"--runtime-arg={oci_log}",
        ]  # fmt: skip
        if persist_dir:
            args += ["--persist-dir", persist_dir]
        for arg in self._global_args():
            args += ["--runtime-arg", arg]
        return args

    def _spawn(self, argv: list[str], *, passthrough: bool = False, attach: bool = False,
               extra_env: dict[str, str] | None = None) -> _Conmon:  # fmt: skip
        sync_r, sync_w = os.pipe()
        start_r, start_w = os.pipe()
        attach_r, attach_w = os.pipe() if attach else (-1, -1)
        fds = [sync_w, start_r] + ([attach_w] if attach else [])
        env = {"_OCI_SYNCPIPE": str(sync_w), "_OCI_STARTPIPE": str(start_r)}
        if attach:
            env["_OCI_ATTACHPIPE"] = str(attach_w)
        try:
            proc = processes.spawn(
                argv,
                env=self._env({**(extra_env or {}), **env}),
                pass_fds=fds,
                inherit_stdio=passthrough,
                capture_stderr=True,
            )
        except BaseException:
            for fd in (sync_r, start_w, attach_r, *fds):
                if fd >= 0:
                    os.close(fd)
            raise
        for fd in fds:  # conmon has them now: EOF on our ends means conmon is gone
            os.close(fd)
        return _Conmon(proc=proc, sync_r=sync_r, start_w=start_w, attach_r=attach_r)

    def _finish_fork(self, conmon: _Conmon) -> str:
        """Reap conmon's first process (it exits after forking the monitor); its stderr."""
        conmon.proc.wait()
        err = b""
        if conmon.proc.stderr is not None:
            if conmon.proc.returncode != 0:
                err = conmon.proc.stderr.read() or b""
            conmon.proc.stderr.close()
        return err.decode(errors="replace")

    def create(self, opts: CreateOptions) -> Created:
        oci_log = os.path.join(opts.userdata, "oci-log")
        pidfile = os.path.join(opts.userdata, "pidfile")
        conmon_pidfile = opts.conmon_pidfile or os.path.join(opts.userdata, "conmon.pid")
        for stale in (oci_log, pidfile):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(stale)
        exits.remove_exit(opts.exit_dir, opts.container_id, opts.userdata)
        argv = self._shared_args(opts.container_id, opts.container_id, opts.bundle, pidfile,
                                 opts.exit_dir, opts.userdata, oci_log)  # fmt: skip
        argv += ["-n", opts.name, "--conmon-pidfile", conmon_pidfile, "--socket-dir-path",
                 opts.run_dir, *_log_args(opts)]  # fmt: skip
        argv += _stdio_args(opts.tty, opts.stdin)
        if opts.timeout_s > 0:
            argv += ["--timeout", str(opts.timeout_s)]
        if opts.no_pivot:
            argv.append("--no-pivot")
        if opts.exit_command:
            argv += ["--exit-command", opts.exit_command[0]]
            for arg in opts.exit_command[1:]:
                argv += ["--exit-command-arg", arg]
        passthrough = opts.log_driver == "passthrough" or opts.passthrough_fds
        conmon = self._spawn(argv, passthrough=passthrough, extra_env=dict(opts.extra_env))
        msg, early = self._go_and_sync(conmon)
        pid = _sync_data(msg)
        if pid is None or pid <= 0:
            self._raise_create_failure(opts.container_id, msg, early, oci_log)
        return Created(pid=int(pid or 0), conmon_pid=exits.read_pidfile(conmon_pidfile))

    def _go_and_sync(self, conmon: _Conmon) -> tuple[dict[str, Any] | None, str]:
        """Let conmon run the runtime and read its answer: (sync message, early output)."""
        try:
            os.write(conmon.start_w, b"0")
            early = self._finish_fork(conmon)
            return _read_sync(conmon.sync_r), early
        finally:
            conmon.close()

    def _raise_create_failure(self, cid: str, msg: dict[str, Any] | None, early: str,
                              oci_log: str) -> None:  # fmt: skip
        err = self._failure(cid, msg, early, oci_log)
        # a half-created runtime container would block the next create with the same id
        with contextlib.suppress(PypodError):
            self.delete(cid, force=True)
        raise err

    def _failure(self, cid: str, msg: dict[str, Any] | None, early: str,
                 oci_log: str) -> PypodError:  # fmt: skip
        """The runtime's own words: its --log file first, then conmon's message."""
        text = ""
        try:
            with open(oci_log, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            pass
        if not text.strip():
            text = str((msg or {}).get("message") or early or "conmon failed")
        return translate(self.name, text, container_id=cid, creating=True)

    # --- exec ------------------------------------------------------------------------------
    def _exec_argv(self, opts: ExecOptions, *, attach: bool) -> tuple[list[str], str]:
        session_dir = os.path.dirname(opts.process_spec_path)
        oci_log = os.path.join(session_dir, "oci-log")
        pidfile = os.path.join(session_dir, "exec_pid")
        for stale in (oci_log, pidfile):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(stale)
        exits.remove_exit(opts.exit_dir, opts.container_id)
        argv = self._shared_args(opts.container_id, opts.session_id, session_dir, pidfile,
                                 opts.exit_dir, "", oci_log)  # fmt: skip
        argv += ["-n", opts.session_id, "--socket-dir-path", opts.run_dir]
        argv += ["-l", f"k8s-file:{opts.log_path}"] if opts.log_path else ["-l", "none"]
        argv += _stdio_args(opts.tty, opts.stdin)
        if opts.preserve_fds:
            argv += ["--runtime-opt", "--preserve-fds", "--runtime-opt", str(opts.preserve_fds)]
        if attach:
            argv.append("--exec-attach")
        argv += ["--exec", "--exec-process-spec", opts.process_spec_path]
        return argv, oci_log

    def exec(self, opts: ExecOptions) -> Created:
        """A session nobody attaches to (exec -d); its exit code lands in the exit file
        <exit_dir>/<container id>, so exit_dir must be the session's own."""
        argv, oci_log = self._exec_argv(opts, attach=False)
        msg, early = self._go_and_sync(self._spawn(argv))
        pid = _sync_data(msg)
        if pid is None or pid <= 0:
            self._raise_exec_failure(opts.container_id, msg, early, oci_log)
        return Created(pid=int(pid or 0), conmon_pid=0)

    def exec_attach(self, opts: ExecOptions) -> ExecSession:
        """A session with its stdio on an attach socket (exec, exec -it). Returns once the
        process runs; stream through .attachment, then .wait() for the exit code."""
        from pypod.runtime.attach import Attach

        argv, oci_log = self._exec_argv(opts, attach=True)
        conmon = self._spawn(argv, attach=True)
        attachment: Attach | None = None
        try:
            os.write(conmon.start_w, b"0")
            early = self._finish_fork(conmon)
            ready = _read_sync(conmon.attach_r)
            if ready is None or _sync_data(ready) != 0:
                self._raise_exec_failure(opts.container_id, ready, early, oci_log)
            attachment = Attach.connect(os.path.dirname(opts.process_spec_path))
            os.write(conmon.start_w, b"0")  # the runtime may run the process now
            msg = _read_sync(conmon.sync_r)
            pid = _sync_data(msg)
            if pid is None or pid <= 0:
                self._raise_exec_failure(opts.container_id, msg, early, oci_log)
        except BaseException:
            if attachment is not None:
                attachment.close()
            conmon.close()
            raise
        os.close(conmon.start_w)
        os.close(conmon.attach_r)
        return ExecSession(
            pid=int(pid or 0), attachment=attachment, sync_r=conmon.sync_r, opts=opts
        )

    def _raise_exec_failure(self, cid: str, msg: dict[str, Any] | None, early: str,
                            oci_log: str) -> None:  # fmt: skip
        raise self._failure(cid, msg, early, oci_log)


class ExecSession:
    """An attached exec session: pid, the attach connection, and its exit code."""

    def __init__(self, *, pid: int, attachment: Attach, sync_r: int, opts: ExecOptions) -> None:
        self.pid = pid
        self.attachment = attachment
        self._sync_r = sync_r
        self._opts = opts

    def wait(self, timeout_s: float | None = None) -> int:
        """The exit code: conmon's last sync message, else the exit file."""
        if self._sync_r >= 0:
            msg = _read_sync(self._sync_r, timeout_s)
            os.close(self._sync_r)
            self._sync_r = -1
            code = _sync_data(msg)
            if code is not None:
                return code
        info = exits.wait_exit(self._opts.exit_dir, self._opts.container_id, timeout_s=timeout_s)
        if info is None:
            raise RuntimeFailed(f"exec session {self._opts.session_id}: no exit code recorded")
        return info.code

    def close(self) -> None:
        self.attachment.close()
        if self._sync_r >= 0:
            os.close(self._sync_r)
            self._sync_r = -1


def _stdio_args(tty: bool, stdin: bool) -> list[str]:
    """With a terminal conmon always forwards input; -i would also make it close the
    container's stdin when an attached client goes away, which kills a shell on detach."""
    if tty:
        return ["-t"]
    return ["-i"] if stdin else []


def _pids_in_pid_namespace(init_pid: int) -> list[int]:
    try:
        target = os.readlink(f"/proc/{init_pid}/ns/pid")
    except OSError:
        return []
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{entry}/ns/pid") == target and exits.pid_alive(int(entry)):
                    pids.append(int(entry))
    return sorted(pids)


def _log_args(opts: CreateOptions) -> list[str]:
    driver = opts.log_driver or "k8s-file"
    if driver in ("none", "passthrough"):
        return ["-l", driver]
    if driver not in ("k8s-file", "json-file"):
        raise RuntimeFailed(f"unsupported log driver {driver!r}")
    # Podman writes json-file logs in the k8s-file format too (conmon has no json writer).
    path = opts.log_path or os.path.join(opts.userdata, "ctr.log")
    args = ["-l", f"k8s-file:{path}"]
    if opts.log_max_size > 0:
        args += ["--log-size-max", str(opts.log_max_size)]
    return args


def _read_sync(fd: int, timeout_s: float | None = SYNC_TIMEOUT_S) -> dict[str, Any] | None:
    """One JSON line from a conmon pipe; None on EOF (conmon died) or timeout."""
    buf = b""
    while not buf.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout_s)
        if not ready:
            log.warning("timed out waiting for conmon")
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
    line = buf.split(b"\n", 1)[0].strip()
    if not line:
        return None
    try:
        msg = json.loads(line)
    except ValueError:
        return {"data": -1, "message": line.decode(errors="replace")}
    return msg if isinstance(msg, dict) else None


def _sync_data(msg: dict[str, Any] | None) -> int | None:
    if msg is None:
        return None
    try:
        return int(msg.get("data", -1))
    except (TypeError, ValueError):
        return None


def _conmon_log_level() -> str:
    current = level()
    if current <= DEBUG:
        return "debug"
    if current <= INFO:
        return "info"
    return "warning" if current <= WARNING else "error"


def find_conmon(requested: str | None, candidates: tuple[str, ...]) -> str:
    """--conmon, else containers.conf conmon_path, else PATH."""
    if requested:
        if not os.access(requested, os.X_OK):
            raise PypodError(f"conmon {requested!r} is not executable")
        return requested
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    return processes.require_binary("conmon")


def open_runtime(engine: Any) -> ConmonRuntime:
    """The runtime for a LocalEngine: runtime chosen by select.choose(), conmon found, state
    under the engine's run root (inside the rootless namespace, where it is used)."""
    from pypod.runtime.select import choose

    conf = engine.containers_conf.engine
    paths = {name: list(p) for name, p in conf.runtimes.items()}
    choice = choose(engine.options.runtime, conf.runtime, paths)
    if choice.reason:
        log.info("%s", choice.reason)
    conmon = find_conmon(engine.options.conmon, conf.conmon_path)
    engine.enter_userns()
    env_path = ""
    for item in conf.conmon_env_vars:
        if item.startswith("PATH="):
            env_path = item[5:]
    return ConmonRuntime(
        name=choice.name,
        path=choice.path,
        conmon_path=conmon,
        state_root=os.path.join(engine.run_root, choice.name),
        log_level=_conmon_log_level(),
        env_path=env_path,
    )
