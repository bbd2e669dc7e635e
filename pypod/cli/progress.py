"""Copy progress on stderr: Podman's plain lines, or live per-layer bars on a terminal.

Not a TTY: each "message" event is one line ("Copying blob sha256:..."), exactly what Podman
prints to a pipe. A TTY: one line per blob, redrawn in place as bytes arrive
("Copying blob 2fd30533101b [=====>------] 1.2MiB / 3.4MiB"), with other messages above them.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from pypod.domain.images_options import CopyProgress, ProgressCallback

_WIDTH = 30
_REDRAW_EVERY = 0.1  # seconds


def _mib(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n / 1024:.1f}KiB"
    return f"{n / (1024 * 1024):.1f}MiB"


class PlainProgress:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, ev: CopyProgress) -> None:
        if ev.kind == "message":
            self.out.write(ev.text + "\n")
            self.out.flush()


class LiveProgress:
    """Bars for the blobs in flight; thread-safe (layers are copied in parallel)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._lock = threading.Lock()
        self._blobs: dict[str, list[int | str]] = {}  # digest -> [offset, total, state]
        self._drawn = 0
        self._last = 0.0

    def __call__(self, ev: CopyProgress) -> None:
        with self._lock:
            if ev.kind == "message":
                if ev.text.startswith("Copying blob "):
                    return  # the bar says it
                if all(b[2] != "copying" for b in self._blobs.values()):
                    # the bars are final: leave them above and start afresh below
                    self._blobs.clear()
                    self._drawn = 0
                self._clear()
                self.out.write(ev.text + "\n")
                self._draw()
                return
            blob = self._blobs.setdefault(ev.digest, [0, ev.total, "copying"])
            if ev.total >= 0:
                blob[1] = ev.total
            if ev.kind == "bytes":
                blob[0] = ev.offset
                if time.monotonic() - self._last < _REDRAW_EVERY:
                    return
            elif ev.kind == "skipped":
                blob[2] = "skipped: already exists"
            elif ev.kind == "done":
                blob[2] = "done"
            self._clear()
            self._draw()

    def _clear(self) -> None:
        if self._drawn:
            self.out.write(f"\x1b[{self._drawn}A\x1b[J")
            self._drawn = 0

    def _line(self, digest: str, blob: list[int | str]) -> str:
        short = digest.split(":")[-1][:12]
        offset, total, state = int(blob[0]), int(blob[1]), str(blob[2])
        if state != "copying":
            return f"Copying blob {short} {state}"
        if total <= 0:
            return f"Copying blob {short} {_mib(offset)}"
        done = min(_WIDTH, _WIDTH * offset // total)
        bar = "=" * max(done - 1, 0) + (">" if done else "") + "-" * (_WIDTH - done)
        return f"Copying blob {short} [{bar}] {_mib(offset)} / {_mib(total)}"

    def _draw(self) -> None:
        for digest, blob in self._blobs.items():
            self.out.write(self._line(digest, blob) + "\n")
        self._drawn = len(self._blobs)
        self._last = time.monotonic()
        self.out.flush()


def progress_for(quiet: bool, out: TextIO | None = None) -> ProgressCallback | None:
    """None when quiet; live bars on a terminal; Podman's plain lines otherwise."""
    if quiet:
        return None
    out = out or sys.stderr
    return LiveProgress(out) if out.isatty() else PlainProgress(out)
