"""Printing multi-target container reports and turning their failures into one error."""

from __future__ import annotations

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


def print_removed(reports: Sequence[Any], *, not_found: type, in_use: type) -> None:
    """`volume rm`, `network rm` and their prunes: print each name removed, then fail with every
    error, exiting as Podman does for the last one: 1 unknown, 2 in use, else its own code."""
    errors = []
    for r in reports:
        if r.error is None:
            output.line(r.name)
        else:
            errors.append(r.error)
    if not errors:
        return
    if len(errors) == 1:
        text = str(errors[0])
    else:
        text = f"{len(errors)} errors occurred:\n" + "".join(f"\t* {e}\n" for e in errors)
    err = PypodError(text.rstrip("\n"))
    last = errors[-1]
    if isinstance(last, not_found):
        err.exit_code = 1
    elif isinstance(last, in_use):
        err.exit_code = 2
    else:
        err.exit_code = getattr(last, "exit_code", 125)
    raise err
