"""Podman's report helpers (containers/common pkg/report): --format normalisation, headers
and tab-aligned tables.

    text = render_table(rows, "table {{.ID}}\\t{{.Names}}", headers={"ID": "CONTAINER ID"})

Behaviour copied from Podman 4.3, which users' scripts rely on:
- a format starting with "table " renders a header row and aligns columns like Go's
  tabwriter with minwidth 12, padding 2, padchar ' '; in such a format every space becomes
  a tab, even inside actions (Podman replaces " " with "\\t" in the whole text);
- the two-character escapes \\t and \\n typed on the command line become a tab and a newline;
  when that breaks the template (``{{printf "%s\\n" .ID}}``) the original text is used;
- a non-table format is wrapped in {{range .}}...{{end}} unless it already ranges over dot;
- each rendered row gets a newline unless the format ends with one.
"""

from __future__ import annotations

TYPE_CHECKING = False  # no typing (nor re: imported where used) on `images`' start-up path
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from typing import Any

    from pypod.format.gotemplate import Template

# Patterns as text: re compiles (and caches) one when it is first used, not at import.
_JSON_FORMAT = r"^\s*(json|\{\{\s*json\s*(\.)?\s*\}\})\s*$"
_RANGE = r"(?s)\{\{\s*range\s*\.\s*\}\}.*\{\{\s*end\s*-?\s*\}\}"
_TABLE_SUBS = {"table ": "", "\\t": "\t", " ": "\t", "\\n": "\n"}
_TABLE_RE = r"table |\\t| |\\n"
_ESC_RE = r"\\t|\\n"
_FIRST_FIELD = r"\{\{[^}]*?\.([A-Za-z_][A-Za-z0-9_]*)"

MIN_WIDTH = 12
PADDING = 2


def is_json(fmt: str) -> bool:
    """True for --format json, {{json}} and {{json .}}: the caller prints JSON instead."""
    import re

    return bool(re.match(_JSON_FORMAT, fmt))


def has_table(fmt: str) -> bool:
    return fmt.startswith("table ")


def normalize_format(fmt: str) -> tuple[bool, str]:
    """(is_table, template text) after Podman's NormalizeFormat; the text ends with "\\n"."""
    import re

    table = has_table(fmt)
    if table:
        text = re.sub(_TABLE_RE, lambda m: _TABLE_SUBS[m.group()], fmt)
    else:
        text = re.sub(_ESC_RE, lambda m: "\t" if m.group() == "\\t" else "\n", fmt)
    if not text.endswith("\n"):
        text += "\n"
    return table, text


def enforce_range(fmt: str) -> str:
    import re

    return fmt if re.search(_RANGE, fmt) else "{{range .}}" + fmt + "{{end -}}"


def parse_format(fmt: str, name: str = "report") -> tuple[bool, Template]:
    """Compile a user's --format the way Podman does: normalised first, verbatim if that fails."""
    from pypod.format.gotemplate import TemplateError, compile

    table, norm = normalize_format(fmt)
    if table:
        first, second = "{{range .}}" + norm + "{{end -}}", "{{range .}}" + fmt + "{{end -}}"
    else:
        first, second = enforce_range(norm), enforce_range(fmt)
    try:
        return table, compile(first, name)
    except TemplateError:
        return table, compile(second, name)


# --- headers ------------------------------------------------------------------------------


def _char_class(ch: str) -> int:
    if ch.islower():
        return 1
    if ch.isupper():
        return 2
    if ch.isdigit():
        return 3
    return 4


def split_camel(word: str) -> list[str]:
    """Split CamelCase into words: "CreatedAt" -> [Created, At], "PDFLoader" -> [PDF, Loader]."""
    parts: list[str] = []
    last = 0
    for ch in word:
        cls = _char_class(ch)
        if parts and cls == last:
            parts[-1] += ch
        else:
            parts.append(ch)
        last = cls
    for i in range(len(parts) - 1):
        if parts[i][:1].isupper() and parts[i + 1][:1].islower():
            parts[i + 1] = parts[i][-1] + parts[i + 1]
            parts[i] = parts[i][:-1]
    return [p for p in parts if p]


def header_for(field: str, overrides: Mapping[str, str] | None = None) -> str:
    if overrides and field in overrides:
        return overrides[field].upper()
    return " ".join(split_camel(field)).upper()


def header_row(overrides: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """Stands in for a row when rendering the header: every field reads as its column title.
    (A Mapping for the template engine; built on first use, collections.abc being off the
    plain-table path.)"""
    global _HeaderRow
    if _HeaderRow is None:
        from collections.abc import Mapping as _Mapping

        class HeaderRow(_Mapping[str, str]):
            def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
                self.overrides = overrides or {}

            def __getitem__(self, key: str) -> str:
                return header_for(key, self.overrides)

            def get(self, key: str, default: Any = None) -> str:  # type: ignore[override]
                return self[key]

            def __iter__(self) -> Iterator[str]:
                return iter(self.overrides)

            def __len__(self) -> int:
                return max(1, len(self.overrides))

        _HeaderRow = HeaderRow
    return _HeaderRow(overrides)  # type: ignore[no-any-return]


_HeaderRow: Any = None


def _split_outside_actions(text: str) -> list[str]:
    """Split at tabs that are not inside {{ }}."""
    segments = [""]
    i = 0
    while i < len(text):
        if text.startswith("{{", i):
            end = text.find("}}", i)
            end = len(text) if end < 0 else end + 2
            segments[-1] += text[i:end]
            i = end
            continue
        if text[i] == "\t":
            segments.append("")
        else:
            segments[-1] += text[i]
        i += 1
    return segments


def _fallback_header(fmt_text: str, overrides: Mapping[str, str] | None) -> str:
    """When the template cannot run on header text, title each column by its first field."""
    import re

    cells = []
    for segment in _split_outside_actions(fmt_text.rstrip("\n")):
        m = re.search(_FIRST_FIELD, segment)
        cells.append(header_for(m.group(1), overrides) if m else "")
    return "\t".join(cells) + "\n"


# --- tabwriter ----------------------------------------------------------------------------


def tabwrite(text: str, minwidth: int = MIN_WIDTH, padding: int = PADDING) -> str:
    """Go's text/tabwriter with padchar ' ': tab-terminated cells align within blocks of
    consecutive lines that have a cell in that column; the last cell of a line is free."""
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    widths: list[int] = []

    def write_lines(start: int, end: int) -> None:
        for i in range(start, end):
            for j, cell in enumerate(lines[i]):
                out.append(cell)
                if j < len(widths):
                    out.append(" " * (widths[j] - len(cell)))
            if i + 1 < len(lines):
                out.append("\n")

    def format_block(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            format_block(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    format_block(0, len(lines))
    return "".join(out)


def render_table(
    rows: Sequence[Any],
    fmt: str,
    headers: Mapping[str, str] | None = None,
    noheading: bool = False,
    name: str = "report",
) -> str:
    """Render rows with a user's --format; "table " formats get a header row and alignment.

    ``headers`` maps a field name to its column title where Podman does not derive it from
    the name (e.g. {"ID": "IMAGE ID"}). Raises TemplateError.
    """
    rows = list(rows)
    plain = _render_plain(rows, fmt, headers, noheading)
    if plain is not None:
        return plain
    from pypod.format.gotemplate import TemplateError

    table, tmpl = parse_format(fmt, name)
    if not table:
        return tmpl.execute(rows)
    parts = []
    if not noheading:
        try:
            parts.append(tmpl.execute([header_row(headers)]))
        except TemplateError:
            parts.append(_fallback_header(normalize_format(fmt)[1], headers))
    parts.append(tmpl.execute(rows))
    return tabwrite("".join(parts))


# --- plain formats ------------------------------------------------------------------------
# Nearly every table the CLI prints by default ("table {{.Repository}}\t{{.Tag}}...") only
# names fields of dict rows holding strings and ints, which Go's template prints as they are.
# Such a format is filled in directly; anything else (functions, pipelines, other value
# types, missing keys) goes through the template engine, which gives the same output.


def _plain_parts(text: str) -> list[str] | None:
    """[literal, field, literal, field, ..., literal] when every action is {{.Field}}."""
    parts: list[str] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            parts.append(text[pos:])
            return parts if "}}" not in text[pos:] else None
        end = text.find("}}", start)
        if end < 0 or "}}" in text[pos:start]:
            return None
        action = text[start + 2 : end].strip(" \t")
        name = action[1:]
        if not action.startswith(".") or not name.isidentifier() or not name.isascii():
            return None
        parts += [text[pos:start], name]
        pos = end + 2


def _fill(parts: list[str], row: Any) -> str | None:
    out = [parts[0]]
    for i in range(1, len(parts), 2):
        value = row.get(parts[i], _fill) if type(row) is dict else _fill
        if type(value) is not str and type(value) is not int:
            return None
        out += [str(value), parts[i + 1]]
    return "".join(out)


def _render_plain(
    rows: list[Any], fmt: str, headers: Mapping[str, str] | None, noheading: bool
) -> str | None:
    table, text = normalize_format(fmt)
    parts = _plain_parts(text)
    if parts is None:
        return None
    lines = []
    if table and not noheading:
        header_row = {name: header_for(name, headers) for name in parts[1::2]}
        lines.append(_fill(parts, header_row))
    lines += [_fill(parts, row) for row in rows]
    if any(line is None for line in lines):
        return None
    out = "".join(lines)  # type: ignore[arg-type]
    return tabwrite(out) if table else out
