"""OCI runtime messages become typed errors here, in one function: translate().

runc and crun report failures as text on stderr (runc: `time=... level=error msg="..."`), as
JSON lines in the --log file conmon asks for (`{"level":"error","msg":"..."}`), or, through
conmon's sync pipe, as the raw message. Podman maps them by pattern the same way (a "permission
denied" from starting the entrypoint is exit code 126, "executable file not found" 127); the
lifecycle code asks isinstance() questions and never reads messages again.

    RuntimeFailed (PypodError, 125)        any other runtime failure, with its own message
    RuntimeGone (ContainerNotFound)        the runtime has no such container ("does not exist")
    NotRunning (RuntimeFailed)             kill/pause/exec of a container that is not running
    RuntimePermission (RuntimeFailed)      permission denied / operation not permitted on a
                                           runtime operation that is not the entrypoint's exec
    CannotInvoke (126), CommandNotFound (127) from pypod.errors, for create/exec failures
"""

from __future__ import annotations

import json
import re

from pypod.errors import CannotInvoke, CommandNotFound, ContainerNotFound, PypodError


class RuntimeFailed(PypodError):
    reason = "OCI runtime error"


class RuntimeGone(ContainerNotFound):
    reason = "no such container"


class NotRunning(RuntimeFailed):
    reason = "container is not running"


class RuntimePermission(RuntimeFailed):
    reason = "OCI permission denied"


# Pattern strings, compiled by re's cache on the first failure: every container start imports
# this module, few ever translate an error.
_TEXT_MSG = r'level=(?:error|fatal) msg="((?:[^"\\]|\\.)*)"'
_GONE = r"(?i)does not exist|no such container|not found in state|container .* not found"
_NOT_RUNNING = r"(?i)not running|container .* is stopped|process already finished"
_PERMISSION = r"(?i)permission denied|operation not permitted"
_NOT_FOUND = r"(?i)executable file not found|no such file or directory"
# Failures of the container's own process start (as opposed to runtime housekeeping).
_EXEC_STAGE = r"(?i)unable to start container process|exec:|exec failed|executable"


def runtime_message(text: str) -> str:
    """The runtime's own words from stderr or an oci-log: the last error message found, else
    the last non-empty line."""
    found: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if isinstance(entry, dict) and "msg" in entry:
                if entry.get("level") in ("error", "fatal", None):
                    found.append(str(entry["msg"]))
                continue
        m = re.search(_TEXT_MSG, line)
        if m:
            found.append(m.group(1).encode().decode("unicode_escape", errors="replace"))
            continue
        if "level=" not in line:
            found.append(line)
    return found[-1].strip() if found else ""


def translate(
    name: str, text: str, *, container_id: str = "", creating: bool = False
) -> PypodError:
    """The typed error for a runtime failure. name: "runc"/"crun"; text: stderr or log text;
    creating: the failure came from create/exec, where the entrypoint is started."""
    msg = runtime_message(text) or text.strip() or "unknown error"
    shown = f"{name}: {msg}"
    if re.search(_GONE, msg) and not creating:
        err: PypodError = RuntimeGone(
            f"{container_id}: {ContainerNotFound.reason}" if container_id else shown
        )
        return err
    if re.search(_NOT_RUNNING, msg):
        return NotRunning(shown)
    # Podman checks permission first, then not-found, over the whole message.
    if re.search(_PERMISSION, msg):
        if creating or re.search(_EXEC_STAGE, msg):
            return CannotInvoke(f"{shown}: OCI permission denied")
        return RuntimePermission(shown)
    if re.search(_NOT_FOUND, msg) and (creating or re.search(_EXEC_STAGE, msg)):
        return CommandNotFound(
            f"{shown}: OCI runtime attempted to invoke a command that was not found"
        )
    return RuntimeFailed(shown)
