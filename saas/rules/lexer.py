"""Phase 1: text → tokens, each with its character span in the ``when`` string.

Spans are offsets into the expression text; the service adds the YAML scalar's position so every
later error (parse, type, arity) can point at ``file:line:col`` of the exact token.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from saas.rules.errors import RuleSyntaxError, Span

KEYWORDS = frozenset({"and", "or", "not", "in", "is", "true", "false", "null"})
"""Reserved words: they can never be field names, so a field path is always unambiguous."""

OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",", ".")
DIGITS = frozenset("0123456789")
"""ASCII digits only: ``str.isdigit`` also accepts '²', which Decimal cannot read."""
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    """``number``, ``string``, ``name``, ``keyword``, ``op`` or ``end``."""
    text: str
    span: Span
    value: object = None


def tokenize(text: str) -> list[Token]:
    """Split an expression; a stray character is a located syntax error, not a skipped byte."""
    tokens: list[Token] = []
    pos, size = 0, len(text)
    while pos < size:
        char = text[pos]
        if char.isspace():
            pos += 1
        elif char in DIGITS:
            pos = _number(text, pos, tokens)
        elif char in "\"'":
            pos = _string(text, pos, tokens)
        elif char.isalpha() or char == "_":
            end = pos
            while end < size and (text[end].isalnum() or text[end] == "_") and text[end].isascii():
                end += 1
            if end == pos:
                raise RuleSyntaxError(f"unexpected character {char!r}", Span(pos, pos + 1))
            word = text[pos:end]
            tokens.append(Token("keyword" if word in KEYWORDS else "name", word, Span(pos, end)))
            pos = end
        else:
            pos = _operator(text, pos, tokens)
    tokens.append(Token("end", "", Span(size, size)))
    return tokens


def _number(text: str, pos: int, tokens: list[Token]) -> int:
    end = pos
    while end < len(text) and text[end] in DIGITS:
        end += 1
    if end + 1 < len(text) and text[end] == "." and text[end + 1] in DIGITS:
        end += 1
        while end < len(text) and text[end] in DIGITS:
            end += 1
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        raise RuleSyntaxError(f"malformed number {text[pos:end + 1]!r}", Span(pos, end + 1))
    raw = text[pos:end]
    tokens.append(Token("number", raw, Span(pos, end), Decimal(raw)))
    return end


def _string(text: str, pos: int, tokens: list[Token]) -> int:
    quote, end, out = text[pos], pos + 1, []
    while end < len(text) and text[end] != quote:
        if text[end] == "\\":
            escaped = text[end + 1] if end + 1 < len(text) else ""
            if escaped not in _ESCAPES:
                raise RuleSyntaxError(f"unknown escape '\\{escaped}' in string", Span(end, end + 2))
            out.append(_ESCAPES[escaped])
            end += 2
        else:
            out.append(text[end])
            end += 1
    if end >= len(text):
        raise RuleSyntaxError("unterminated string", Span(pos, len(text)))
    tokens.append(Token("string", text[pos:end + 1], Span(pos, end + 1), "".join(out)))
    return end + 1


def _operator(text: str, pos: int, tokens: list[Token]) -> int:
    for op in OPERATORS:
        if text.startswith(op, pos):
            tokens.append(Token("op", op, Span(pos, pos + len(op))))
            return pos + len(op)
    raise RuleSyntaxError(f"unexpected character {text[pos]!r}", Span(pos, pos + 1))
