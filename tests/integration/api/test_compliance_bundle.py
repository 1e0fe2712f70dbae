"""The compliance bundle through the API on PostgreSQL: a month's bundle verifies offline, one
changed byte fails naming the file, the manifest's hash is in the tenant's chain, and an empty
month gives an empty but valid bundle."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import msgspec
import pytest

from saas.audit.export import verify_export
from saas.compliance.verify import verify_bundle
from saas.quote.examples import EXAMPLE_QUOTE
from tests.integration.api.conftest import Api
from tests.integration.api.test_adverse_actions import RISKY

pytestmark = pytest.mark.integration


async def bundle(api: Api, period: str, path: Path, tenant: str = "partner-a") -> Path:
    response = await api.client.get(f"/v1/compliance/bundle?period={period}", headers=api.auth(tenant, "compliance"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/zip")
    path.write_bytes(response.content)
    return path


def rewritten(source: Path, target: Path, name: str) -> Path:
    """The same archive with one byte of member ``name`` changed (a well-formed zip: only the hash can tell)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == name:
                data = bytes([data[0] ^ 0x01]) + data[1:]
            new.writestr(info.filename, data)
    return target


async def test_a_months_bundle_verifies_and_one_changed_byte_names_the_file(api: Api, tmp_path: Path) -> None:
    for _ in range(2):
        await api.client.post("/v1/quotes", json=EXAMPLE_QUOTE | {"telematics": RISKY}, headers=api.auth("partner-a"))
    period = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    path = await bundle(api, period, tmp_path / "b.zip")
    check = verify_bundle(path)
    assert check.ok, check
    assert check.tenant_id == "partner-a" and check.period == period and check.empty is False
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        manifest = msgspec.json.decode(archive.read("manifest.json"))
        register = msgspec.json.decode(archive.read("adverse-actions/register.json"))
        card = msgspec.json.decode(archive.read("model/model-card.json"))
        rates = msgspec.json.decode(archive.read("versions/rate-tables.json"))
        configs = msgspec.json.decode(archive.read("versions/tenant-configs.json"))
        rulesets = msgspec.json.decode(archive.read("versions/rulesets.json"))
    assert {"audit/entries.jsonl", "audit/verification.json", "versions/rate-tables.json", "versions/model.json",
            "runs/runs.json", "drift/psi.json", "model/model-card.json", "adverse-actions/register.json",
            "adverse-actions/notices.jsonl", "README.txt", "manifest.json", "anchor.json"} <= names
    assert register["figures"]["notices"] >= 2 and register["figures"]["notice_rate"] == "1.0000"
    assert card["bayes_floor_ratio"] is not None and card["metrics"]["r2"] > 0
    assert rates and all(v["approvals"] or v["deployments"] for v in rates)
    assert configs and all(v["deployments"] and "partner-a" in v["source_text"] for v in configs)
    assert {v["scope"] for v in rulesets} >= {"CA", "NY", "TX", "DEFAULT"}
    assert all(d["deployed_at"] and d["effective_date"] for v in rulesets for d in v["deployments"])
    assert {f["name"] for f in manifest["files"]} == names - {"manifest.json", "anchor.json"}

    for name in ("adverse-actions/notices.jsonl", "model/model-card.json"):
        broken = verify_bundle(rewritten(path, tmp_path / "x.zip", name))
        assert not broken.ok and broken.bad_file == name, broken
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("audit/entries.jsonl")
    assert info.compress_size > 40
    raw = bytearray(path.read_bytes())
    extra_len = int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    local_header = 30 + len(info.filename.encode()) + extra_len
    raw[info.header_offset + local_header + info.compress_size // 2] ^= 0xFF  # a byte of its stored data
    (tmp_path / "raw.zip").write_bytes(bytes(raw))
    flipped = verify_bundle(tmp_path / "raw.zip")
    assert not flipped.ok and flipped.bad_file == "audit/entries.jsonl", flipped


async def test_the_manifest_hash_is_appended_to_the_chain(api: Api, tmp_path: Path) -> None:
    period = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    path = await bundle(api, period, tmp_path / "b.zip")
    with zipfile.ZipFile(path) as archive:
        anchor = msgspec.json.decode(archive.read("anchor.json"))
        digest = verify_bundle(path)
    assert digest.ok
    export = await api.client.get("/v1/audit/export", headers=api.auth("partner-a", "compliance"))
    assert verify_export(export.content).ok
    lines = [msgspec.json.decode(line) for line in export.content.splitlines() if line]
    anchored = [line for line in lines if line["seq"] == anchor["seq"]]
    assert anchored and anchored[0]["hash"] == anchor["hash"] and anchored[0]["kind"] == "compliance_bundle"


async def test_an_empty_month_is_an_empty_valid_bundle(api: Api, tmp_path: Path) -> None:
    path = await bundle(api, "2020-01", tmp_path / "empty.zip", tenant="fleet-co")
    check = verify_bundle(path)
    assert check.ok and check.empty is True, check
    with zipfile.ZipFile(path) as archive:
        assert "THIS PERIOD IS EMPTY" in archive.read("README.txt").decode()
        assert archive.read("audit/entries.jsonl") == b""
        assert msgspec.json.decode(archive.read("drift/psi.json"))["rows"] == 0


async def test_the_bundle_needs_the_compliance_role_and_a_real_month(api: Api) -> None:
    rating = await api.client.get("/v1/compliance/bundle?period=2026-11", headers=api.auth("partner-a"))
    assert rating.status_code == 403
    for period in ("2026-13", "0000-01", "9999-12"):
        bad = await api.client.get(f"/v1/compliance/bundle?period={period}",
                                   headers=api.auth("partner-a", "compliance"))
        assert bad.status_code in (400, 422) and "period" in bad.text, (period, bad.text)
        register = await api.client.get(f"/v1/adverse-actions?period={period}",
                                        headers=api.auth("partner-a", "compliance"))
        assert register.status_code in (400, 422), (period, register.text)
