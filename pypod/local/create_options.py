"""Parsing the values of run/create flags into core.model pieces, with Podman's error texts.

Pure functions (file reads for --label-file only); container_create.py calls them. Each raises
InvalidArgument naming the flag and the bad value.
"""

from __future__ import annotations

import json
import re
import shlex
import signal as _signal
from collections.abc import Iterable, Mapping
from typing import Any

from pypod.core.model import HealthConfig, LogConfig, Resources, SecurityConfig
from pypod.domain.containers_create import CreateRequest
from pypod.errors import InvalidArgument
from pypod.format.units import parse_duration, parse_size

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
RESTART_POLICIES = ("no", "on-failure", "always", "unless-stopped")
LOG_DRIVERS = ("k8s-file", "json-file", "none", "passthrough", "journald")
HEALTH_ACTIONS = ("none", "kill", "restart", "stop")
RLIMITS = (
    "as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
    "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",
)  # fmt: skip


def check_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise InvalidArgument(
            f"container name {name!r}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: "
            "invalid argument"
        )


def parse_signal(text: str) -> int:
    """ "SIGTERM", "TERM", "15", "sigkill" -> the number; Podman's error otherwise."""
    t = text.strip().upper()
    if t.isdigit():
        num = int(t)
        if 0 < num < 65:
            return num
    else:
        name = t if t.startswith("SIG") else "SIG" + t
        if name.startswith("SIGRTMIN+") or name.startswith("SIGRTMAX-"):
            base = _signal.SIGRTMIN if "MIN" in name else _signal.SIGRTMAX
            off = name[9:]
            if off.isdigit():
                return int(base) + (int(off) if "MIN" in name else -int(off))
        try:
            return int(_signal.Signals[name])
        except KeyError:
            pass
    raise InvalidArgument(f"invalid signal: {text}")


def parse_restart(text: str) -> tuple[str, int]:
    policy, _, count = text.partition(":")
    if not policy:
        return "no", 0
    if policy not in RESTART_POLICIES:
        raise InvalidArgument(  # Podman's words
            f'running container create option: "{policy}" is not a valid restart policy: '
            "invalid argument"
        )
    if count:
        if policy != "on-failure":
            raise InvalidArgument("restart policy retries can only be specified with on-failure")
        if not count.isdigit():
            raise InvalidArgument(
                "parsing restart policy retry count: "
                f'strconv.Atoi: parsing "{count}": invalid syntax'
            )
        return policy, int(count)
    return policy, 0


def parse_entrypoint(text: str | None, image: tuple[str, ...]) -> tuple[str, ...]:
    """None: the image's; "": none; a JSON array: as given; else one word (Podman: the whole
    string is the binary, no splitting)."""
    if text is None:
        return image
    if text == "":
        return ()
    if text.lstrip().startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidArgument(f"invalid --entrypoint JSON {text!r}: {exc.msg}") from exc
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidArgument(f"invalid --entrypoint {text!r}: want an array of strings")
        return tuple(value)
    return (text,)


def key_values(items: Iterable[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not key:
            raise InvalidArgument(f"invalid {what} {item!r}: empty key")
        out[key] = value if sep else ""
    return out


def read_label_files(paths: Iterable[str]) -> list[str]:
    out = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as exc:
            raise InvalidArgument(f"reading label file {path}: {exc.strerror}") from exc
        out += [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    return out


def _size(text: str, flag: str) -> int:
    try:
        return parse_size(text)
    except InvalidArgument as exc:
        if flag.startswith("--memory"):  # Podman's words for all three memory flags
            raise InvalidArgument(f"invalid value for memory: {exc.message}") from exc
        raise InvalidArgument(f"invalid value {text!r} for {flag}: {exc.message}") from exc


def parse_resources(req: CreateRequest) -> Resources:
    memory = _size(req.memory, "--memory") if req.memory else 0
    swap = 0
    if req.memory_swap:
        swap = -1 if req.memory_swap == "-1" else _size(req.memory_swap, "--memory-swap")
        if swap > 0 and memory and swap < memory:
            raise InvalidArgument(
                "minimum memoryswap limit should be larger than memory limit, see usage"
            )
        if swap and not memory:
            raise InvalidArgument("you must provide a memory limit if using memory-swap")
    quota, period = req.cpu_quota, req.cpu_period
    if req.cpus:
        if req.cpu_quota or req.cpu_period:
            raise InvalidArgument("--cpus and --cpu-period/--cpu-quota cannot be set together")
        period = 100_000
        quota = int(req.cpus * period)
    return Resources(
        memory=memory,
        memory_swap=swap,
        memory_reservation=(
            _size(req.memory_reservation, "--memory-reservation") if req.memory_reservation else 0
        ),
        cpu_quota=quota,
        cpu_period=period,
        cpu_shares=req.cpu_shares,
        cpuset_cpus=req.cpuset_cpus,
        cpuset_mems=req.cpuset_mems,
        pids_limit=req.pids_limit,
    )


def resources_requested(req: CreateRequest) -> bool:
    return bool(
        req.memory
        or req.memory_swap
        or req.memory_reservation
        or req.cpus
        or req.cpu_shares
        or req.cpu_quota
        or req.cpu_period
        or req.cpuset_cpus
        or req.cpuset_mems
        or (req.pids_limit is not None and req.pids_limit > 0)
    )


def parse_ulimits(items: Iterable[str]) -> tuple[tuple[str, int, int], ...]:
    """ "nofile=1024:2048" -> ("RLIMIT_NOFILE", 1024, 2048); "-1" means unlimited."""
    out: dict[str, tuple[str, int, int]] = {}
    for item in items:
        if item == "host":
            out["host"] = ("host", -1, -1)
            continue
        name, sep, values = item.partition("=")
        if not sep or name.lower() not in RLIMITS:
            raise InvalidArgument(f"invalid ulimit argument: {item}")
        soft_s, _, hard_s = values.partition(":")
        try:
            soft = int(soft_s)
            hard = int(hard_s) if hard_s else soft
        except ValueError as exc:
            raise InvalidArgument(f"invalid ulimit argument: {item}") from exc
        if soft > hard and hard != -1:
            raise InvalidArgument(
                f"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
            )
        key = "RLIMIT_" + name.upper()
        out[key] = (key, soft, hard)
    return tuple(out.values())


def parse_security(req: CreateRequest) -> SecurityConfig:
    seccomp = ""
    nnp = False
    labels: list[str] = []
    mask: list[str] = []
    unmask: list[str] = []
    for opt in req.security_opts:
        key, sep, value = opt.partition("=" if "=" in opt else ":")
        if opt == "no-new-privileges" or key == "no-new-privileges":
            nnp = not sep or value.lower() in ("true", "1", "")
        elif key == "seccomp" and sep:
            seccomp = value
        elif key == "label" and sep:
            labels.append(value)
        elif key == "mask" and sep:
            mask += [p for p in value.split(":") if p]
        elif key == "unmask" and sep:
            unmask += [p for p in value.split(":") if p]
        elif key in ("apparmor", "proc-opts", "systempaths") and sep:
            continue  # no AppArmor here; accepted like Podman on such hosts
        else:
            raise InvalidArgument(f"invalid --security-opt 1: {opt!r}")
    return SecurityConfig(
        privileged=req.privileged,
        cap_add=tuple(_cap(c) for c in req.cap_add),
        cap_drop=tuple(_cap(c) for c in req.cap_drop),
        seccomp_profile=seccomp,
        no_new_privileges=nnp,
        label_opts=tuple(labels),
        mask=tuple(mask),
        unmask=tuple(unmask),
        read_only=req.read_only,
        read_only_tmpfs=req.read_only_tmpfs,
    )


def _cap(name: str) -> str:
    up = name.strip().upper()
    if up == "ALL":
        return up
    up = up if up.startswith("CAP_") else "CAP_" + up
    if not re.fullmatch(r"CAP_[A-Z_]+", up):
        raise InvalidArgument(f"unknown capability {name!r}")
    return up


def parse_health(req: CreateRequest, image: Mapping[str, Any] | None) -> HealthConfig | None:
    """--health-* over the image's Healthcheck; --no-healthcheck / --health-cmd none: none."""
    if req.no_healthcheck or req.health_cmd.lower() == "none":
        return None
    on_failure = req.health_on_failure or "none"
    if on_failure not in HEALTH_ACTIONS:
        raise InvalidArgument(f"invalid on-failure action {on_failure!r} for healthcheck")
    test: tuple[str, ...] = ()
    base = dict(image or {})
    if req.health_cmd:
        cmd = req.health_cmd
        if cmd.lstrip().startswith("["):
            try:
                test = ("CMD", *json.loads(cmd))
            except (json.JSONDecodeError, TypeError) as exc:
                raise InvalidArgument(f"invalid --health-cmd {cmd!r}") from exc
        else:
            test = ("CMD-SHELL", cmd)
    elif base.get("Test"):
        test = tuple(base["Test"])
    if not test or test[0] == "NONE":
        return None

    def dur(flag_value: str, key: str, default: float, flag: str) -> float:
        if flag_value:
            if flag_value == "disable" and flag == "--health-interval":
                return 0.0
            value = parse_duration(flag_value)
            if value < 0:
                raise InvalidArgument(f"{flag} must be at least 0 seconds")
            return value
        ns = base.get(key)
        return ns / 1e9 if isinstance(ns, int | float) and ns else default

    retries = req.health_retries
    if retries is None:
        retries = int(base.get("Retries") or 3)
    if retries < 1:
        raise InvalidArgument("healthcheck-retries must be greater than 0")
    return HealthConfig(
        test=test,
        interval_s=dur(req.health_interval, "Interval", 30.0, "--health-interval"),
        timeout_s=dur(req.health_timeout, "Timeout", 30.0, "--health-timeout"),
        retries=retries,
        start_period_s=dur(req.health_start_period, "StartPeriod", 0.0, "--health-start-period"),
        on_failure=on_failure,
    )


def parse_log(req: CreateRequest, default_driver: str, default_max: int, tag: str) -> LogConfig:
    driver = req.log_driver or default_driver or "k8s-file"
    if driver not in LOG_DRIVERS:
        raise InvalidArgument(f"unsupported log driver: {driver}")
    if driver == "journald":
        raise InvalidArgument("log driver journald is not supported by pypod (no journal here)")
    path, max_size = "", default_max
    for opt in req.log_opts:
        key, sep, value = opt.partition("=")
        if not sep:
            raise InvalidArgument(f"invalid log option {opt!r}: want KEY=VALUE")
        if key == "path":
            path = value
        elif key == "max-size":
            max_size = _size(value, "--log-opt max-size")
        elif key == "tag":
            tag = value
        elif key in ("max-file", "labels", "env", "mode"):
            continue
        else:
            raise InvalidArgument(f"unknown log-opt {key!r}")
    return LogConfig(driver=driver, path=path, max_size=max_size, tag=tag)


def split_command(text: str) -> tuple[str, ...]:
    return tuple(shlex.split(text))
