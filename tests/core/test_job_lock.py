"""One writer per job (issue 17): a lease in the real SQLite store naming its holder.

A second run on a job a live process is changing is refused with a clear error naming the
holder, its purpose and since when; a crashed holder's lease is taken over. Every combination
of commission, update and handover is tried with real processes against a running virtual
home; the job stays consistent (its audit verifies, the refused run recorded nothing).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring_fixtures
import provisioning_helpers as ph
import pytest
from vh_fixtures import running_virtual_home

from commissioner.errors import UserError
from commissioner.jobs.store import JobBusyError, JobStore
from commissioner.virtualhome.homefile import HomeFile

_secret_service_daemons = keyring_fixtures._secret_service_daemons

_HOLDER = """
import sys
from pathlib import Path
from commissioner.jobs.store import JobStore
store = JobStore.open(Path(sys.argv[1]), create=False)
with store.job_lock(sys.argv[2], sys.argv[3]):
    print("held", flush=True)
    if sys.argv[4] == "crash":
        import os
        os._exit(9)
    sys.stdin.read()
print("released", flush=True)
"""


def _new_job(store: JobStore, number: str = "L-1") -> str:
    return store.create_job(job_number=number, site_name="House", site_address="1-1",
                            service_level=2, operator="Sato").id


@pytest.fixture
def hold(tmp_path: Path) -> Iterator[object]:
    procs: list[subprocess.Popen[str]] = []

    def start(store: Path, job: str, purpose: str, mode: str = "hold") -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(store), job, purpose, mode],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=ph.REPO, env={**os.environ, "PYTHONPATH": str(ph.REPO)},
        )
        procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "held", proc.stderr.read() if proc.stderr else ""
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=20)


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path, hold) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "jobs.sqlite3"
    with JobStore.open(path) as store:
        job = _new_job(store)
        proc = hold(path, job, "commission")
        with pytest.raises(JobBusyError) as caught, store.job_lock(job, "handover"):
            pass
        err = caught.value
        assert isinstance(err, UserError)
        text = str(err)
        assert "commission" in text and str(proc.pid) in text and job in text
        assert err.since in text and err.hint and "wait" in err.hint.lower()
        proc.stdin.close()
        assert proc.wait(timeout=20) == 0
        with store.job_lock(job, "handover") as lease:  # free again
            assert lease.took_over is None
        assert store.job_lock_holder(job) is None


def test_a_crashed_holder_is_provably_gone_and_its_lease_is_taken_over(
    tmp_path: Path, hold  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "jobs.sqlite3"
    with JobStore.open(path) as store:
        job = _new_job(store)
        proc = hold(path, job, "firmware-update", "crash")
        assert proc.wait(timeout=20) == 9
        held = store.job_lock_holder(job)
        assert held is not None and held[0] == "firmware-update"  # the lease outlived it
        with store.job_lock(job, "commission") as lease:
            assert lease.took_over is not None and lease.took_over.pid == proc.pid


def test_threads_racing_for_one_job_exactly_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    with JobStore.open(path) as store:
        job = _new_job(store)
    barrier = threading.Barrier(6)
    release = threading.Event()
    won: list[str] = []
    refused: list[str] = []

    def run(name: str) -> None:
        with JobStore.open(path, create=False) as own:
            barrier.wait()
            try:
                with own.job_lock(job, name):
                    won.append(name)
                    release.wait(10)
            except JobBusyError as err:
                refused.append(err.holder_purpose)

    threads = [threading.Thread(target=run, args=(f"run-{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    while len(won) + len(refused) < 6 and any(t.is_alive() for t in threads):
        if len(refused) == 5:
            break
        threading.Event().wait(0.05)
    release.set()
    for t in threads:
        t.join(20)
    assert len(won) == 1 and len(refused) == 5
    assert set(refused) == set(won)


# --- every combination of commission, update and handover, real processes ------------------

_RUNS = {
    "commission": ["commission"],
    "update": ["update", "--reboot-timeout", "20"],
    "handover": ["handover", "--report", "handover.json"],
}
_PURPOSES = {"commission": "commission", "update": "firmware-update", "handover": "handover"}


@pytest.fixture(scope="module")
def home_job(
    tmp_path_factory: pytest.TempPathFactory,
    _secret_service_daemons: keyring_fixtures.SecretServiceSession,
) -> Iterator[tuple[HomeFile, Path, str, dict[str, str]]]:
    base = tmp_path_factory.mktemp("lockhome")
    with running_virtual_home(base / "home", scenario="home-20", devices=2) as home:
        data = base / "data"
        job = ph.certified_job(home, data)
        env = ph.cli_env(_secret_service_daemons.bus_address)
        synced = ph.run_cli(["catalog", "sync", "--data-dir", str(data), "--virtual-home",
                             str(home.directory)], env)
        assert synced.returncode == 0, synced.stderr
        yield home, data, job, env


@pytest.mark.parametrize("holder", sorted(_RUNS))
@pytest.mark.parametrize("second", sorted(_RUNS))
def test_a_run_on_a_job_another_run_is_changing_is_refused(
    home_job: tuple[HomeFile, Path, str, dict[str, str]], hold, holder: str, second: str  # type: ignore[no-untyped-def]
) -> None:
    home, data, job, env = home_job
    path = ph.store_path(data)
    with JobStore.open(path, create=False) as store:
        before = len(store.steps(job))
    proc = hold(path, job, _PURPOSES[holder])
    args = [a if a != "handover.json" else str(data / "handover.json") for a in _RUNS[second]]
    result = ph.run_cli([*args, "--job", job, "--data-dir", str(data),
                         "--virtual-home", str(home.directory)], env)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    assert f"job {job} is busy".lower() in result.stderr.lower()
    assert _PURPOSES[holder] in result.stderr and str(proc.pid) in result.stderr
    proc.stdin.close()
    assert proc.wait(timeout=20) == 0
    with JobStore.open(path, create=False) as store:
        assert len(store.steps(job)) == before  # the refused run recorded nothing
        assert store.verify_audit(job).ok
        assert store.job_lock_holder(job) is None
    verify = ph.run_cli(["audit", "verify", "--job", job, "--data-dir", str(data)], env)
    assert verify.returncode == 0, verify.stderr
