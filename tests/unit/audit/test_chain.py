"""Canonical JSON and the hash chain, without any database."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas.audit.chain import (
    GENESIS_HASH,
    ChainVerifier,
    canonical_json,
    chain_hash,
    entry_body,
    link_hash,
    seal,
    utc_timestamp,
)
from saas.audit.schemas import NewEntry
from tests.unit.audit.chain_helpers import build_chain

pytestmark = pytest.mark.unit

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=12)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


def test_canonical_json_sorts_keys_drops_spaces_and_keeps_utf8() -> None:
    assert canonical_json({"b": 1, "a": {"z": [1, 2], "y": "é"}}) == '{"a":{"y":"é","z":[1,2]},"b":1}'.encode()


def test_canonical_json_writes_decimals_and_datetimes_as_strings() -> None:
    moment = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    assert canonical_json({"p": Decimal("1234.50"), "t": moment}) == b'{"p":"1234.50","t":"2026-03-01T12:00:00Z"}'


@given(json_values)
def test_canonical_json_is_stable_through_a_decode(value: object) -> None:
    once = canonical_json(value)
    assert canonical_json(msgspec.json.decode(once)) == once


def test_timestamps_are_fixed_width_utc() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    assert utc_timestamp(dt.datetime(2026, 3, 1, 13, 0, tzinfo=paris)) == "2026-03-01T12:00:00.000000Z"
    assert utc_timestamp(dt.datetime(2026, 3, 1, 12, 0)) == "2026-03-01T12:00:00.000000Z"


def test_hash_is_sha256_of_prev_hash_and_canonical_entry() -> None:
    link = seal("acme", 1, NewEntry("quote", {"premium": Decimal("10.00")}, decision_id="d-1",
                                    created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)), GENESIS_HASH)
    body = (b'{"created_at":"2026-01-01T00:00:00.000000Z","decision_id":"d-1","kind":"quote",'
            b'"payload":{"premium":"10.00"},"seq":1,"tenant_id":"acme"}')
    assert canonical_json(entry_body(link.entry())) == body
    assert link.hash == hashlib.sha256(GENESIS_HASH.encode() + body).hexdigest()
    assert link.prev_hash == "0" * 64


@given(json_values, st.text(max_size=8), st.integers(1, 2**40))
def test_the_fast_link_hash_equals_the_definition(payload: object, kind: str, seq: int) -> None:
    link = seal("tenant-ü", seq, NewEntry("quote", payload), GENESIS_HASH)._replace(kind=kind)
    assert link_hash(link) == chain_hash(GENESIS_HASH, entry_body(link.entry()))


def test_each_entry_links_to_the_previous_hash() -> None:
    chain = build_chain(5)
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5]
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(chain))
    assert chain[0].prev_hash == GENESIS_HASH


def test_hash_depends_on_every_covered_field() -> None:
    link = build_chain(1)[0]
    assert link_hash(link) == link.hash
    for field, value in [("tenant_id", "other"), ("seq", 2), ("decision_id", "x"), ("kind", "risk_score"),
                         ("created_at", "2026-01-01T00:00:00.000001Z"), ("payload_json", b'{"premium":"0"}'),
                         ("prev_hash", "1" * 64)]:
        assert link_hash(link._replace(**{field: value})) != link.hash, field


def test_new_decisions_get_a_uuid_when_none_is_given() -> None:
    entry = seal("acme", 1, NewEntry("quote", {}), GENESIS_HASH)
    assert len(entry.decision_id) == 36 and entry.decision_id.count("-") == 4


@given(st.integers(1, 12), st.data())
def test_verifier_finds_any_edited_payload_at_its_seq(size: int, data: st.DataObject) -> None:
    chain = build_chain(size)
    victim = data.draw(st.integers(0, size - 1))
    chain[victim] = chain[victim]._replace(payload_json=b'{"premium":"0.01"}')
    verifier = ChainVerifier(allow_partial=False)
    for entry in chain:
        verifier.feed(entry)
    result = verifier.result()
    assert not result.ok
    assert result.first_bad_seq == victim + 1
    assert result.checked == victim


def test_a_whole_chain_must_start_at_genesis() -> None:
    verifier = ChainVerifier(allow_partial=False)
    assert verifier.feed(build_chain(3)[1]) is not None
    assert verifier.result().first_bad_seq == 1


@pytest.mark.parametrize("bad", [{"kind": "Quote"}, {"kind": ""}, {"decision_id": ""}, {"decision_id": "x" * 65}])
def test_new_entries_are_checked_when_built(bad: dict[str, str]) -> None:
    fields = {"kind": "quote", "payload": {}, **bad}
    with pytest.raises(ValueError):
        NewEntry(**fields)  # type: ignore[arg-type]
