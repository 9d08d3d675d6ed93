"""Bringing a lab up without leaving half of one behind, and throwaway labs.

    with throwaway(make_backend("netns", spec)) as up_s:
        ...  # the lab is up; it is taken down when the block ends, however it ends

Used by `airgaplab up`, `report --lab-up`, `nightly`, `pytest --lab-up` and the harness's tests.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from airgaplab.backends.base import Backend
from airgaplab.errors import UserError


def up_or_clean(be: Backend, *, bare: bool = False, on_failure: Callable[[], None] | None = None) -> float:
    """Bring `be` up; seconds taken. If `up` fails, take down what it created — except after a
    `UserError`: that refusal comes before anything is created, and what exists (a lab of that name
    already up) is not this call's to take down."""
    t0 = time.monotonic()
    try:
        be.up(bare=bare)
    except UserError:
        raise
    except BaseException:
        if on_failure:
            on_failure()
        keep_evidence(be)
        be.down()
        raise
    return round(time.monotonic() - t0, 2)


@contextmanager
def throwaway(be: Backend, *, bare: bool = False) -> Iterator[float]:
    """A lab for the length of a block (yields the seconds `up` took); always taken down after."""
    up_s = up_or_clean(be, bare=bare)
    try:
        yield up_s
    finally:
        keep_evidence(be)
        be.down()


def keep_evidence(be: Backend) -> None:
    """Where AIRGAPLAB_EVIDENCE names a directory: the lab's own account of itself, kept before `down` (never
    raises: evidence must not hide the failure it explains)."""
    where = os.environ.get("AIRGAPLAB_EVIDENCE")
    if not where:
        return
    dest = Path(where) / be.spec.name
    try:
        dest.mkdir(parents=True, exist_ok=True)
        kept = be.keep_evidence(dest)
        be.progress(f"kept for the record in {dest}: {', '.join(kept) or 'nothing'}")
    except Exception as e:
        be.progress(f"could not keep the evidence in {dest}: {e}")
