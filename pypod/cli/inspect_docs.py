"""Printing inspect documents and reporting the names that failed, as Podman does; shared by
every noun's inspect (and `inspect` itself) without importing any noun's command module."""

from __future__ import annotations

import json
import sys

from pypod.cli import output
from pypod.errors import PypodError


def print_docs(docs: list[object], fmt: str) -> None:
    if not fmt or output.is_json_format(fmt):
        # Podman 4.3 indents inspect documents by five spaces
        output.line(json.dumps(docs, indent=5, ensure_ascii=False))
    else:
        from pypod.format.fields import go_view

        output.print_each([go_view(d) for d in docs], fmt)


def raise_all(errors: list[Exception]) -> None:
    """Several failures as Podman lists them, exit 125; one failure as itself."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        lines = "".join(f"\t* {e}\n" for e in errors)
        raise PypodError(f"{len(errors)} errors occurred:\n{lines}")


def raise_errors(errors: list[PypodError]) -> None:
    """Podman reports every failure: the second and later ones first, then the first one as
    the command's error."""
    if not errors:
        return
    for e in errors[1:]:
        sys.stderr.write(f"error inspecting object: {e.message}\n")
    last = errors[0]
    err = (
        type(last)(f"inspecting object: {last.message}")
        if type(last).__init__ is PypodError.__init__
        else PypodError(f"inspecting object: {last.message}")
    )
    raise err
