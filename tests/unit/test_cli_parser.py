"""The command-line parser: Go pflag's syntax and cobra's errors, as Podman parses."""

from __future__ import annotations

import pytest

from pypod.cli.parser import REMAINDER, SUPPRESS, Parser, UsageError


def _images() -> Parser:
    p = Parser("pypod images")
    p.add_argument("image", nargs="?", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="all")
    p.flag("-q", "--quiet", action="store_true", help="quiet")
    p.flag("-f", "--filter", kind="stringSlice", action="append", default=[], help="filter")
    p.flag("--format", kind="string", default="", help="format")
    p.flag("-n", "--last", kind="int", type=int, default=-1, help="last")
    p.bool_flag("--tls-verify", help="tls")
    return p


def _run() -> Parser:
    p = Parser("pypod run")
    p.add_argument("args", nargs=REMAINDER, help=SUPPRESS)
    p.flag("-e", "--env", kind="stringArray", action="append", default=[], help="env")
    p.flag("-i", "--interactive", action="store_true", help="i")
    p.flag("-t", "--tty", action="store_true", help="t")
    p.flag("--name", kind="string", default="", help="name")
    p.flag("--entrypoint", kind="string", help="entrypoint")
    p.forget_option("-h")
    p.flag("-h", "--hostname", kind="string", default="", help="hostname")
    return p


def test_defaults_and_long_forms() -> None:
    ns = _images().parse([])
    assert (ns.image, ns.all, ns.filter, ns.format, ns.last, ns.tls_verify) == (
        None, False, [], "", -1, None,
    )  # fmt: skip
    ns = _images().parse(["--format", "{{.ID}}", "--filter=a=b", "-f", "c=d", "--last=3", "x"])
    assert (ns.format, ns.filter, ns.last, ns.image) == ("{{.ID}}", ["a=b", "c=d"], 3, "x")


def test_append_default_is_not_shared() -> None:
    p = _images()
    p.parse(["-f", "a=1"])
    assert p.parse([]).filter == []


def test_shorthand_clusters_and_attached_values() -> None:
    ns = _images().parse(["-aq", "-n5"])
    assert (ns.all, ns.quiet, ns.last) == (True, True, 5)
    assert _images().parse(["-n=7"]).last == 7
    assert _images().parse(["-af", "x=y"]).filter == ["x=y"]


def test_go_booleans() -> None:
    assert _images().parse(["--all=false"]).all is False
    assert _images().parse(["--tls-verify=false"]).tls_verify is False
    assert _images().parse(["--tls-verify"]).tls_verify is True
    with pytest.raises(UsageError, match=r"strconv\.ParseBool"):
        _images().parse(["--all=maybe"])


def test_flags_anywhere_and_double_dash() -> None:
    ns = _images().parse(["img", "-q"])
    assert (ns.image, ns.quiet) == ("img", True)
    assert _images().parse(["--", "-q"]).image == "-q"


def test_errors_like_cobra() -> None:
    with pytest.raises(UsageError, match="unknown flag: --bogus\nSee 'pypod images --help'"):
        _images().parse(["--bogus"])
    with pytest.raises(UsageError, match="unknown shorthand flag: 'z' in -az"):
        _images().parse(["-az"])
    with pytest.raises(UsageError, match="flag needs an argument: --format"):
        _images().parse(["--format"])
    with pytest.raises(UsageError, match=r"accepts at most 1 arg\(s\), received 2"):
        _images().parse(["a", "b"])
    with pytest.raises(UsageError, match='invalid argument "x" for "-n, --last" flag'):
        _images().parse(["--last", "x"])


def test_value_may_start_with_a_dash_and_negative_numbers() -> None:
    assert _images().parse(["--last", "-1"]).last == -1
    assert _run().parse(["--entrypoint", "-x", "img"], intermixed=False).entrypoint == "-x"


def test_remainder_after_the_first_positional() -> None:
    ns = _run().parse(
        ["-it", "--name=c", "-e", "A=1", "img", "sh", "-c", "--name", "-h"], intermixed=False
    )
    assert (ns.interactive, ns.tty, ns.name, ns.env) == (True, True, "c", ["A=1"])
    assert ns.args == ["img", "sh", "-c", "--name", "-h"]


def test_freed_short_help_is_hostname() -> None:
    ns = _run().parse(["-h", "box", "img"], intermixed=False)
    assert ns.hostname == "box" and ns.args == ["img"]
    assert "-h, --hostname string" in _run().format_help()
    with pytest.raises(SystemExit):
        _run().parse(["--help"], intermixed=False)


def test_required_positional() -> None:
    p = Parser("pypod tag")
    p.add_argument("source")
    p.add_argument("targets", nargs="*")
    ns = p.parse(["a", "b", "c"])
    assert (ns.source, ns.targets) == ("a", ["b", "c"])
    with pytest.raises(UsageError, match="required: source"):
        p.parse([])


def test_help_layout(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        _images().parse(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "Usage:\n  pypod images [options]" in out
    assert "  -f, --filter stringSlice   filter" in out
    assert "      --format string" in out
