"""Loggers that load `logging` only when there is something to print.

Every module keeps a module-level logger (`log = get_logger(__name__)`) and calls
`log.debug(...)`/`log.warning(...)` as with the standard library. Importing `logging` costs
~4.5 ms (threading, traceback, string formatting) on every command, while a normal command
prints no log line at all: these loggers compare the level first and import `logging` (with
Podman's `WARN[0001] text` format on stderr) on the first message that is printed.
"""

from __future__ import annotations

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from typing import Any

DEBUG, INFO, WARNING, ERROR, CRITICAL = 10, 20, 30, 40, 50
_START = time.time()
_level = WARNING
_installed = False

# Podman's --log-level words (logrus') to levels
LEVELS = {
    "trace": DEBUG, "debug": DEBUG, "info": INFO, "warn": WARNING, "warning": WARNING,
    "error": ERROR, "fatal": CRITICAL, "panic": CRITICAL,
}  # fmt: skip


def configure(level_name: str | None) -> None:
    """Set the level from --log-level (default warn); debug and info set up logging now, so
    that libraries' messages (httpx) are shown from the start."""
    global _level
    _level = LEVELS.get((level_name or "warn").lower(), WARNING)
    if _installed or _level < WARNING:
        _install()


def level() -> int:
    return _level


# logrus' level names: 4-letter words on a terminal, full names in key=value lines
_WORDS = {DEBUG: ("DEBU", "debug"), INFO: ("INFO", "info"), WARNING: ("WARN", "warning"),
          ERROR: ("ERRO", "error"), CRITICAL: ("FATA", "fatal")}  # fmt: skip


def line(lvl: int, text: str, when: float | None = None) -> str:
    """One log line as Podman's logrus writes it to stderr: `WARN[0001] text` (seconds since
    start) on a terminal, `time="2024-01-02T15:04:05Z" level=warning msg="text"` otherwise
    (what scripts and CI logs of Podman show)."""
    import sys

    short, full = _WORDS.get(lvl, ("INFO", "info"))
    when = time.time() if when is None else when
    if sys.stderr.isatty():
        return f"{short}[{int(when - _START):04d}] {text}"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(when))
    offset = time.localtime(when).tm_gmtoff
    if offset:
        sign = "-" if offset < 0 else "+"
        stamp += f"{sign}{abs(offset) // 3600:02d}:{abs(offset) % 3600 // 60:02d}"
    else:
        stamp += "Z"
    return f'time="{stamp}" level={full} msg={_logfmt_value(text)}'


def _logfmt_value(text: str) -> str:
    """logrus quotes a value (Go's %q) unless it is made of letters, digits and -._/@^+ only."""
    if text and all(c.isalnum() or c in "-._/@^+" for c in text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + '"'


def _install() -> None:
    import logging
    import sys

    global _installed

    class PodmanStyle(logging.Formatter):
        """Podman's (logrus') lines (see line())."""

        def format(self, record: logging.LogRecord) -> str:
            text = line(record.levelno, record.getMessage(), record.created)
            if record.exc_info and _level <= DEBUG:
                text += "\n" + self.formatException(record.exc_info)
            return text

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PodmanStyle())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(_level)
    _installed = True


def flush() -> None:
    """Flush handlers (before exec, which skips the interpreter's exit)."""
    if _installed:
        import logging

        logging.shutdown()


class Logger:
    """The subset of logging.Logger pypod uses, checking the level before importing."""

    __slots__ = ("_real", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._real: logging.Logger | None = None

    def _emit(self, lvl: int, msg: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if not _installed:
            _install()
        if self._real is None:
            import logging

            self._real = logging.getLogger(self.name)
        kwargs.setdefault("stacklevel", 3)
        self._real.log(lvl, msg, *args, **kwargs)

    def isEnabledFor(self, lvl: int) -> bool:
        return lvl >= _level

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if _level <= DEBUG:
            self._emit(DEBUG, msg, args, kwargs)

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if _level <= INFO:
            self._emit(INFO, msg, args, kwargs)

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if _level <= WARNING:
            self._emit(WARNING, msg, args, kwargs)

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if _level <= ERROR:
            self._emit(ERROR, msg, args, kwargs)

    def exception(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if _level <= ERROR:
            kwargs.setdefault("exc_info", True)
            self._emit(ERROR, msg, args, kwargs)


def get_logger(name: str) -> Logger:
    return Logger(name)
