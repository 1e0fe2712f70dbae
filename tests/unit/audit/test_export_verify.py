"""Offline verification of export files: each kind of tampering is reported at its own row."""

from __future__ import annotations

import json

import pytest

from saas.audit.chain import link_hash
from saas.audit.export import csv_line, jsonl_line, verify_export
from tests.unit.audit.chain_helpers import body_offset, build_chain, export_lines, relink

pytestmark = pytest.mark.unit

FORMATS = ["jsonl", "csv"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_untouched_export_verifies(fmt: str) -> None:
    result = verify_export(export_lines(build_chain(20), fmt))
    assert result.ok and result.checked == 20 and result.first_bad_seq is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_bytes_lines_verify_like_text(fmt: str) -> None:
    assert verify_export([line.encode() for line in export_lines(build_chain(4), fmt)]).checked == 4


@pytest.mark.parametrize("fmt", FORMATS)
def test_edited_row_is_found_at_that_row(fmt: str) -> None:
    chain = build_chain(10)
    lines = export_lines(chain, fmt)
    edited = chain[6]._replace(payload_json=b'{"n":7,"premium":"1.00"}')
    lines[body_offset(fmt) + 6] = (jsonl_line if fmt == "jsonl" else csv_line)(edited).decode()
    result = verify_export(lines)
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 7, 6)
    assert "altered" in (result.reason or "")


def test_edited_text_inside_a_jsonl_line_is_found() -> None:
    lines = export_lines(build_chain(5), "jsonl")
    lines[2] = lines[2].replace("103.25", "13.25")
    assert verify_export(lines).first_bad_seq == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_deleted_row_is_found_at_its_seq(fmt: str) -> None:
    lines = export_lines(build_chain(10), fmt)
    del lines[body_offset(fmt) + 4]
    result = verify_export(lines)
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert "expected seq 5, found seq 6" in (result.reason or "")


@pytest.mark.parametrize("fmt", FORMATS)
def test_reordered_rows_are_found_at_the_first_moved_row(fmt: str) -> None:
    lines = export_lines(build_chain(10), fmt)
    at = body_offset(fmt) + 3
    lines[at], lines[at + 1] = lines[at + 1], lines[at]
    assert verify_export(lines).first_bad_seq == 4


@pytest.mark.parametrize("fmt", FORMATS)
def test_inserted_copy_of_another_row_is_found_where_it_sits(fmt: str) -> None:
    lines = export_lines(build_chain(10), fmt)
    lines.insert(body_offset(fmt) + 5, lines[body_offset(fmt) + 1])
    assert verify_export(lines).first_bad_seq == 6


def test_inserted_fabricated_row_is_found_where_it_sits() -> None:
    chain = build_chain(6)
    lines = export_lines(chain, "jsonl")
    forged = chain[3]._replace(decision_id="forged", hash="f" * 64)
    lines.insert(3, jsonl_line(forged).decode())
    assert verify_export(lines).first_bad_seq == 4


def test_a_perfectly_rehashed_insertion_breaks_the_next_row() -> None:
    """Without a secret, a forger can hash one row correctly; the row after it still breaks."""
    chain = build_chain(6)
    forged = chain[3]._replace(decision_id="forged", payload_json=b'{"premium":"0.01"}')
    forged = forged._replace(hash=link_hash(forged))
    lines = export_lines([*chain[:3], forged, *chain[3:]], "jsonl")
    result = verify_export(lines)
    assert (result.ok, result.first_bad_seq) == (False, 5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_date_range_export_is_anchored_at_its_first_entry(fmt: str) -> None:
    assert verify_export(export_lines(build_chain(12)[4:9], fmt)).checked == 5


def test_a_partial_export_still_has_its_first_hash_checked() -> None:
    chain = build_chain(8)
    chain[4] = chain[4]._replace(kind="risk_score")
    result = verify_export(export_lines(chain[4:], "jsonl"))
    assert result.first_bad_seq == 5


def test_rows_of_two_tenants_do_not_verify_as_one_chain() -> None:
    lines = export_lines(build_chain(3, "acme"), "jsonl") + export_lines(build_chain(5, "other")[3:], "jsonl")
    result = verify_export(lines)
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_an_unreadable_line_is_reported_at_its_position() -> None:
    lines = export_lines(build_chain(4), "jsonl")
    lines[2] = lines[2][:40]
    result = verify_export(lines)
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 3, 2)
    assert "unreadable" in (result.reason or "")


def test_a_csv_with_other_columns_is_refused() -> None:
    lines = export_lines(build_chain(2), "csv")
    lines[0] = lines[0].replace("payload", "body")
    assert not verify_export(lines).ok


def test_jsonl_lines_are_self_contained() -> None:
    line = json.loads(export_lines(build_chain(2), "jsonl")[1])
    assert set(line) == {"tenant_id", "seq", "decision_id", "kind", "created_at", "payload", "prev_hash", "hash"}
    assert line["seq"] == 2 and len(line["prev_hash"]) == 64


def test_a_reformatted_payload_still_verifies_but_a_changed_one_does_not() -> None:
    lines = export_lines(build_chain(3), "jsonl")
    assert verify_export([lines[0], lines[1].replace('"n":2', '"n": 2'), lines[2]]).ok
    assert verify_export([lines[0], lines[1].replace('"n":2', '"n":2.0'), lines[2]]).first_bad_seq == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_whole_export_verifies_even_with_unicode_line_separators_in_payloads(fmt: str) -> None:
    chain = build_chain(3)
    chain = relink([chain[0]._replace(payload_json='{"note":"a\u2028b\x85c"}'.encode()), *chain[1:]])
    whole = "".join(export_lines(chain, fmt))
    assert verify_export(whole).checked == 3
    assert verify_export(whole.encode()).checked == 3


def test_a_wholly_rewritten_file_is_consistent_offline() -> None:
    """The documented limit: only an anchor kept elsewhere (the head, an earlier export) shows this."""
    chain = build_chain(4)
    forged = relink([*chain[:2], chain[2]._replace(payload_json=b'{"premium":"0.01"}'), chain[3]])
    assert verify_export(export_lines(forged, "jsonl")).ok
    assert forged[-1].hash != chain[-1].hash


def test_an_empty_file_verifies_as_zero_entries() -> None:
    assert verify_export([]).checked == 0
