"""Go text/template engine: table-driven cases (data/gotemplate_cases.json) plus the Python
data model (dataclasses, methods, snake_case fallback) and Podman's report helpers."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from pathlib import Path
from typing import Any

import pytest

from pypod.errors import InvalidArgument
from pypod.format import gojson
from pypod.format.gotemplate import MISSING, TemplateError, compile
from pypod.format.report import (
    header_for,
    is_json,
    normalize_format,
    render_table,
    split_camel,
    tabwrite,
)

CASES = json.loads((Path(__file__).parent / "data" / "gotemplate_cases.json").read_text())


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{i}:{c['template'][:40]}" for i, c in enumerate(CASES)]
)
def test_table(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(TemplateError) as info:
            compile(case["template"], "x").execute(case.get("data"))
        assert str(info.value) == case["error"]
    else:
        assert compile(case["template"], "x").execute(case.get("data")) == case["want"]


def test_cases_cover_errors_and_output() -> None:
    assert sum("error" in c for c in CASES) >= 40
    assert sum("want" in c for c in CASES) >= 80


# --- Python data ----------------------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass(frozen=True)
class Port:
    host_port: int
    protocol: str


@dataclasses.dataclass(frozen=True)
class Row:
    ID: str
    names: list[str]
    created_at: datetime.datetime
    ports: list[Port]
    color: Color = Color.RED
    _secret: str = "hidden"

    @property
    def Short(self) -> str:
        return self.ID[:3]

    def Greet(self, who: str, punct: str = "!") -> str:
        return f"hi {who}{punct}"

    def Fail(self) -> str:
        raise RuntimeError("boom")


ROW = Row(
    ID="abcdef",
    names=["web", "db"],
    created_at=datetime.datetime(2024, 5, 6, 7, 8, 9, 120000, tzinfo=datetime.UTC),
    ports=[Port(host_port=8080, protocol="tcp")],
)


@pytest.mark.parametrize(
    ("template", "want"),
    [
        ("{{.ID}} {{.Short}}", "abcdef abc"),
        ('{{.Names}} {{join .Names ","}}', "[web db] web,db"),  # snake_case fallback
        ("{{.CreatedAt}}", "2024-05-06 07:08:09.12 +0000 UTC"),
        ("{{json .CreatedAt}}", '"2024-05-06T07:08:09.12Z"'),
        ("{{range .Ports}}{{.HostPort}}/{{.Protocol}}{{end}}", "8080/tcp"),
        ("{{.Ports}}", "[{8080 tcp}]"),
        ('{{printf "%+v" (index .Ports 0)}}', "{host_port:8080 protocol:tcp}"),
        ("{{json .Ports}}", '[{"host_port":8080,"protocol":"tcp"}]'),
        ('{{.Color}} {{printf "%s" .Color}}', "red red"),
        ('{{.Greet "bob"}} {{"ann" | .Greet}} {{.Greet "x" "?"}}', "hi bob! hi ann! hi x?"),
        ("{{with .Ports}}{{len .}}{{end}}", "1"),
    ],
)
def test_python_objects(template: str, want: str) -> None:
    assert compile(template).execute(ROW) == want


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{._secret}}", "can't evaluate field _secret in type Row"),
        ("{{.Nope}}", "can't evaluate field Nope in type Row"),
        ("{{.Fail}}", "error calling Fail: boom"),
        ("{{.ID 1}}", "ID has arguments but cannot be invoked as function"),
    ],
)
def test_python_object_errors(template: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        compile(template).execute(ROW)


def test_stringer_and_durations() -> None:
    class Version:
        def __str__(self) -> str:
            return "v1.2"

    assert compile('{{.}}|{{printf "%5s" .}}').execute(Version()) == "v1.2| v1.2"
    assert compile("{{.}}").execute(datetime.timedelta(hours=1, seconds=2.5)) == "1h0m2.5s"
    assert compile("{{.}}").execute(datetime.timedelta(milliseconds=1.5)) == "1.5ms"


def test_missing_is_no_value() -> None:
    assert compile("{{.}}").execute(MISSING) == "<no value>"
    assert compile("{{.a}}").execute({}) == "<no value>"


def test_error_is_invalid_argument_and_not_a_traceback() -> None:
    with pytest.raises(InvalidArgument) as info:
        compile("{{foo}}", "images")
    assert str(info.value) == 'template: images:1: function "foo" not defined'
    assert info.value.exit_code == 125


def test_recursion_is_a_template_error() -> None:
    tmpl = compile('{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}')
    with pytest.raises(TemplateError, match="exceeded maximum template depth"):
        tmpl.execute(1)


def test_compile_is_cached_and_reusable() -> None:
    a = compile("{{.X}}")
    assert compile("{{.X}}") is a
    assert [a.execute({"X": i}) for i in range(3)] == ["0", "1", "2"]


def test_gojson_indent_and_nan() -> None:
    assert gojson.dumps({"a": [1, {}], "b": []}, indent="  ") == (
        '{\n  "a": [\n    1,\n    {}\n  ],\n  "b": []\n}'
    )
    assert compile("{{json .}}").execute(float("nan")) == ""


def test_table_of_1000_rows() -> None:
    """Speed is measured by bench/, never asserted here; this pins the output's shape."""
    rows = [
        {"ID": f"{i:012x}", "Image": "alpine:latest", "Status": "Up", "Names": [f"n{i}"], "N": i}
        for i in range(1000)
    ]
    fmt = "table {{.ID}}\t{{.Image}}\t{{.Status}}\t{{.Names}}\t{{.N}}"
    out = render_table(rows, fmt + " ")  # a fresh text: not served from the compile cache
    assert out.count("\n") == 1001
    assert out.splitlines()[1].split()[:2] == ["000000000000", "alpine:latest"]


# --- report ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "want"),
    [
        ("{{.ID}}", (False, "{{.ID}}\n")),
        ("{{.ID}}\\t{{.Names}}\\n", (False, "{{.ID}}\t{{.Names}}\n")),
        ("table {{.ID}} {{.Names}}", (True, "{{.ID}}\t{{.Names}}\n")),
        ("table {{.ID}}\\t{{ .Names }}", (True, "{{.ID}}\t{{\t.Names\t}}\n")),
        ("tablex {{.ID}}", (False, "tablex {{.ID}}\n")),
    ],
)
def test_normalize_format(fmt: str, want: tuple[bool, str]) -> None:
    assert normalize_format(fmt) == want


@pytest.mark.parametrize(
    ("fmt", "want"),
    [("json", True), (" {{json}} ", True), ("{{ json . }}", True), ("{{json .ID}}", False),
     ("table json", False)],
)  # fmt: skip
def test_is_json(fmt: str, want: bool) -> None:
    assert is_json(fmt) is want


@pytest.mark.parametrize(
    ("word", "want"),
    [
        ("", []),
        ("lowercase", ["lowercase"]),
        ("MyClass", ["My", "Class"]),
        ("HTML", ["HTML"]),
        ("PDFLoader", ["PDF", "Loader"]),
        ("SimpleXMLParser", ["Simple", "XML", "Parser"]),
        ("vimRPCPlugin", ["vim", "RPC", "Plugin"]),
        ("GL11Version", ["GL", "11", "Version"]),
        ("BFG9000", ["BFG", "9000"]),
        ("CreatedAt", ["Created", "At"]),
    ],
)
def test_split_camel(word: str, want: list[str]) -> None:
    assert split_camel(word) == want


def test_header_for() -> None:
    assert header_for("CreatedAt") == "CREATED AT"
    assert header_for("ID", {"ID": "image id"}) == "IMAGE ID"


ROWS = [
    {"ID": "abc123", "Names": ["web"], "Size": "1.2 MB"},
    {"ID": "def4567890123456", "Names": ["db", "x"], "Size": "10 kB"},
]


def test_render_table_aligns_with_header() -> None:
    out = render_table(ROWS, "table {{.ID}} {{.Names}}\\t{{.Size}}", {"ID": "container id"})
    assert out == (
        "CONTAINER ID      NAMES       SIZE\n"
        "abc123            [web]       1.2 MB\n"
        "def4567890123456  [db x]      10 kB\n"
    )


def test_render_table_noheading_and_plain() -> None:
    assert render_table(ROWS, "table {{.ID}} {{.Size}}", noheading=True) == (
        "abc123            1.2 MB\ndef4567890123456  10 kB\n"
    )
    assert render_table(ROWS, "{{.ID}}\\t{{.Size}}") == "abc123\t1.2 MB\ndef4567890123456\t10 kB\n"
    assert render_table(ROWS, "{{range .}}{{.ID}},{{end}}") == "abc123,def4567890123456,\n"


def test_render_table_escape_fallback_and_header_fallback() -> None:
    # "\n" inside a string literal breaks the normalised text; Podman retries verbatim.
    assert render_table(ROWS, '{{printf "%s\\n" .ID}}') == "abc123\ndef4567890123456\n"
    out = render_table(ROWS, 'table {{.ID}} {{join .Names ","}}')
    assert out.splitlines() == ["ID                NAMES", "abc123            web",
                                "def4567890123456  db,x"]  # fmt: skip


def test_render_table_errors_are_template_errors() -> None:
    with pytest.raises(TemplateError):
        render_table(ROWS, "table {{.ID}} {{nope}}")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("a\tb\n", "a           b\n"),
        ("a\tb\nccc\td\n", "a           b\nccc         d\n"),
        ("aaaaaaaaaaaaaa\tb\nc\td\n", "aaaaaaaaaaaaaa  b\nc               d\n"),
        # a line without tabs ends the block: columns below are sized afresh
        ("aaaaaaaaaaaaaa\tb\nplain\nc\td\n", "aaaaaaaaaaaaaa  b\nplain\nc           d\n"),
        ("a\t\tb\n", "a                       b\n"),
        (
            "x\ty\tz\nlonger-than-twelve\tq\n",
            "x                   y           z\nlonger-than-twelve  q\n",
        ),
        ("no newline\tend", "no newline  end"),
    ],
)
def test_tabwrite(text: str, want: str) -> None:
    assert tabwrite(text) == want
