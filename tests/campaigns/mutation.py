"""Mutation campaign over the security core (on demand; never part of the default test run).

Every module of the security core is mutated by cosmic-ray (pinned in the ``dev`` extra), one
small change at a time, and the tests that cover that module run against each mutant. A mutant
the tests do not notice "survived": either a test is missing, or the mutant is equivalent (it
cannot change behaviour); the equivalent ones are listed, with the reason, in
``tests/campaigns/equivalent-mutants.md`` and count as killed. The goal is >= 90 % killed per
package.

cosmic-ray edits the source files in place while it runs (and restores them), so run it in a
clean work tree of your own, inside a private network namespace like the other tests::

    unshare -rn bash -c 'ip link set lo up; \\
        .venv/bin/python tests/campaigns/mutation.py --module commissioner/protocol/admin_proof.py'
    .venv/bin/python tests/campaigns/mutation.py --list          # the modules and their tests
    .venv/bin/python tests/campaigns/mutation.py --package trust # one package
    .venv/bin/python tests/campaigns/mutation.py --all           # everything (hours, 2 cores)

Sessions are kept in ``artifacts/mutation/<module>.sqlite`` (an interrupted run continues where
it stopped; ``--fresh`` starts over). The last lines printed are the score per package.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "mutation"
EQUIVALENT = Path(__file__).with_name("equivalent-mutants.md")
PY = sys.executable
COSMIC_RAY = str(Path(sys.executable).with_name("cosmic-ray"))

# module -> the tests that cover it (fast ones first; pytest stops at the first failure).
CORE: dict[str, tuple[str, ...]] = {
    "commissioner/protocol/setup_code.py": (
        "tests/core/test_known_answer_vectors.py", "tests/core/test_protocol_setup_code.py"),
    "commissioner/protocol/admin_proof.py": (
        "tests/core/test_known_answer_vectors.py", "tests/core/test_protocol_admin_proof.py"),
    "commissioner/protocol/checked_text.py": (
        "tests/core/test_known_answer_vectors.py", "tests/core/test_protocol_label.py",
        "tests/core/test_invitation.py"),
    "commissioner/protocol/label.py": (
        "tests/core/test_protocol_label.py", "tests/core/test_known_answer_vectors.py"),
    "commissioner/protocol/attestation.py": (
        "tests/core/test_protocol_attestation.py", "tests/core/test_expired_authorities.py"),
    "commissioner/protocol/firmware_manifest.py": (
        "tests/core/test_known_answer_vectors.py", "tests/core/test_firmware_refusals.py"),
    "commissioner/protocol/ble_pake.py": (
        "tests/core/test_known_answer_vectors.py", "tests/core/test_ble_advertisement_pake.py"),
    "commissioner/protocol/p256.py": (
        "tests/core/test_known_answer_vectors.py", "tests/core/test_ble_advertisement_pake.py"),
    "commissioner/protocol/tls.py": ("tests/core/test_protocol_client.py",),
    "commissioner/trust/gate.py": (
        "tests/core/test_gate_verdicts.py", "tests/core/test_lying_devices.py"),
    "commissioner/trust/catalog.py": (
        "tests/core/test_catalog_sync.py", "tests/core/test_catalog_offline.py",
        "tests/core/test_expired_authorities.py"),
    "commissioner/secrets/vault.py": ("tests/core/test_secrets_vault.py",),
    "commissioner/secrets/job_vault.py": ("tests/core/test_secrets_vault.py",),
    "commissioner/jobs/audit.py": ("tests/core/test_job_store_audit.py",),
    "commissioner/provisioning/device_ops.py": (
        "tests/core/test_lying_devices.py", "tests/core/test_provisioning_faults.py"),
    "commissioner/provisioning/invitation.py": (
        "tests/core/test_invitation.py", "tests/core/test_known_answer_vectors.py"),
    "commissioner/firmware/cache.py": ("tests/core/test_firmware_refusals.py",),
}


def package_of(module: str) -> str:
    parts = Path(module).parts
    return parts[1] if len(parts) > 2 else parts[-1]


@dataclass
class Result:
    module: str
    operator: str
    occurrence: int
    line: int
    outcome: str  # killed | survived | incompetent | timeout
    diff: str


def equivalents() -> set[tuple[str, str, int]]:
    """(module, operator, occurrence) rows of the equivalent-mutants table."""
    rows: set[tuple[str, str, int]] = set()
    if not EQUIVALENT.exists():
        return rows
    for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("commissioner/") and cells[2].isdigit():
            rows.add((cells[0], cells[1], int(cells[2])))
    return rows


def _config(module: str, tests: tuple[str, ...], timeout: float) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = module.replace("/", "_").removesuffix(".py")
    path = ARTIFACTS / f"{stem}.toml"
    command = (f"{PY} -m pytest -x -q -p no:cacheprovider -o addopts= "
               f"--timeout={int(timeout)} " + " ".join(tests))
    path.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{module}"\n'
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n',
        encoding="utf-8",
    )
    return path


def run_module(module: str, *, fresh: bool, timeout: float) -> list[Result]:
    tests = CORE[module]
    config = _config(module, tests, timeout)
    session = config.with_suffix(".sqlite")
    if fresh and session.exists():
        session.unlink()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if not session.exists():
        subprocess.run([COSMIC_RAY, "init", str(config), str(session)],
                       check=True, cwd=REPO, env=env)
    subprocess.run([COSMIC_RAY, "exec", str(config), str(session)],
                   check=True, cwd=REPO, env=env)
    dump = subprocess.run([COSMIC_RAY, "dump", str(session)], check=True,
                          cwd=REPO, env=env, capture_output=True, text=True).stdout
    results: list[Result] = []
    for raw in dump.splitlines():
        work, outcome = json.loads(raw)
        if outcome is None:
            continue
        mutation = work["mutations"][0]
        verdict = outcome.get("test_outcome") or outcome.get("worker_outcome")
        if outcome.get("worker_outcome") not in (None, "normal"):
            verdict = outcome["worker_outcome"]
        results.append(Result(module, mutation["operator_name"], mutation["occurrence"],
                              int(mutation["start_pos"][0]), str(verdict),
                              str(outcome.get("diff") or "")))
    return results


def summarise(results: list[Result]) -> int:
    equivalent = equivalents()
    per_package: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # killed, equiv, total
    survivors: list[Result] = []
    for r in results:
        pkg = per_package[package_of(r.module)]
        if r.outcome == "incompetent":  # the mutant does not even import: not counted
            continue
        pkg[2] += 1
        if r.outcome in ("killed", "timeout"):
            pkg[0] += 1
        elif (r.module, r.operator, r.occurrence) in equivalent:
            pkg[1] += 1
        else:
            survivors.append(r)
    for r in survivors:
        print(f"\nSURVIVED {r.module}:{r.line} {r.operator} #{r.occurrence}")
        print(re.sub(r"(?m)^", "    ", r.diff.strip()))
    print("\nmutation score per package (killed + listed equivalent) / mutants:")
    worst = 100.0
    for name in sorted(per_package):
        killed, equiv, total = per_package[name]
        score = 100.0 * (killed + equiv) / total if total else 100.0
        worst = min(worst, score)
        print(f"  {name:14s} {killed:5d} killed {equiv:4d} equivalent {total:5d} mutants "
              f"{score:6.1f} %")
    return 0 if worst >= 90.0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--module", action="append", choices=sorted(CORE), metavar="PATH")
    group.add_argument("--package", choices=sorted({package_of(m) for m in CORE}))
    group.add_argument("--all", action="store_true")
    group.add_argument("--list", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="discard earlier sessions")
    parser.add_argument("--timeout", type=float, default=300.0, help="per mutant, seconds")
    args = parser.parse_args(argv)
    if args.list:
        for module, tests in CORE.items():
            print(module, "<-", " ".join(tests))
        return 0
    if args.all:
        modules = list(CORE)
    elif args.package:
        modules = [m for m in CORE if package_of(m) == args.package]
    else:
        modules = args.module
    dirty = subprocess.run(["git", "status", "--porcelain", "--", *modules], cwd=REPO,
                           capture_output=True, text=True).stdout
    if dirty.strip():
        print("refusing to run: the modules to mutate have uncommitted changes", file=sys.stderr)
        return 2
    results: list[Result] = []
    for module in modules:
        results += run_module(module, fresh=args.fresh, timeout=args.timeout)
    return summarise(results)


if __name__ == "__main__":
    raise SystemExit(main())
