"""Pinning a composed ruleset for replay: one version id and one snapshot for DEFAULT + state.

A state's rules run after the DEFAULT file's, so a decision depends on both files. The version a
decision records hashes both file hashes; the snapshot keeps both texts, and ``restore`` compiles
them again into the very same composition.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from saas.canonical import sha256_hex
from saas.errors import ConfigError, ConfigIssue, Location
from saas.rules.ruleset import CompiledRuleset
from saas.rules.service import DEFAULT_STATE, compile_source


class RulesetSnapshot(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    state_text: str
    default_text: str | None = None


def version_of(ruleset: CompiledRuleset) -> str:
    """The pinned version: the state file's hash, combined with the DEFAULT file's when composed."""
    if ruleset.base is None:
        return ruleset.content_hash
    return sha256_hex(f"{ruleset.base.content_hash}:{ruleset.content_hash}")


def _text(directory: Path, state: str, expected_hash: str) -> str:
    path = directory / ("default.yaml" if state == DEFAULT_STATE else f"{state}.yaml")
    text = path.read_bytes().decode("utf-8")
    if sha256_hex(text) != expected_hash:
        raise ConfigError([ConfigIssue("ruleset file changed after it was loaded; reload the process",
                                       Location(str(path), 1, 1))])
    return text


def snapshot_of(ruleset: CompiledRuleset, directory: Path) -> str:
    """The JSON snapshot of a loaded ruleset, read back from its files and checked against its hashes."""
    base = ruleset.base
    snapshot = RulesetSnapshot(
        state_text=_text(directory, ruleset.state, ruleset.content_hash),
        default_text=_text(directory, DEFAULT_STATE, base.content_hash) if base is not None else None,
    )
    return msgspec.json.encode(snapshot).decode()


def restore(snapshot_json: str, label: str) -> CompiledRuleset:
    snapshot = msgspec.json.decode(snapshot_json, type=RulesetSnapshot)
    ruleset = compile_source(snapshot.state_text, f"{label}:state")
    if snapshot.default_text is None:
        return ruleset
    return ruleset.composed_with(compile_source(snapshot.default_text, f"{label}:default"))
