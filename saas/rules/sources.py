"""Map a character offset inside a ``when`` string to ``file:line:col`` in the YAML file.

PyYAML gives the scalar node's start mark; from the character there we know the scalar's style.
Plain and quoted single-line scalars map exactly (offset + start column, + 1 past the quote);
multi-line and block scalars (``|``, ``>``) are walked line by line, each line break counting as
one character of the folded text. Escape sequences inside double quotes can shift the column.
"""

from __future__ import annotations

from saas.errors import Location
from saas.yamlio import SourceMap


def expression_location(smap: SourceMap, path: str, offset: int) -> Location:
    """Location of character ``offset`` of the string scalar at JSON path ``path``."""
    if path not in smap.marks:
        return smap.location(path)
    line, col = smap.marks[path]
    source = smap.lines[line - 1] if 0 < line <= len(smap.lines) else ""
    opener = source[col - 1] if 0 < col <= len(source) else ""
    block_col = None
    if opener in "|>":
        line, col = _first_block_line(smap, line)
        block_col = col
        source = smap.lines[line - 1] if line <= len(smap.lines) else ""
        first_end = len(source.rstrip())
    elif opener in "'\"":
        col += 1
        closing = source.find(opener, col - 1)
        first_end = closing if closing >= 0 else len(source.rstrip())
    else:
        first_end = len(source.split(" #")[0].rstrip())
    return _walk(smap, (line, col), first_end, offset, block_col)


def _first_block_line(smap: SourceMap, header: int) -> tuple[int, int]:
    for number in range(header + 1, len(smap.lines) + 1):
        text = smap.lines[number - 1]
        if text.strip():
            return number, len(text) - len(text.lstrip()) + 1
    return header, 1


def _walk(smap: SourceMap, start: tuple[int, int], first_end: int, offset: int, block_col: int | None) -> Location:
    """Consume ``offset`` characters across physical lines (one character per line break).

    Block scalars keep indentation beyond the block's own as content; plain and quoted ones drop it.
    """
    (line, col), remaining, end = start, offset, first_end
    while True:
        width = max(end - (col - 1), 0)
        if remaining <= width or line >= len(smap.lines):
            return smap.at(line, col + remaining)
        remaining -= width + 1
        line += 1
        text = smap.lines[line - 1]
        col = block_col if block_col is not None else len(text) - len(text.lstrip()) + 1
        end = len(text.rstrip())


class RuleSourceMap(SourceMap):
    """The file's source map seen from one rule, so per-rule decoding reports file positions."""

    def __init__(self, smap: SourceMap, prefix: str) -> None:
        self.__dict__.update(smap.__dict__)
        self.prefix = prefix

    def location(self, path: str, *, key: bool = False) -> Location:
        return super().location(self.prefix + path[1:], key=key)
