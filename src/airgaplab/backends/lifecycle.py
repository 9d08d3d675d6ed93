"""Bringing a lab up without leaving half of one behind, and throwaway labs.

    with throwaway(make_backend("netns", spec)) as up_s:
        ...  # the lab is up; it is taken down when the block ends, however it ends

Used by `airgaplab up`, `report --lab-up`, `nightly`, `pytest --lab-up` and the harness's tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
        be.down()
