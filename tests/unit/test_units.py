"""Human units as Podman prints and parses them (go-units v0.5.0 and Go's time package)."""

from __future__ import annotations

import datetime

import pytest

from pypod.errors import InvalidArgument
from pypod.format.units import (
    bytes_size,
    format_duration,
    go_units_size,
    human_duration,
    human_size,
    parse_duration,
    parse_duration_ns,
    parse_size,
    time_ago,
)

KB, MB, GB = 1000, 1000**2, 1000**3
MINUTE, HOUR, DAY = 60, 3600, 86400


@pytest.mark.parametrize(
    ("size", "want"),
    [
        (0, "0 B"),
        (1, "1 B"),
        (999, "999 B"),
        (1000, "1 kB"),
        (1234, "1.23 kB"),
        (1250, "1.25 kB"),
        (100 * KB, "100 kB"),
        (999_499, "999 kB"),
        (999_999, "1e+03 kB"),  # go-units rounds with %.3g and keeps the unit
        (2_150_000, "2.15 MB"),
        (5_590_000, "5.59 MB"),
        (123_456_789, "123 MB"),
        (7 * GB, "7 GB"),
        (1.5 * 1000**4, "1.5 TB"),
        (10**27, "1e+03 YB"),
    ],
)
def test_human_size(size: float, want: str) -> None:
    assert human_size(size) == want


def test_go_units_size_keeps_go_units_spelling() -> None:
    assert go_units_size(2_150_000, 3) == "2.15MB"
    assert go_units_size(2_746_000) == "2.746MB"


@pytest.mark.parametrize(
    ("size", "want"),
    [(0, "0B"), (1023, "1023B"), (1024, "1KiB"), (1536, "1.5KiB"), (1234, "1.205KiB"),
     (17 * 1024**2, "17MiB"), (1024**3 * 2.5, "2.5GiB")],
)  # fmt: skip
def test_bytes_size(size: float, want: str) -> None:
    assert bytes_size(size) == want


@pytest.mark.parametrize(
    ("seconds", "want"),
    [
        (-5, "Less than a second"),
        (0, "Less than a second"),
        (0.999, "Less than a second"),
        (1, "1 second"),
        (1.9, "1 second"),
        (2, "2 seconds"),
        (59, "59 seconds"),
        (60, "About a minute"),
        (119, "About a minute"),
        (120, "2 minutes"),
        (59 * MINUTE + 59, "59 minutes"),
        (HOUR, "About an hour"),
        (HOUR + 29 * MINUTE, "About an hour"),
        (HOUR + 30 * MINUTE, "2 hours"),
        (47 * HOUR, "47 hours"),
        (48 * HOUR, "2 days"),
        (13 * DAY, "13 days"),
        (14 * DAY, "2 weeks"),
        (59 * DAY, "8 weeks"),
        (60 * DAY, "2 months"),
        (364 * DAY, "12 months"),
        (729 * DAY, "24 months"),
        (730 * DAY, "2 years"),
        (3650 * DAY, "10 years"),
    ],
)
def test_human_duration(seconds: float, want: str) -> None:
    assert human_duration(seconds) == want


def test_time_ago() -> None:
    assert time_ago(1000.0, now=1000.0 + 3 * 7 * DAY) == "3 weeks ago"
    then = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    assert time_ago(then, now=then.timestamp() + 90) == "About a minute ago"


@pytest.mark.parametrize(
    ("text", "binary", "decimal"),
    [
        ("0", 0, 0),
        ("100", 100, 100),
        ("100b", 100, 100),
        ("100B", 100, 100),
        ("1k", 1024, 1000),
        ("1K", 1024, 1000),
        ("1kb", 1024, 1000),
        ("1KiB", 1024, 1000),
        ("512m", 512 * 1024**2, 512 * MB),
        ("1g", 1024**3, GB),
        ("1.5GB", int(1.5 * 1024**3), int(1.5 * GB)),
        ("10 MiB", 10 * 1024**2, 10 * MB),
        ("2t", 2 * 1024**4, 2 * 1000**4),
        ("1p", 1024**5, 1000**5),
        ("1.", 1, 1),
        ("0.5k", 512, 500),
    ],
)
def test_parse_size(text: str, binary: int, decimal: int) -> None:
    assert parse_size(text) == binary
    assert parse_size(text, decimal=True) == decimal


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid size: ''"),
        ("k", "invalid size: 'k'"),
        ("-1", "invalid size: '-1'"),
        ("1x", "invalid suffix: 'x'"),
        ("1kx", "invalid suffix: 'kx'"),
        ("1bb", "invalid suffix: 'bb'"),
        ("1kib2", 'strconv.ParseFloat: parsing "1kib2": invalid syntax'),
        ("1kibb", "invalid suffix: 'kibb'"),
        ("1.2.3k", 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'),
        ("1_0", 'strconv.ParseFloat: parsing "1_0": invalid syntax'),
    ],
)
def test_parse_size_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        parse_size(text)


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("0", 0),
        ("-0", 0),
        ("1s", 10**9),
        ("+5s", 5 * 10**9),
        ("-1.5h", -5400 * 10**9),
        ("1h30m", 5400 * 10**9),
        ("300ms", 300 * 10**6),
        ("1.5µs", 1500),
        ("1.5μs", 1500),
        ("2us", 2000),
        ("7ns", 7),
        (".5s", 5 * 10**8),
        ("1.s", 10**9),
        ("1h2m3s4ms5us6ns", 3723004005006),
        ("0.000000001s", 1),
    ],
)
def test_parse_duration(text: str, ns: int) -> None:
    assert parse_duration_ns(text) == ns
    assert parse_duration(text) == ns / 1e9


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'time: invalid duration ""'),
        ("-", 'time: invalid duration "-"'),
        ("x", 'time: invalid duration "x"'),
        (".s", 'time: invalid duration ".s"'),
        ("1", 'time: missing unit in duration "1"'),
        ("1h1", 'time: missing unit in duration "1h1"'),
        ("1x", 'time: unknown unit "x" in duration "1x"'),
        ("1d", 'time: unknown unit "d" in duration "1d"'),
        ("3000000h", 'time: invalid duration "3000000h"'),
    ],
)
def test_parse_duration_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_duration(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("seconds", "want"),
    [(0, "0s"), (1.5, "1.5s"), (0.0015, "1.5ms"), (3723, "1h2m3s"), (-60, "-1m0s"),
     (2e-9, "2ns"), (3600, "1h0m0s")],
)  # fmt: skip
def test_format_duration(seconds: float, want: str) -> None:
    assert format_duration(seconds) == want
