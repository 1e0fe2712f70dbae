"""Phase 2: tokens → AST by precedence climbing, with located syntax errors.

Comparisons do not chain (``a < b < c`` is an error, not Python's silent conjunction) and lists
appear only after ``in``: both are common slips in hand-written rules that should fail at load.
"""

from __future__ import annotations

import datetime as dt

from saas.rules.ast import COMPARISONS, PRECEDENCE, Binary, Call, IsNull, Literal, Membership, Node, Path, Unary, depth
from saas.rules.errors import RuleSyntaxError, Span
from saas.rules.lexer import Token, tokenize

MAX_EXPRESSION_CHARS = 2_000
"""Longest ``when`` accepted; real conditions are one or two lines."""

MAX_DEPTH = 64
"""Deepest AST accepted; keeps every later phase's recursion far from Python's limit."""

_BINARY = {"or": 1, "and": 2, "+": 5, "-": 5, "*": 6, "/": 6, **{op: PRECEDENCE["cmp"] for op in COMPARISONS}}


def parse(text: str) -> Node:
    """Parse one expression, enforcing the length and depth limits."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise RuleSyntaxError(
            f"expression is {len(text)} characters; the limit is {MAX_EXPRESSION_CHARS}", Span(0, 1)
        )
    parser = _Parser(tokenize(text))
    tree = parser.expression(1)
    if parser.peek().kind != "end":
        raise parser.unexpected("an operator or the end of the expression")
    if depth(tree) > MAX_DEPTH:
        raise RuleSyntaxError(f"expression nests deeper than {MAX_DEPTH} levels", tree.span)
    return tree


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.nesting = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    def expect(self, text: str) -> Token:
        if self.peek().text != text or self.peek().kind not in ("op", "keyword"):
            raise self.unexpected(f"'{text}'")
        return self.advance()

    def unexpected(self, wanted: str) -> RuleSyntaxError:
        token = self.peek()
        got = "the end of the expression" if token.kind == "end" else f"'{token.text}'"
        return RuleSyntaxError(f"expected {wanted}, got {got}", token.span)

    def expression(self, floor: int) -> Node:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise RuleSyntaxError(f"expression nests deeper than {MAX_DEPTH} levels", self.peek().span)
        left = self.prefix(floor)
        compared = False
        while True:
            token = self.peek()
            prec = self.binding(token)
            if prec is None or prec < floor:
                break
            if prec == PRECEDENCE["cmp"]:
                if compared:
                    raise RuleSyntaxError("comparisons cannot be chained; join them with 'and'", token.span)
                compared = True
                left = self.comparison(left)
                continue
            self.advance()
            right = self.expression(prec + 1)
            left = Binary(token.text, left, right, span=Span(left.span.start, right.span.end))
        self.nesting -= 1
        return left

    def binding(self, token: Token) -> int | None:
        if token.kind == "keyword" and token.text in ("in", "is"):
            return PRECEDENCE["cmp"]
        if token.kind == "keyword" and token.text == "not" and self.peek(1).text == "in":
            return PRECEDENCE["cmp"]
        if token.kind in ("op", "keyword"):
            return _BINARY.get(token.text)
        return None

    def comparison(self, left: Node) -> Node:
        token = self.advance()
        if token.text == "is":
            negated = self.peek().text == "not" and self.advance() is not None
            end = self.expect("null").span.end
            return IsNull(left, negated, span=Span(left.span.start, end))
        if token.text in ("in", "not"):
            negated = token.text == "not"
            if negated:
                self.advance()
            options, end = self.option_list()
            return Membership(left, options, negated, span=Span(left.span.start, end))
        right = self.expression(PRECEDENCE["cmp"] + 1)
        return Binary(token.text, left, right, span=Span(left.span.start, right.span.end))

    def option_list(self) -> tuple[tuple[Node, ...], int]:
        self.expect("[")
        options: list[Node] = []
        while self.peek().text != "]" or self.peek().kind != "op":
            options.append(self.expression(1))
            if self.peek().text != ",":
                break
            self.advance()
        return tuple(options), self.expect("]").span.end

    def prefix(self, floor: int) -> Node:
        token = self.peek()
        if token.kind == "keyword" and token.text == "not":
            if floor > PRECEDENCE["not"]:
                raise RuleSyntaxError("'not' binds loosely here; put it in parentheses: (not ...)", token.span)
            self.advance()
            operand = self.expression(PRECEDENCE["not"])
            return Unary("not", operand, span=Span(token.span.start, operand.span.end))
        if token.kind == "op" and token.text == "-":
            self.advance()
            operand = self.expression(PRECEDENCE["neg"])
            return Unary("-", operand, span=Span(token.span.start, operand.span.end))
        return self.primary()

    def primary(self) -> Node:
        token = self.advance()
        if token.kind == "number":
            return Literal("number", token.value, span=token.span)  # type: ignore[arg-type]
        if token.kind == "string":
            return Literal("string", token.value, span=token.span)  # type: ignore[arg-type]
        if token.kind == "keyword" and token.text in ("true", "false"):
            return Literal("bool", token.text == "true", span=token.span)
        if token.kind == "keyword" and token.text == "null":
            return Literal("null", None, span=token.span)
        if token.kind == "op" and token.text == "(":
            inner = self.expression(1)
            self.expect(")")
            return inner
        if token.kind == "name":
            return self.call(token) if self.peek().text == "(" else self.path(token)
        if token.kind == "op" and token.text == "[":
            raise RuleSyntaxError("a list is only allowed after 'in' or 'not in'", token.span)
        self.index -= 1
        raise self.unexpected("an expression")

    def path(self, first: Token) -> Node:
        parts, offsets, end = [first.text], [first.span.start], first.span.end
        while self.peek().text == "." and self.peek().kind == "op":
            self.advance()
            name = self.advance()
            if name.kind != "name":
                self.index -= 1
                raise self.unexpected("a field name after '.'")
            parts.append(name.text)
            offsets.append(name.span.start)
            end = name.span.end
        return Path(tuple(parts), tuple(offsets), span=Span(first.span.start, end))

    def call(self, name: Token) -> Node:
        self.expect("(")
        args: list[Node] = []
        while self.peek().text != ")" or self.peek().kind != "op":
            args.append(self.expression(1))
            if self.peek().text != ",":
                break
            self.advance()
        end = self.expect(")").span.end
        span = Span(name.span.start, end)
        if name.text == "date":
            return _date_literal(args, span)
        return Call(name.text, tuple(args), span=span)


def _date_literal(args: list[Node], span: Span) -> Literal:
    """``date("YYYY-MM-DD")`` is literal syntax, so a bad date fails at parse, not at rating."""
    if len(args) != 1 or not isinstance(args[0], Literal) or args[0].kind != "string":
        raise RuleSyntaxError('date() takes one string literal, e.g. date("2020-01-01")', span)
    try:
        value = dt.date.fromisoformat(str(args[0].value))
    except ValueError:
        raise RuleSyntaxError(f"invalid date {args[0].value!r}; expected YYYY-MM-DD", args[0].span) from None
    return Literal("date", value, span=span)
