"""The parser of Go text/template: tokens into a tree of nodes, as text/template/parse does.

Parse-time checks match Go's: undefined functions and variables, misplaced {{else}}/{{end}},
{{break}} outside {{range}}, empty pipelines, literals in later pipeline stages.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from pypod.format.gotemplate_lex import Lexer, TemplateError, Token, go_quote, line_of

# --- nodes --------------------------------------------------------------------------------
# Plain slotted classes rather than dataclasses: a dozen generated dataclasses cost ~7 ms of
# import time on every `pypod ps`. Nodes are immutable by convention.


class _Node:
    _fields: tuple[str, ...] = ()  # constructor order; __slots__ holds the same names
    __slots__: tuple[str, ...] = ()

    def __init__(self, *args: Any) -> None:
        for name, value in zip(self._fields, args, strict=True):
            setattr(self, name, value)

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{type(self).__name__}({fields})"


class Text(_Node):
    _fields = ("text",)
    __slots__ = _fields
    text: str


class Field(_Node):
    _fields = ("pos", "idents")
    __slots__ = _fields
    pos: int
    idents: tuple[str, ...]

    def __str__(self) -> str:
        return "".join("." + i for i in self.idents)


class Var(_Node):
    _fields = ("pos", "name", "idents")
    __slots__ = _fields
    pos: int
    name: str
    idents: tuple[str, ...]

    def __str__(self) -> str:
        return self.name + "".join("." + i for i in self.idents)


class Chain(_Node):
    _fields = ("pos", "node", "idents")
    __slots__ = _fields
    pos: int
    node: Any
    idents: tuple[str, ...]

    def __str__(self) -> str:
        inner = f"({self.node})" if isinstance(self.node, Pipe) else str(self.node)
        return inner + "".join("." + i for i in self.idents)


class Ident(_Node):
    _fields = ("pos", "name")
    __slots__ = _fields
    pos: int
    name: str

    def __str__(self) -> str:
        return self.name


class Literal(_Node):
    """bool, number, string, nil or dot; ``text`` is how the template spelled it."""

    _fields = ("pos", "kind", "value", "text")
    __slots__ = _fields
    pos: int
    kind: str  # BOOL NUMBER STRING NIL DOT
    value: Any
    text: str

    def __str__(self) -> str:
        return self.text


class Command(_Node):
    _fields = ("pos", "args")
    __slots__ = _fields
    pos: int
    args: tuple[Any, ...]

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, Pipe) else str(a) for a in self.args)


class Pipe(_Node):
    _fields = ("pos", "decls", "is_assign", "cmds")
    __slots__ = _fields
    pos: int
    decls: tuple[str, ...]
    is_assign: bool
    cmds: tuple[Command, ...]

    def __str__(self) -> str:
        text = " | ".join(str(c) for c in self.cmds)
        if self.decls:
            op = " = " if self.is_assign else " := "
            text = ", ".join(self.decls) + op + text
        return text


class Action(_Node):
    _fields = ("pos", "pipe")
    __slots__ = _fields
    pos: int
    pipe: Pipe


class Control(_Node):
    """if, with or range."""

    _fields = ("pos", "kind", "pipe", "body", "else_body")
    __slots__ = _fields
    pos: int
    kind: str
    pipe: Pipe
    body: tuple[Any, ...]
    else_body: tuple[Any, ...] | None


class Jump(_Node):
    """{{break}} or {{continue}}."""

    _fields = ("pos", "kind")
    __slots__ = _fields
    pos: int
    kind: str


class Call(_Node):
    """{{template "name" pipeline}}; pos is that of the name, as Go reports it."""

    _fields = ("pos", "name", "pipe")
    __slots__ = _fields
    pos: int
    name: str
    pipe: Pipe | None

    def __str__(self) -> str:
        pipe = f" {self.pipe}" if self.pipe is not None else ""
        return f"{{{{template {go_quote(self.name)}{pipe}}}}}"


class _End(_Node):
    _fields = ("pos", "kind", "else_if")
    __slots__ = _fields
    pos: int
    kind: str  # "end" or "else"
    else_if: bool


# --- literals -----------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\(?:([abfnrtv\\'\"])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|"
                     r"U([0-9a-fA-F]{8})|([0-7]{3})|(.))", re.S)  # fmt: skip
_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_SIMPLE |= {"\\": "\\", "'": "'", '"': '"'}


def unquote(tok: str) -> str:
    """strconv.Unquote for "..." , `...` and '...' literals."""
    quote, body = tok[0], tok[1:-1]
    if quote == "`":
        return body.replace("\r", "")

    def repl(m: re.Match[str]) -> str:
        simple, x, u, big_u, octal, bad = m.groups()
        if bad is not None or (simple and simple in "'\"" and simple != quote):
            raise ValueError("invalid syntax")
        if simple:
            return _SIMPLE[simple]
        if x or octal:
            return chr(int(x, 16) if x else int(octal, 8))
        return chr(int(u or big_u, 16))

    return _ESCAPE.sub(repl, body)


def parse_number(text: str) -> int | float:
    clean = text.replace("_", "")
    body = clean.lstrip("+-")
    try:
        if re.fullmatch(r"0[0-7]+", body):
            return int(clean.replace(body, "0o" + body[1:]), 0)
        if re.fullmatch(r"0[xX][0-9a-fA-F]+|0[oObB][0-7]+|[0-9]+", body):
            return int(clean, 0)
        if body[:2].lower() == "0x":
            return float.fromhex(clean)
        return float(clean)
    except ValueError:
        raise ValueError(f"illegal number syntax: {text!r}") from None


def _tok_str(tok: Token) -> str:
    if tok.kind == "EOF":
        return "EOF"
    if tok.kind == "KEYWORD":
        return f"<{tok.val}>"
    if len(tok.val) > 10:
        return '"' + tok.val[:10].replace('"', '\\"') + '"...'
    return '"' + tok.val.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# --- parser -------------------------------------------------------------------------------

_OPERAND_START = frozenset(
    {"BOOL", "CHAR", "DOT", "FIELD", "IDENT", "NUMBER", "NIL", "RAWSTRING", "STRING", "VAR"}
    | {"LPAREN"}
)


class Parser:
    def __init__(self, name: str, text: str, funcs: Collection[str]) -> None:
        self.name = name
        self.text = text
        self.funcs = funcs
        self.toks = Lexer(name, text).run()
        self.i = 0
        self.vars = ["$"]
        self.range_depth = 0
        self.defines: dict[str, tuple[Any, ...]] = {}

    # token helpers
    def error(self, msg: str, pos: int | None = None) -> TemplateError:
        if pos is None:
            pos = self.toks[min(self.i, len(self.toks) - 1) - (1 if self.i else 0)].pos
        return TemplateError(f"template: {self.name}:{line_of(self.text, pos)}: {msg}")

    def next(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def peek(self) -> Token:
        return self.toks[self.i]

    def next_non_space(self) -> Token:
        tok = self.next()
        while tok.kind == "SPACE":
            tok = self.next()
        return tok

    def peek_non_space(self) -> Token:
        j = self.i
        while self.toks[j].kind == "SPACE":
            j += 1
        return self.toks[j]

    def expect(self, kind: str, context: str) -> Token:
        tok = self.next_non_space()
        if tok.kind != kind:
            raise self.unexpected(tok, context)
        return tok

    def unexpected(self, tok: Token, context: str) -> TemplateError:
        if tok.kind == "ERROR":
            return self.error(tok.val, tok.pos)
        return self.error(f"unexpected {_tok_str(tok)} in {context}", tok.pos)

    # structure
    def parse(self) -> tuple[tuple[Any, ...], dict[str, tuple[Any, ...]]]:
        nodes, end = self.item_list(top=True)
        if end is not None:
            raise self.error(f"unexpected {{{{{end.kind}}}}}", end.pos)
        return nodes, self.defines

    def item_list(self, top: bool = False) -> tuple[tuple[Any, ...], _End | None]:
        nodes: list[Any] = []
        while True:
            tok = self.next()
            if tok.kind == "TEXT":
                nodes.append(Text(tok.val))
            elif tok.kind == "LEFT":
                node = self.action(top)
                if isinstance(node, _End):
                    return tuple(nodes), node
                if node is not None:
                    nodes.append(node)
            elif tok.kind == "EOF":
                if not top:
                    raise self.error("unexpected EOF", tok.pos)
                return tuple(nodes), None
            else:
                raise self.unexpected(tok, "input")

    def action(self, top: bool) -> Any:
        tok = self.next_non_space()
        if tok.kind == "KEYWORD":
            kw = tok.val
            if kw in ("if", "with", "range"):
                return self.control(kw, tok.pos)
            if kw == "end":
                self.expect("RIGHT", "end")
                return _End(tok.pos, "end", False)
            if kw == "else":
                if self.peek_non_space().val == "if" and self.peek_non_space().kind == "KEYWORD":
                    while self.peek().kind == "SPACE":
                        self.i += 1
                    return _End(tok.pos, "else", True)
                self.expect("RIGHT", "else")
                return _End(tok.pos, "else", False)
            if kw in ("break", "continue"):
                return self.jump(kw, tok)
            if kw == "template":
                return self.template_call(tok, "template clause")
            if kw == "block":
                return self.block(tok)
            if kw == "define" and top:
                self.define(tok)
                return None
        self.i -= 1
        return Action(tok.pos, self.pipeline("command", "RIGHT"))

    def jump(self, kw: str, tok: Token) -> Jump:
        nxt = self.next_non_space()
        if nxt.kind != "RIGHT":
            raise self.unexpected(nxt, f"{{{{{kw}}}}}")
        if not self.range_depth:
            raise self.error(f"{{{{{kw}}}}} outside {{{{range}}}}", tok.pos)
        return Jump(tok.pos, kw)

    def control(self, kind: str, pos: int) -> Control:
        mark = len(self.vars)
        pipe = self.pipeline(kind, "RIGHT")
        if kind == "range":
            self.range_depth += 1
        body, end = self.item_list()
        if kind == "range":
            self.range_depth -= 1
        else_body: tuple[Any, ...] | None = None
        assert end is not None
        if end.kind == "else":
            if end.else_if and kind == "if":
                self.next()  # the "if"
                else_body = (self.control("if", end.pos),)
            else:
                else_body, end2 = self.item_list()
                if end2 is None or end2.kind != "end":
                    raise self.error("expected end; found {{else}}", end.pos)
        del self.vars[mark:]
        return Control(pos, kind, pipe, body, else_body)

    def template_name(self, context: str) -> str:
        tok = self.next_non_space()
        if tok.kind not in ("STRING", "RAWSTRING"):
            raise self.unexpected(tok, context)
        try:
            return unquote(tok.val)
        except ValueError as exc:
            raise self.error(str(exc), tok.pos) from None

    def template_call(self, tok: Token, context: str) -> Call:
        name_pos = self.peek_non_space().pos
        name = self.template_name(context)
        pipe = None
        if self.peek_non_space().kind != "RIGHT":
            pipe = self.pipeline(context, "RIGHT")
        else:
            self.next_non_space()
        return Call(name_pos, name, pipe)

    def define(self, tok: Token) -> None:
        name = self.template_name("define clause")
        self.expect("RIGHT", "define clause")
        saved, self.vars = self.vars, ["$"]
        body, end = self.item_list()
        self.vars = saved
        if end is None or end.kind != "end":
            raise self.error("unexpected {{else}} in define clause", tok.pos)
        self.defines[name] = body

    def block(self, tok: Token) -> Call:
        call = self.template_call(tok, "block clause")
        saved, self.vars = self.vars, ["$"]
        body, end = self.item_list()
        self.vars = saved
        if end is None or end.kind != "end":
            raise self.error("unexpected {{else}} in block clause", tok.pos)
        self.defines[call.name] = body
        return call

    # pipelines
    def declarations(self, context: str) -> tuple[list[str], bool]:
        decls: list[str] = []
        while self.peek_non_space().kind == "VAR":
            save = self.i
            var = self.next_non_space()
            nxt = self.peek_non_space()
            if nxt.kind in ("ASSIGN", "DECLARE"):
                self.next_non_space()
                decls.append(var.val)
                self.vars.append(var.val)
                return decls, nxt.kind == "ASSIGN"
            if nxt.kind != "COMMA":
                self.i = save
                break
            self.next_non_space()
            decls.append(var.val)
            self.vars.append(var.val)
            if context != "range" or len(decls) >= 2:
                raise self.error(f"too many declarations in {context}", nxt.pos)
            if self.peek_non_space().kind not in ("VAR", "RIGHT", "RPAREN"):
                raise self.error("range can only initialize variables", nxt.pos)
        return decls, False

    def pipeline(self, context: str, end: str) -> Pipe:
        pos = self.peek_non_space().pos
        decls, is_assign = self.declarations(context)
        cmds: list[Command] = []
        while True:
            tok = self.next_non_space()
            if tok.kind == end:
                break
            if tok.kind not in _OPERAND_START:
                raise self.unexpected(tok, context)
            self.i -= 1
            cmds.append(self.command())
        if not cmds:
            raise self.error(f"missing value for {context}", tok.pos)
        for n, cmd in enumerate(cmds[1:], start=2):
            first = cmd.args[0]
            if isinstance(first, Literal):
                raise self.error(f"non executable command in pipeline stage {n}", cmd.pos)
        return Pipe(pos, tuple(decls), is_assign, tuple(cmds))

    def command(self) -> Command:
        pos = self.peek_non_space().pos
        args: list[Any] = []
        while True:
            while self.peek().kind == "SPACE":
                self.i += 1
            operand = self.operand()
            if operand is not None:
                args.append(operand)
            tok = self.next()
            if tok.kind == "SPACE":
                continue
            if tok.kind in ("RIGHT", "RPAREN"):
                self.i -= 1
            elif tok.kind != "PIPE":
                raise self.unexpected(tok, "operand")
            break
        if not args:
            raise self.error("empty command", pos)
        return Command(pos, tuple(args))

    def operand(self) -> Any:
        node = self.term()
        if node is None or self.peek().kind != "FIELD":
            return node
        idents: list[str] = []
        chain_pos = self.peek().pos
        while self.peek().kind == "FIELD":
            idents.append(self.next().val[1:])
        if isinstance(node, Field):
            return Field(node.pos, node.idents + tuple(idents))
        if isinstance(node, Var):
            return Var(chain_pos, node.name, node.idents + tuple(idents))
        if isinstance(node, Literal):
            raise self.error(f"unexpected . after term {go_quote(str(node))}", node.pos)
        return Chain(node.pos, node, tuple(idents))

    def term(self) -> Any:
        tok = self.next_non_space()
        kind = tok.kind
        if kind == "IDENT":
            if tok.val not in self.funcs:
                raise self.error(f'function "{tok.val}" not defined', tok.pos)
            return Ident(tok.pos, tok.val)
        if kind == "DOT":
            return Literal(tok.pos, "DOT", None, ".")
        if kind == "NIL":
            return Literal(tok.pos, "NIL", None, "nil")
        if kind == "BOOL":
            return Literal(tok.pos, "BOOL", tok.val == "true", tok.val)
        if kind == "VAR":
            if tok.val not in self.vars:
                raise self.error(f'undefined variable "{tok.val}"', tok.pos)
            return Var(tok.pos, tok.val, ())
        if kind == "FIELD":
            return Field(tok.pos, (tok.val[1:],))
        if kind == "LPAREN":
            return self.pipeline("parenthesized pipeline", "RPAREN")
        return self.literal(tok)

    def literal(self, tok: Token) -> Literal | None:
        try:
            if tok.kind in ("STRING", "RAWSTRING"):
                return Literal(tok.pos, "STRING", unquote(tok.val), tok.val)
            if tok.kind == "NUMBER":
                return Literal(tok.pos, "NUMBER", parse_number(tok.val), tok.val)
            if tok.kind == "CHAR":
                value = unquote(tok.val)
                if len(value) != 1:
                    raise ValueError(f"malformed character constant: {tok.val}")
                return Literal(tok.pos, "NUMBER", ord(value), tok.val)
        except ValueError as exc:
            raise self.error(str(exc), tok.pos) from None
        self.i -= 1
        return None
