"""Helper for the job store crash test: append steps in a loop, acknowledging each one.

    python jobstore_writer.py DB JOB_NUMBER [--tag TAG] [--max N]

Opens (or creates) the job with JOB_NUMBER, then appends 'test.tick' steps forever (or N times),
upserting a device now and then. After each append_step() has returned, which means its COMMIT
returned, prints "ACK <idx>" and flushes stdout. The test SIGKILLs this process at a random
moment and checks that every acknowledged step survived.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from commissioner.jobs.models import JobDevice
from commissioner.jobs.store import JobNotFoundError, JobStore


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("job_number")
    parser.add_argument("--tag", default="w")
    parser.add_argument("--max", type=int, default=0)
    args = parser.parse_args()
    with JobStore.open(args.db) as store:
        try:
            job = store.find_job(args.job_number)
        except JobNotFoundError:
            try:
                job = store.create_job(
                    job_number=args.job_number, site_name="Crash test site",
                    site_address="1-1 Test, Chiyoda", service_level=3, operator="writer",
                )
            except ValueError:  # another writer created it first
                job = store.find_job(args.job_number)
        print(f"JOB {job.id}", flush=True)
        n = 0
        while args.max == 0 or n < args.max:
            step = store.append_step(
                job.id, "test.tick", {"tag": args.tag, "n": n, "pad": "x" * (n % 300)}
            )
            print(f"ACK {step.idx}", flush=True)
            if n % 7 == 0:
                store.upsert_device(job.id, JobDevice(
                    device_id=f"dev-{args.tag}-{n % 5}", role="device", kind="lighting",
                    manufacturer="Acme", model="L-1", firmware=f"1.0.{n}", state="factory",
                    transports=("mdns",), address="127.0.0.1", port=8443,
                    first_seen=step.at, last_seen=step.at,
                ))
            n += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
