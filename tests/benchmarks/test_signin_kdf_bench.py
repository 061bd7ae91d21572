"""Sign-in KDF cost: one scrypt password check at the product's parameters, median of 5.
Goal: between 0.2 s and 0.5 s on the reference laptop (a deliberate cost per guess). The goal
is checked on the CPU time of the check (what a guess costs), and the wall time is reported
beside it (it grows when other work shares the cores).

    .venv/bin/python -m pytest tests/benchmarks/test_signin_kdf_bench.py -s
"""

from __future__ import annotations

import statistics
import time

from conftest import report

from commissioner.operators import passwords


def test_signin_kdf_takes_a_deliberate_fraction_of_a_second() -> None:
    record, _ = passwords.new_hash("correct horse battery staple")
    wall, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        assert passwords.verify(record, "correct horse battery staple") is not None
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    median = statistics.median(cpu)
    report("signin-kdf", {"n": record.n, "r": record.r, "p": record.p,
                          "median_cpu_seconds": round(median, 3),
                          "median_wall_seconds": round(statistics.median(wall), 3),
                          "cpu": [round(t, 3) for t in cpu], "wall": [round(t, 3) for t in wall]})
    assert 0.2 <= median <= 0.5, median
