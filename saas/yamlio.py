"""Safe, located YAML loading into strict msgspec structs.

Partner admins edit tenant, ruleset and rate-table YAML by hand, so every problem must point at
``file:line:col``. PyYAML's node tree keeps marks; we compose nodes with a loader that refuses
anchors and aliases (alias bombs) and oversized files, build plain Python values while recording
where each JSON path came from, then let msgspec validate against the struct. msgspec stops at the
first error, so unknown keys and wrongly typed optional keys are removed and validation retried:
one run reports every such problem in the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import yaml

from saas.errors import FIELD_MARK, ConfigError, ConfigIssue, Location
from saas.suggestions import did_you_mean

MAX_YAML_BYTES = 256 * 1024
"""Largest configuration file accepted; real tenant and ruleset files are a few kilobytes."""

MAX_YAML_DEPTH = 32
"""Deepest nesting of mappings and lists accepted; real files nest five levels. Composing and
building are recursive, so without a cap a 2 KB file of nested lists exhausts the stack."""

MAX_RETRIES = 50
"""How many problems one file may report before we stop collecting."""

T = TypeVar("T")


class NoAliasLoader(yaml.SafeLoader):
    """A SafeLoader that refuses anchors and aliases outright instead of expanding them, and
    nesting deeper than ``MAX_YAML_DEPTH``."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", self.peek_event().start_mark
            )
        self.depth += 1
        try:
            return self._compose_checked(parent, index)
        finally:
            self.depth -= 1

    def _compose_checked(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases are not allowed in configuration files", event.start_mark
            )
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise yaml.composer.ComposerError(
                None, None, f"YAML anchors are not allowed (&{anchor})", event.start_mark
            )
        return super().compose_node(parent, index)


class SourceMap:
    """JSON path → location of the YAML node it came from, plus the file's lines for carets."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = text.splitlines()
        self.marks: dict[str, tuple[int, int]] = {}
        self.key_marks: dict[str, tuple[int, int]] = {}

    def location(self, path: str, *, key: bool = False) -> Location:
        """Locate ``path``, falling back to its nearest located ancestor."""
        probe = path
        table = self.key_marks if key else self.marks
        while probe:
            if probe in table:
                line, col = table[probe]
                return self.at(line, col)
            if key:
                table = self.marks
                key = False
                continue
            probe = _parent(probe)
        return self.at(1, 1)

    def at(self, line: int, col: int) -> Location:
        src = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Location(self.file, line, col, src)


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rfind("[")]
    return path[: path.rfind(".")] if "." in path else ""


def read_text(path: Path) -> str:
    """Read a config file, refusing oversized ones before parsing a byte of them."""
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise ConfigError(
            [ConfigIssue(f"file is {size} bytes; the limit is {MAX_YAML_BYTES}", Location(str(path), 1, 1))]
        )
    return path.read_text(encoding="utf-8")


def compose(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse YAML text into plain values and a source map; YAML errors become located issues."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # a lone surrogate (a JSON body may carry "\ud800"): not text
        before = text[:exc.start]
        where = Location(file, before.count("\n") + 1, exc.start - (before.rfind("\n") + 1) + 1)
        raise ConfigError([ConfigIssue("the text holds a lone surrogate, which is not a character", where)]) from None
    if size > MAX_YAML_BYTES:
        raise ConfigError([ConfigIssue(f"file exceeds {MAX_YAML_BYTES} bytes", Location(file, 1, 1))])
    smap = SourceMap(file, text)
    try:
        node = yaml.compose(text, Loader=NoAliasLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ConfigError([ConfigIssue(f"invalid YAML: {exc.problem}", smap.at(line, col))]) from None
    except yaml.reader.ReaderError as exc:  # a control character: the reader refuses it before any mark exists
        before = text[:exc.position]
        where = smap.at(before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1)
        problem = f"invalid YAML: character #x{exc.character:04x} is not allowed"
        raise ConfigError([ConfigIssue(problem, where)]) from None
    if node is None:
        return None, smap
    return _build(node, "$", smap), smap


def _build(node: yaml.Node, path: str, smap: SourceMap) -> Any:
    smap.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(NoAliasLoader.construct_scalar(_CONSTRUCTOR, key_node))
            child = f"{path}.{key}"
            smap.key_marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _build(value_node, child, smap)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, f"{path}[{i}]", smap) for i, item in enumerate(node.value)]
    if node.tag == _FLOAT_TAG and _DECIMAL_TEXT.match(node.value):
        return Decimal(node.value.replace("_", ""))
    return _CONSTRUCTOR.construct_object(node, deep=True)


_FLOAT_TAG = "tag:yaml.org,2002:float"
_DECIMAL_TEXT = re.compile(r"^[-+]?[0-9_]*\.?[0-9_]*([eE][-+]?[0-9]+)?$")
"""YAML floats are built as Decimal from their exact text: ``0.60`` stays 0.60, never 0.59999..."""

_CONSTRUCTOR = NoAliasLoader("")

_AT = re.compile(r" - at `(?P<path>\$[^`]*)`$")
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<field>[^`]+)`")


def decode(
    data: Any, smap: SourceMap, typ: type[T], *, suggest: Callable[[str], list[str]] | None = None
) -> tuple[T | None, list[ConfigIssue]]:
    """Convert plain data into ``typ``, collecting every unknown key and type error located."""
    issues: list[ConfigIssue] = []
    for _ in range(MAX_RETRIES):
        try:
            return msgspec.convert(data, typ, strict=False), issues
        except msgspec.ValidationError as exc:
            issue, repaired = _issue_from(exc, data, smap, typ)
            issues.append(issue)
            if not repaired:
                return None, issues
    return None, issues


def _issue_from(exc: msgspec.ValidationError, data: Any, smap: SourceMap, typ: type) -> tuple[ConfigIssue, bool]:
    text = str(exc)
    match = _AT.search(text)
    path = match.group("path") if match else "$"
    message = _AT.sub("", text)
    unknown = _UNKNOWN.match(message)
    if unknown:
        name = unknown.group("field")
        child = f"{path}.{name}"
        known = _fields_at(typ, path)
        hint = did_you_mean(name, known, cutoff=0.5) or (f"known keys: {', '.join(known)}" if known else None)
        issue = ConfigIssue(f"unknown key '{name}'", smap.location(child, key=True), child, hint)
        return issue, _remove(data, child)
    field = FIELD_MARK.match(message)
    if field:  # a struct's own check naming the field it refuses: locate the field, not the struct
        message, path = message[field.end():], f"{path}.{field.group('field')}"
    issue = ConfigIssue(message, smap.location(path), path)
    return issue, False


def _fields_at(typ: Any, path: str) -> list[str]:
    """Names of the struct fields expected at a JSON path, for 'did you mean' hints."""
    info: Any = msgspec.inspect.type_info(typ)
    for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        info = _unwrap(info)
        if part[0] and isinstance(info, msgspec.inspect.StructType):
            found = [f for f in info.fields if f.encode_name == part[0]]
            if not found:
                return []
            info = found[0].type
        elif part[1] and isinstance(info, msgspec.inspect.ListType | msgspec.inspect.TupleType):
            info = getattr(info, "item_type", None)
        elif isinstance(info, msgspec.inspect.DictType):
            info = info.value_type
    info = _unwrap(info)
    if isinstance(info, msgspec.inspect.StructType):
        return [f.encode_name for f in info.fields]
    return []


def _unwrap(info: Any) -> Any:
    if isinstance(info, msgspec.inspect.UnionType):
        structs = [t for t in info.types if isinstance(t, msgspec.inspect.StructType)]
        return structs[0] if structs else info
    return info


def _remove(data: Any, path: str) -> bool:
    parts = re.findall(r"\.([^.\[]+)|\[(\d+)\]", path)
    node = data
    for name, index in parts[:-1]:
        node = node[name] if name else node[int(index)]
    last_name, _ = parts[-1]
    if isinstance(node, dict) and last_name in node:
        del node[last_name]
        return True
    return False


def load_file(path: Path, typ: type[T]) -> tuple[T | None, SourceMap | None, list[ConfigIssue]]:
    """Read, compose and decode one file; never raises for a bad file, returns its issues."""
    try:
        text = read_text(path)
        data, smap = compose(text, str(path))
    except ConfigError as exc:
        return None, None, exc.issues
    if data is None:
        return None, smap, [ConfigIssue("file is empty", smap.at(1, 1))]
    value, issues = decode(data, smap, typ)
    return value, smap, issues
