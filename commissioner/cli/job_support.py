"""What every job-related command needs: the job store opened with errors a person can act
on, and the job named on the command line."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path

from commissioner import paths
from commissioner.errors import UserError
from commissioner.jobs import schema
from commissioner.jobs.models import Job
from commissioner.jobs.store import (
    JobNotFoundError,
    JobStore,
    JobStoreError,
    StoreCorruptError,
    StoreLockedError,
    StoreLostError,
)
from commissioner.secrets.store_anchor import open_anchored_store

__all__ = ["LIST_HINT", "NoStoreError", "find_job", "open_job", "opened_store", "store_path"]

class NoStoreError(UserError):
    """There is no job store yet (and the keyring knows of none that should be there)."""


LIST_HINT = "list the jobs with `commissioner job list`"


def store_path(args: argparse.Namespace) -> Path:
    data_dir = getattr(args, "data_dir", None)
    return paths.default_store_path(data_dir if data_dir is not None else paths.data_dir())


@contextlib.contextmanager
def opened_store(args: argparse.Namespace, *, create: bool = False) -> Iterator[JobStore]:
    """The job store of ``--data-dir`` (or the default), closed afterwards."""
    path = store_path(args)
    try:
        store = open_anchored_store(path, create=create)
    except FileNotFoundError:
        raise NoStoreError(
            f"no job store at {path}",
            hint="create a job with `commissioner job new`, or pass --data-dir",
        ) from None
    except StoreLostError:
        raise
    except schema.SchemaTooNewError as err:
        raise UserError(str(err), hint="install the newest commissioner app") from None
    except StoreLockedError as err:
        raise UserError(str(err), hint="close the other commissioner window and retry") from None
    except (StoreCorruptError, schema.SchemaError) as err:
        raise UserError(
            str(err), hint="keep the file for analysis and restore the store from a backup"
        ) from None
    except JobStoreError as err:
        raise UserError(str(err)) from None
    except OSError as err:
        raise UserError(f"cannot open the job store {path}: {err}") from None
    try:
        yield store
    finally:
        store.close()


def find_job(store: JobStore, key: str) -> Job:
    """The job with this id or job number."""
    try:
        return store.find_job(key)
    except JobNotFoundError as err:
        raise UserError(str(err), hint=LIST_HINT) from None


def open_job(store: JobStore, key: str) -> Job:
    """The job with this id or job number, which must still be open for work."""
    job = find_job(store, key)
    if job.is_closed:
        raise UserError(f"job {job.id} is closed", hint="open a new job for new work")
    return job
