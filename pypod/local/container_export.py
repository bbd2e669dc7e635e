"""export: the container's whole root filesystem as a tar (to a file or stdout)."""

from __future__ import annotations

import os
import shutil
import sys
from typing import TYPE_CHECKING

from pypod.errors import InvalidArgument
from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine


def export(engine: LocalEngine, name: str, output: str | None) -> None:
    from pypod.local.container_storage import layers

    if not output and sys.stdout.isatty():
        raise InvalidArgument("refusing to export to terminal. Use -o flag or redirect")
    cid = lk.one(engine, name)
    config, _ = lk.load(engine, cid)
    stream = layers(engine).export_tar(cid)
    try:
        if output:
            tmp = output + ".pypod-tmp"
            with open(tmp, "wb") as f:
                shutil.copyfileobj(stream, f, 1 << 20)
            os.replace(tmp, output)
        else:
            shutil.copyfileobj(stream, sys.stdout.buffer, 1 << 20)
            sys.stdout.buffer.flush()
    finally:
        stream.close()
    lk.emit(engine, config, "export")
