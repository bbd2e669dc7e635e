"""Printing multi-target container reports and turning their failures into one error."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from pypod.cli import output
from pypod.errors import ContainerNotFound, PypodError


def raise_errors(errors: Sequence[Exception], *, rm_codes: bool = False) -> None:
    """One failure as itself; several as Podman lists them. With rm_codes, `rm`'s exit codes:
    1 when every failure is a missing container, 2 when one is running."""
    if not errors:
        return
    if len(errors) == 1 and isinstance(errors[0], PypodError):
        err = errors[0]
    else:
        lines = "".join(f"\t* {e}\n" for e in errors)
        err = PypodError(f"{len(errors)} errors occurred:\n{lines}".rstrip("\n"))
    if rm_codes:
        if all(isinstance(e, ContainerNotFound) for e in errors):
            err.exit_code = 1
        elif any(getattr(e, "exit_code", 0) == 2 for e in errors):
            err.exit_code = 2
    raise err


def print_ids(reports: Sequence[Any], *, rm_codes: bool = False, use_id: bool = False) -> None:
    """Print what the user typed (or the id) for each success, then fail for the failures."""
    errors = []
    for r in reports:
        if r.error is not None:
            errors.append(r.error)
        else:
            output.line(r.id if use_id else r.name)
    raise_errors(errors, rm_codes=rm_codes)


def print_removed(reports: list[Any], *, not_found: type, in_use: type) -> None:
    """Podman's rm and prune of volumes and networks: each name removed on stdout; every
    failure but the last on stderr as "Error: ...", the last one the command's error. Exit
    code: that of the last unknown (1) or in-use (2) failure, else the last failure's own."""
    errors = []
    for r in reports:
        if r.error is None:
            output.line(r.name)
        else:
            errors.append(r.error)
    if not errors:
        return
    code = getattr(errors[-1], "exit_code", 125)
    for e in errors:
        if isinstance(e, not_found):
            code = 1
        elif isinstance(e, in_use):
            code = 2
    sys.stdout.flush()
    for e in errors[:-1]:
        sys.stderr.write(f"Error: {e}\n")
    err = PypodError(str(errors[-1]))
    err.exit_code = code
    raise err
