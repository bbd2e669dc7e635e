"""The executor of Go text/template: walks the parsed tree over Python data.

Field lookup (``.Name``): a mapping is indexed by key (a missing key gives MISSING, printed
"<no value>" as Go prints an absent map entry); any other object has its attribute read, and
when the Go-style name is absent its snake_case spelling (``.CreatedAt`` -> ``created_at``)
so that Python dataclasses can stand behind Podman's field names. A bound method is called
with the action's arguments, as Go calls methods. Names starting with "_" are never exposed.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Mapping
from typing import Any

from pypod.format.gotemplate_fmt import MISSING, format_value, go_type_name
from pypod.format.gotemplate_funcs import FUNCS, FuncError, check_literal, check_value, truth
from pypod.format.gotemplate_lex import TemplateError
from pypod.format.gotemplate_parse import (
    Action,
    Call,
    Chain,
    Command,
    Control,
    Field,
    Ident,
    Jump,
    Literal,
    Pipe,
    Text,
    Var,
)

_NOFINAL: Any = object()  # no value piped in from the previous command
_ABSENT: Any = object()
_MAX_DEPTH = 100
_SCALARS = (str, int, float, bool, bytes, list, tuple, type(None))
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def snake_case(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


class Executor:
    """One execution of a template; holds the variable stack and the current node."""

    def __init__(self, name: str, text: str, defines: Mapping[str, tuple[Any, ...]]) -> None:
        self.name = name
        self.text = text
        self.defines = defines
        self.vars: list[list[Any]] = []
        self.node: Any = None
        self.depth = 0

    def error(self, msg: str) -> TemplateError:
        node = self.node
        if node is None:
            return TemplateError(f"template: {self.name}: {msg}")
        pos = node.pos
        head = self.text[:pos]
        nl = head.rfind("\n")
        col = pos if nl < 0 else pos - nl - 1
        line = head.count("\n") + 1
        where = f"{self.name}:{line}:{col}"
        return TemplateError(f'template: {where}: executing "{self.name}" at <{node}>: {msg}')

    def run(self, nodes: tuple[Any, ...], data: Any) -> str:
        out: list[str] = []
        self.vars = [["$", data]]
        self.walk(data, nodes, out)
        return "".join(out)

    # statements
    def walk(self, dot: Any, nodes: tuple[Any, ...], out: list[str]) -> None:
        for node in nodes:
            kind = type(node)
            if kind is Text:
                out.append(node.text)
            elif kind is Action:
                val = self.eval_pipe(dot, node.pipe)
                if not node.pipe.decls:
                    out.append(val if type(val) is str else format_value(val))
            elif kind is Control:
                self.control(dot, node, out)
            elif kind is Jump:
                raise _Break() if node.kind == "break" else _Continue()
            elif kind is Call:
                self.call_template(dot, node, out)

    def control(self, dot: Any, node: Control, out: list[str]) -> None:
        mark = len(self.vars)
        if node.kind == "range":
            self.range(dot, node, out)
        else:
            val = self.eval_pipe(dot, node.pipe)
            if truth(val):
                self.walk(val if node.kind == "with" else dot, node.body, out)
            elif node.else_body is not None:
                self.walk(dot, node.else_body, out)
        del self.vars[mark:]

    def _range_items(self, node: Control, val: Any) -> Iterable[tuple[Any, Any]] | None:
        if val is MISSING or val is None:
            return None
        if isinstance(val, list | tuple):
            return enumerate(val)
        if isinstance(val, Mapping):
            try:
                return sorted(val.items(), key=lambda kv: kv[0])
            except TypeError:
                return list(val.items())
        if isinstance(val, Iterable) and not isinstance(val, str | bytes):
            return enumerate(list(val))
        self.node = node.pipe
        raise self.error(f"range can't iterate over {format_value(val)}")

    def range(self, dot: Any, node: Control, out: list[str]) -> None:
        pipe = node.pipe
        val = self.eval_cmds(dot, pipe)
        for name in pipe.decls:
            if pipe.is_assign:
                self.set_var(name, val)
            else:
                self.vars.append([name, val])
        items = self._range_items(node, val)
        mark = len(self.vars)
        ran = False
        for key, elem in items or ():
            ran = True
            decls = pipe.decls
            if decls:
                self.vars[mark - 1][1] = elem
                if len(decls) == 2:
                    self.vars[mark - 2][1] = key
            try:
                self.walk(elem, node.body, out)
            except _Continue:
                pass
            except _Break:
                break
            finally:
                del self.vars[mark:]
        if not ran and node.else_body is not None:
            self.walk(dot, node.else_body, out)

    def call_template(self, dot: Any, node: Call, out: list[str]) -> None:
        self.node = node
        body = self.defines.get(node.name)
        if body is None:
            raise self.error(f'template "{node.name}" not defined')
        if self.depth >= _MAX_DEPTH:
            raise self.error(f"exceeded maximum template depth ({_MAX_DEPTH})")
        new_dot = MISSING if node.pipe is None else self.eval_pipe(dot, node.pipe)
        saved, self.vars = self.vars, [["$", new_dot]]
        self.depth += 1
        try:
            self.walk(new_dot, body, out)
        finally:
            self.depth -= 1
            self.vars = saved

    # variables
    def get_var(self, name: str) -> Any:
        for entry in reversed(self.vars):
            if entry[0] == name:
                return entry[1]
        raise self.error(f"undefined variable: {name}")

    def set_var(self, name: str, value: Any) -> None:
        for entry in reversed(self.vars):
            if entry[0] == name:
                entry[1] = value
                return
        raise self.error(f"undefined variable: {name}")

    # expressions
    def eval_cmds(self, dot: Any, pipe: Pipe) -> Any:
        val = _NOFINAL
        for cmd in pipe.cmds:
            val = self.eval_cmd(dot, cmd, val)
        return val

    def eval_pipe(self, dot: Any, pipe: Pipe) -> Any:
        val = _NOFINAL
        for cmd in pipe.cmds:
            val = self.eval_cmd(dot, cmd, val)
        for name in pipe.decls:
            if pipe.is_assign:
                self.set_var(name, val)
            else:
                self.vars.append([name, val])
        return val

    def eval_cmd(self, dot: Any, cmd: Command, final: Any) -> Any:
        first = cmd.args[0]
        kind = type(first)
        if kind is Field:
            return self.field_chain(dot, dot, first, first.idents, cmd.args, final)
        if kind is Ident:
            return self.call_func(dot, first, cmd.args, final)
        if kind is Var:
            self.node = first
            value = self.get_var(first.name)
            if not first.idents:
                self.not_a_function(cmd.args, final)
                return value
            return self.field_chain(dot, value, first, first.idents, cmd.args, final)
        if kind is Chain:
            self.node = first
            if isinstance(first.node, Literal) and first.node.kind == "NIL":
                raise self.error(f"indirection through explicit nil in {first}")
            receiver = self.eval_arg(dot, first.node)
            # Go reports failures here at the term the fields hang off.
            at = first.node
            if type(at) is Pipe:
                at = at.cmds[-1].args[-1]
            at = at if type(at) is Literal else first
            return self.field_chain(dot, receiver, at, first.idents, cmd.args, final)
        self.node = first
        self.not_a_function(cmd.args, final)
        if kind is Pipe:
            return self.eval_pipe(dot, first)
        if first.kind == "NIL":
            raise self.error("nil is not a command")
        return dot if first.kind == "DOT" else first.value

    def not_a_function(self, args: tuple[Any, ...], final: Any) -> None:
        if len(args) > 1 or final is not _NOFINAL:
            raise self.error(f"can't give argument to non-function {args[0]}")

    def eval_arg(self, dot: Any, node: Any) -> Any:
        kind = type(node)
        if kind is Field:
            return self.field_chain(dot, dot, node, node.idents, (node,), _NOFINAL)
        if kind is Var:
            self.node = node
            value = self.get_var(node.name)
            if not node.idents:
                return value
            return self.field_chain(dot, value, node, node.idents, (node,), _NOFINAL)
        if kind is Pipe:
            return self.eval_pipe(dot, node)
        if kind is Ident:
            return self.call_func(dot, node, (node,), _NOFINAL)
        if kind is Chain:
            return self.eval_cmd(dot, Command(node.pos, (node,)), _NOFINAL)
        if node.kind == "DOT":
            return dot
        return node.value

    def field_chain(
        self, dot: Any, receiver: Any, node: Any, idents: tuple[str, ...], args: Any, final: Any
    ) -> Any:
        self.node = node
        last = len(idents) - 1
        for i, name in enumerate(idents):
            if i == last:
                return self.field(dot, name, args, final, receiver)
            receiver = self.field(dot, name, (), _NOFINAL, receiver)
        return receiver

    def field(self, dot: Any, name: str, args: Any, final: Any, receiver: Any) -> Any:
        if receiver is MISSING:
            return MISSING
        has_args = len(args) > 1 or final is not _NOFINAL
        if type(receiver) is dict or isinstance(receiver, Mapping):
            if has_args:
                raise self.error(f"{name} is not a method but has arguments")
            return receiver.get(name, MISSING)
        if receiver is None:
            raise self.error(f"nil pointer evaluating interface {{}}.{name}")
        value = _ABSENT
        if not name.startswith("_") and not isinstance(receiver, _SCALARS):
            value = _getattr(receiver, name)
            if value is _ABSENT:
                value = _getattr(receiver, snake_case(name))
        if value is _ABSENT:
            typ = go_type_name(receiver)
            raise self.error(f"can't evaluate field {name} in type {typ}")
        if isinstance(value, types.MethodType):
            call_args = [self.eval_arg(dot, a) for a in args[1:]]
            if final is not _NOFINAL:
                call_args.append(final)
            try:
                return value(*call_args)
            except TemplateError:
                raise
            except Exception as exc:
                raise self.error(f"error calling {name}: {exc}") from None
        if has_args:
            raise self.error(f"{name} has arguments but cannot be invoked as function")
        return value

    def call_func(self, dot: Any, ident: Ident, args: tuple[Any, ...], final: Any) -> Any:
        self.node = ident
        name = ident.name
        fn = FUNCS[name]
        n = len(args) - 1 + (final is not _NOFINAL)
        if n < len(fn.params) or (fn.variadic is None and n > len(fn.params)):
            want = f"at least {len(fn.params)}" if fn.variadic else str(len(fn.params))
            raise self.error(f"wrong number of args for {name}: want {want} got {n}")
        if name in ("and", "or"):
            return self.and_or(dot, name == "and", args[1:], final)
        values = [self.typed_arg(dot, a, fn.param(i)) for i, a in enumerate(args[1:])]
        if final is not _NOFINAL:
            msg = check_value(final, fn.param(len(values)))
            if msg:
                raise self.error(msg)
            values.append(final)
        try:
            return fn.impl(*values)
        except FuncError as exc:
            self.node = Command(ident.pos, args)
            msg = str(exc) if exc.plain else f"error calling {name}: {exc}"
            raise self.error(msg) from None
        except (ValueError, TypeError, OverflowError, KeyError, IndexError) as exc:
            # A bug or an odd value in a builtin must still read as a template error.
            self.node = Command(ident.pos, args)
            raise self.error(f"error calling {name}: {exc}") from None

    def typed_arg(self, dot: Any, node: Any, typ: str) -> Any:
        if typ != "any" and type(node) is Literal and node.kind != "DOT":
            value, msg = check_literal(node.kind, node.value, node.text, typ)
        else:
            value = self.eval_arg(dot, node)
            msg = check_value(value, typ)
        if msg:
            self.node = node
            raise self.error(msg)
        return value

    def and_or(self, dot: Any, is_and: bool, args: tuple[Any, ...], final: Any) -> Any:
        val: Any = None
        for a in args:
            val = self.eval_arg(dot, a)
            if truth(val) != is_and:
                break
        else:
            if final is not _NOFINAL:
                val = final
        # A nil result comes back as Go's empty interface, printed "<no value>".
        return MISSING if val is None else val


def _getattr(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name, _ABSENT)
    except Exception as exc:
        raise TemplateError(f"template: error evaluating field {name}: {exc}") from None
