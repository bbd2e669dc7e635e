"""Warnings and log lines look like Podman's (logrus): `WARN[0001] text` on a terminal,
key=value lines otherwise, with logrus' quoting."""

from __future__ import annotations

import io
import re
import sys
import time

import pytest

from pypod import log


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", _Tty())
    assert log.line(log.WARNING, "careful", log._START + 3.7) == "WARN[0003] careful"
    assert log.line(log.ERROR, "bad", log._START) == "ERRO[0000] bad"


def test_key_value_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    out = log.line(log.WARNING, 'The "x" flag\nis a noop.', 0.0)
    assert out == 'time="1970-01-01T00:00:00Z" level=warning msg="The \\"x\\" flag\\nis a noop."'
    assert log.line(log.DEBUG, "plain-word_1.2/x", 0.0).endswith("level=debug msg=plain-word_1.2/x")
    assert re.fullmatch(r'time="[^"]+" level=error msg=""', log.line(log.ERROR, ""))
