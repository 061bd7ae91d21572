"""The documented offline vulnerability check: the real pip-audit reads the hashed lock and
asks packaging/osv_offline.py, serving an OSV advisory file on loopback. A planted advisory
against a locked version is reported; one fixed before it is not."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "requirements.lock"


def _locked_version(name: str) -> str:
    match = re.search(rf"^{re.escape(name)}==(\S+)", LOCK.read_text(encoding="utf-8"), re.M)
    assert match, f"{name} is not pinned in {LOCK.name}"
    return match.group(1)


def _advisory(vuln_id: str, package: str, events: list[dict[str, str]]) -> dict[str, object]:
    return {
        "id": vuln_id, "modified": "2026-11-01T00:00:00Z",
        "summary": "planted for the offline check's test",
        "affected": [{"package": {"ecosystem": "PyPI", "name": package},
                      "ranges": [{"type": "ECOSYSTEM", "events": events}]}],
    }


def _audit(tmp_path: Path, records: list[dict[str, object]]) -> subprocess.CompletedProcess[str]:
    advisories = tmp_path / "advisories.json"
    advisories.write_text(json.dumps(records), encoding="utf-8")
    return subprocess.run(
        ["bash", str(REPO / "packaging" / "audit-offline.sh"), str(advisories), "-f", "json"],
        capture_output=True, text=True, timeout=240, cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "TMPDIR": str(tmp_path),
             "HOME": str(tmp_path)})


def _found(result: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    report = json.loads(result.stdout)
    return {d["name"]: [v["id"] for v in d.get("vulns", [])]
            for d in report["dependencies"] if d.get("vulns")}


def test_a_planted_advisory_against_a_locked_version_is_reported(tmp_path: Path) -> None:
    version = _locked_version("zeroconf")
    result = _audit(tmp_path, [
        _advisory("PLANTED-2026-0001", "zeroconf", [{"introduced": "0"}]),
        # the same package, fixed before the locked version: not reported
        _advisory("PLANTED-2026-0002", "zeroconf", [{"introduced": "0"}, {"fixed": "0.1.0"}]),
        # a pip-normalised name (qrcode's spelling differs in case only) and an exact version
        {"id": "PLANTED-2026-0003", "modified": "2026-11-01T00:00:00Z",
         "affected": [{"package": {"ecosystem": "PyPI", "name": "QRCode"},
                       "versions": [_locked_version("qrcode")]}]},
    ])
    assert result.returncode == 1, result.stdout + result.stderr
    assert _found(result) == {"zeroconf": ["PLANTED-2026-0001"],
                              "qrcode": ["PLANTED-2026-0003"]}, (version, result.stdout)


def test_no_matching_advisory_passes(tmp_path: Path) -> None:
    result = _audit(tmp_path, [
        _advisory("PLANTED-2026-0004", "zeroconf", [{"introduced": "0"}, {"fixed": "0.1.0"}]),
    ])
    assert result.returncode == 0, result.stdout + result.stderr
    assert _found(result) == {}
    assert len(json.loads(result.stdout)["dependencies"]) >= 50  # the whole lock was checked
