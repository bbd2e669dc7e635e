"""Go text/template for --format, compatible with what Podman 4.3 accepts.

    tmpl = compile("{{range .}}{{.ID | printf \"%-12s\"}} {{join .Names \",\"}}\\n{{end}}")
    text = tmpl.execute(rows)

The engine is split by phase: gotemplate_lex (tokens, TemplateError), gotemplate_parse (tree),
gotemplate_exec (walking it over Python data), gotemplate_funcs (builtins and Podman's
functions), gotemplate_fmt (Go's fmt: %v and printf) and gojson (Go's JSON encoding).
Every failure, at parse or execution time, is a TemplateError whose message reads like Go's:
``template: NAME:LINE: function "foo" not defined``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from pypod.format.gotemplate_exec import Executor
from pypod.format.gotemplate_fmt import MISSING
from pypod.format.gotemplate_funcs import FUNCS
from pypod.format.gotemplate_lex import TemplateError
from pypod.format.gotemplate_parse import Parser
from pypod.records import field, record

__all__ = ["MISSING", "Template", "TemplateError", "compile"]


@record
class Template:
    """A parsed template; immutable and safe to execute many times, from many threads."""

    name: str
    text: str
    nodes: tuple[Any, ...]
    defines: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def execute(self, data: Any) -> str:
        """Run the template with ``data`` as dot; raises TemplateError."""
        try:
            return Executor(self.name, self.text, self.defines).run(self.nodes, data)
        except RecursionError:
            raise TemplateError(
                f'template: {self.name}: executing "{self.name}": nesting too deep'
            ) from None


@functools.lru_cache(maxsize=256)
def compile(text: str, name: str = "template") -> Template:
    """Parse ``text`` (cached); ``name`` appears in error messages as Go's template name."""
    try:
        nodes, defines = Parser(name, text, FUNCS).parse()
    except RecursionError:
        raise TemplateError(f"template: {name}: nesting too deep") from None
    return Template(name=name, text=text, nodes=nodes, defines=defines)
