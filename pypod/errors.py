"""The one error tree of pypod.

Every error pypod raises on purpose is a PypodError. Each class carries a stable ``reason``
(Podman's sentinel text where it has one), the process exit code the CLI uses and the HTTP
status the REST API uses. Only ``cli/main.py`` (and later the API middleware) turns them into
output; everything else raises. Foreign exceptions are translated at the module that meets
them, with ``raise X(...) from exc``.

    PypodError (125, 500)
    ├── InvalidArgument (125, 400)        bad flags or values from the user
    │   ├── InvalidReference              "invalid reference format"
    │   └── ConfigError                   a malformed configuration file (file:line: problem)
    ├── NotFound (125, 404)
    │   ├── ImageNotFound                 "image not known"
    │   ├── LayerNotFound                 "layer not known"
    │   ├── ContainerNotFound             "no such container"
    │   ├── VolumeNotFound                "no such volume"
    │   ├── NetworkNotFound               "network not found"
    │   └── ManifestUnknown               a registry has no such tag or digest
    ├── Conflict (125, 409)
    │   ├── NameInUse                     "name is in use"
    │   ├── ImageInUse                    "image is in use by a container"
    │   └── VolumeInUse                   "volume is being used"
    ├── ShortNameError (125, 400)         short name could not be resolved; lists what was tried
    ├── PolicyDenied (125, 403)           policy.json rejects the image
    ├── RegistryError (125, 502)          a registry answered with an error
    │   ├── Unauthorized (125, 401)       bad or missing credentials
    │   └── RegistryUnreachable (125, 502)
    ├── IntegrityError (125, 500)         digest or size mismatch, truncated blob, bad manifest
    ├── UnsafeArchive (125, 400)          a tarball tries to escape its layer
    ├── StorageError (125, 500)           the store is inconsistent or a driver failed
    ├── MissingComponent (125, 500)       a helper binary is absent; names the Debian package
    ├── CommandFailed (125, 500)          a helper process failed; carries the tail of stderr
    ├── CannotInvoke (126, 500)
    └── CommandNotFound (127, 500)
"""

from __future__ import annotations


class PypodError(Exception):
    reason = "internal error"
    exit_code = 125
    http_status = 500

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.reason)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.reason


class InvalidArgument(PypodError):
    reason = "invalid argument"
    http_status = 400


class InvalidReference(InvalidArgument):
    reason = "invalid reference format"


class ConfigError(InvalidArgument):
    reason = "invalid configuration"

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line


class NotFound(PypodError):
    reason = "not found"
    http_status = 404


class ImageNotFound(NotFound):
    reason = "image not known"


class LayerNotFound(NotFound):
    reason = "layer not known"


class ContainerNotFound(NotFound):
    reason = "no such container"


class VolumeNotFound(NotFound):
    reason = "no such volume"


class NetworkNotFound(NotFound):
    reason = "network not found"


class PodNotFound(NotFound):
    reason = "no such pod"


class ManifestUnknown(NotFound):
    reason = "manifest unknown"


class Conflict(PypodError):
    reason = "conflict"
    http_status = 409


class NameInUse(Conflict):
    reason = "name is in use"


class ImageInUse(Conflict):
    reason = "image is in use by a container"


class VolumeInUse(Conflict):
    reason = "volume is being used"


class ShortNameError(PypodError):
    reason = "short-name resolution failed"
    http_status = 400


class PolicyDenied(PypodError):
    reason = "image rejected by policy"
    http_status = 403


class RegistryError(PypodError):
    reason = "registry error"
    http_status = 502


class Unauthorized(RegistryError):
    reason = "unauthorized: authentication required"
    http_status = 401


class RegistryUnreachable(RegistryError):
    reason = "registry unreachable"


class IntegrityError(PypodError):
    reason = "content does not match its digest"


class UnsafeArchive(PypodError):
    reason = "archive entry escapes its root"
    http_status = 400


class StorageError(PypodError):
    reason = "storage error"


class MissingComponent(PypodError):
    reason = "required component is missing"

    def __init__(self, binary: str, package: str) -> None:
        super().__init__(f"{binary} not found: install the Debian package {package}")
        self.binary = binary
        self.package = package


class CommandFailed(PypodError):
    reason = "command failed"

    def __init__(self, argv: list[str], returncode: int, stderr_tail: str = "") -> None:
        detail = f": {stderr_tail.strip()}" if stderr_tail.strip() else ""
        super().__init__(f"{argv[0]} exited with status {returncode}{detail}")
        self.argv = argv
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class CannotInvoke(PypodError):
    reason = "command cannot be invoked"
    exit_code = 126


class CommandNotFound(PypodError):
    reason = "command not found"
    exit_code = 127
