"""The lexer of Go text/template: text and actions into tokens, as text/template/parse does.

Also home of TemplateError, the single error the template engine raises, so that the lexer,
parser and executor modules can all raise it without importing each other.
"""

from __future__ import annotations

from typing import NamedTuple

from pypod.errors import InvalidArgument

LEFT, RIGHT, TRIM = "{{", "}}", "-"
SPACES = " \t\r\n"
KEYWORDS = frozenset(
    {"block", "break", "continue", "define", "else", "end", "if", "range", "template", "with"}
)
# Characters after which an identifier, field or variable may end (Go's atTerminator).
TERMINATORS = frozenset(SPACES + ".,|:)(=")


class TemplateError(InvalidArgument):
    """A Go template failed to parse or execute; the message reads like Go's."""

    reason = "invalid template"


class _LexError(Exception):
    def __init__(self, pos: int, msg: str) -> None:
        super().__init__(msg)
        self.pos = pos
        self.msg = msg


def go_quote(s: str) -> str:
    """strconv.Quote for the ASCII-ish text that appears in error messages."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class Token(NamedTuple):
    kind: str  # TEXT LEFT RIGHT SPACE FIELD VAR IDENT KEYWORD DOT NIL BOOL NUMBER STRING
    # RAWSTRING CHAR LPAREN RPAREN PIPE DECLARE ASSIGN COMMA OTHER EOF
    val: str
    pos: int


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _is_alnum(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


class Lexer:
    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.tokens: list[Token] = []

    def error(self, pos: int, msg: str) -> _LexError:
        return _LexError(pos, msg)

    def run(self) -> list[Token]:
        text = self.text
        pos = 0
        trim_next = False
        while True:
            start = text.find(LEFT, pos)
            chunk = text[pos:] if start < 0 else text[pos:start]
            if trim_next:
                chunk = chunk.lstrip(SPACES)
            trim_left = start >= 0 and text.startswith(TRIM, start + 2)
            trim_left = trim_left and text[start + 3 : start + 4] in tuple(SPACES)
            if trim_left:
                chunk = chunk.rstrip(SPACES)
            if chunk:
                self.tokens.append(Token("TEXT", chunk, pos))
            if start < 0:
                break
            pos = start + 2 + (2 if trim_left else 0)
            if text.startswith("/*", pos):
                try:
                    pos, trim_next = self._comment(pos)
                except _LexError as exc:
                    self.tokens.append(Token("ERROR", exc.msg, exc.pos))
                    return self.tokens
                continue
            self.tokens.append(Token("LEFT", LEFT, start))
            try:
                pos, trim_next = self._action(pos)
            except _LexError as exc:
                # Like Go's lexer, stop with an error token: the parser may fail earlier.
                self.tokens.append(Token("ERROR", exc.msg, exc.pos))
                return self.tokens
        self.tokens.append(Token("EOF", "", len(text)))
        return self.tokens

    def _at_right(self, pos: int) -> tuple[int, bool] | None:
        """End of the right delimiter at pos, and whether it trims, or None."""
        text = self.text
        if text[pos : pos + 1] in tuple(SPACES) and text.startswith(TRIM + RIGHT, pos + 1):
            return pos + 4, True
        if text.startswith(RIGHT, pos):
            return pos + 2, False
        return None

    def _comment(self, pos: int) -> tuple[int, bool]:
        end = self.text.find("*/", pos + 2)
        if end < 0:
            raise self.error(pos, "unclosed comment")
        right = self._at_right(end + 2)
        if right is None:
            raise self.error(pos, "comment ends before closing delimiter")
        return right

    def _action(self, pos: int) -> tuple[int, bool]:
        text = self.text
        depth = 0
        n = len(text)
        while True:
            right = self._at_right(pos)
            if right is not None and depth == 0:
                self.tokens.append(Token("RIGHT", RIGHT, pos))
                return right
            if right is not None:
                raise self.error(pos, "unclosed left paren")
            if pos >= n:
                raise self.error(pos, "unclosed action")
            ch = text[pos]
            if ch in SPACES:
                end = pos
                while end < n and text[end] in SPACES:
                    end += 1
                # A space followed by "-}}" belongs to the closing delimiter.
                if self._at_right(end - 1) is not None and text[end - 1] != "}":
                    end -= 1
                if end > pos:
                    self.tokens.append(Token("SPACE", text[pos:end], pos))
                pos = end
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth < 0:
                    self.tokens.append(Token("RPAREN", ch, pos))
                    raise self.error(pos, "unexpected right paren")
            pos = self._one(pos, ch)

    def _one(self, pos: int, ch: str) -> int:
        """Lex one token starting at pos (not a space) and return the position after it."""
        text = self.text
        simple = {"(": "LPAREN", ")": "RPAREN", "|": "PIPE", "=": "ASSIGN", ",": "COMMA"}
        if ch in simple:
            self.tokens.append(Token(simple[ch], ch, pos))
            return pos + 1
        if ch == ":":
            if not text.startswith(":=", pos):
                raise self.error(pos, "expected :=")
            self.tokens.append(Token("DECLARE", ":=", pos))
            return pos + 2
        if ch == '"':
            return self._quoted(pos, '"', "STRING", "unterminated quoted string")
        if ch == "'":
            return self._quoted(pos, "'", "CHAR", "unterminated character constant")
        if ch == "`":
            end = text.find("`", pos + 1)
            if end < 0:
                raise self.error(pos, "unterminated raw quoted string")
            self.tokens.append(Token("RAWSTRING", text[pos : end + 1], pos))
            return end + 1
        if ch == "$":
            return self._word(pos, pos + 1, "VAR")
        if ch == "." and not text[pos + 1 : pos + 2].isdigit():
            return self._word(pos, pos + 1, "FIELD")
        if ch in "+-." or ch.isdigit():
            return self._number(pos)
        if _is_alnum(ch):
            return self._word(pos, pos, "IDENT")
        if ch.isascii() and ch.isprintable():
            self.tokens.append(Token("OTHER", ch, pos))
            return pos + 1
        raise self.error(pos, f"unrecognized character in action: U+{ord(ch):04X}")

    def _word(self, pos: int, start: int, kind: str) -> int:
        text = self.text
        end = start
        while end < len(text) and _is_alnum(text[end]):
            end += 1
        word = text[pos:end]
        if end < len(text) and text[end] not in TERMINATORS and self._at_right(end) is None:
            raise self.error(pos, f"bad character U+{ord(text[end]):04X} {text[end]!r}")
        if kind == "FIELD" and word == ".":
            kind = "DOT"
        elif kind == "IDENT":
            if word in KEYWORDS:
                kind = "KEYWORD"
            elif word in ("true", "false"):
                kind = "BOOL"
            elif word == "nil":
                kind = "NIL"
        self.tokens.append(Token(kind, word, pos))
        return end

    def _quoted(self, pos: int, quote: str, kind: str, unterminated: str) -> int:
        text = self.text
        i = pos + 1
        while True:
            if i >= len(text) or text[i] == "\n":
                raise self.error(pos, unterminated)
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == quote:
                break
            i += 1
        self.tokens.append(Token(kind, text[pos : i + 1], pos))
        return i + 1

    def _number(self, pos: int) -> int:
        text = self.text
        i = pos
        if text[i] in "+-":
            i += 1
        digits = "0123456789_"
        exp_chars = "eE"
        if text.startswith("0", i) and text[i + 1 : i + 2] in ("x", "X", "o", "O", "b", "B"):
            kind = text[i + 1].lower()
            digits = {"x": "0123456789abcdefABCDEF_", "o": "01234567_", "b": "01_"}[kind]
            exp_chars = "pP" if kind == "x" else ""
            i += 2
        while i < len(text) and text[i] in digits:
            i += 1
        if text.startswith(".", i):
            i += 1
            while i < len(text) and text[i] in digits:
                i += 1
        if exp_chars and i < len(text) and text[i] in exp_chars:
            i += 1
            if text[i : i + 1] in ("+", "-"):
                i += 1
            while i < len(text) and text[i] in "0123456789_":
                i += 1
        if i < len(text) and (_is_alnum(text[i]) or text[i] == "."):
            raise self.error(pos, f"bad number syntax: {go_quote(text[pos : i + 1])}")
        self.tokens.append(Token("NUMBER", text[pos:i], pos))
        return i
