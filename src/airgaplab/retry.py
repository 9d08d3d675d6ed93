"""One way to wait: retry a probe until it holds, a deadline passes, or waiting is known to be futile.

The last observation is kept, so a failure can say what was seen, not just "timed out"
(the shape of BIND's `isctest.run.retry_with_timeout`).

    got = retry.until(lambda: facts.synced_source(lab, "k8s-node1"), timeout=30)
    if not got:
        raise AssertionError(f"not synchronized after {got.elapsed:.0f} s: {got.value}")
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """The outcome of a wait: truthy when the probe held."""

    value: T  # the last observation (the holding one, when ok)
    ok: bool
    tries: int
    elapsed: float
    gave_up: str = ""  # why waiting stopped before the deadline ("" when it did not)

    def __bool__(self) -> bool:
        return self.ok


def until(probe: Callable[[], T], *, timeout: float | None = None, deadline: float | None = None,
          interval: float = 0.1, give_up: Callable[[], str | None] | None = None,
          nudge: Callable[[], object] | None = None, nudge_every: float = 10.0,
          nudge_after: float | None = None) -> Attempt[T]:
    """Call `probe` until it returns something truthy, `timeout` s pass (or the monotonic `deadline`),
    or `give_up()` names a reason that waiting cannot help. The probe always runs at least once.

    `nudge()`, when given, is called each time `nudge_every` s pass without the probe holding — the first time
    after `nudge_after` s (default: `nudge_every`; 0: at the first miss): what makes it hold sooner than by
    waiting (`chronyc burst 4/4` instead of chronyd's next poll, a minute away)."""
    start = time.monotonic()
    end = min(x for x in (deadline, None if timeout is None else start + timeout, float("inf")) if x is not None)
    tries, next_nudge = 0, start + (nudge_every if nudge_after is None else nudge_after)
    while True:
        value = probe()
        tries += 1
        if value:
            return Attempt(value, True, tries, time.monotonic() - start)
        reason = give_up() if give_up else None
        if reason or time.monotonic() >= end:
            return Attempt(value, False, tries, time.monotonic() - start, reason or "")
        if nudge is not None and time.monotonic() >= next_nudge:
            nudge()
            next_nudge = time.monotonic() + nudge_every
        time.sleep(max(0.0, min(interval, end - time.monotonic())))


class Budget:
    """Waiting time shared by many waits: what one wait spends, the next ones no longer have.

    A run's waits share one budget (pytest's --sync-timeout), so a lab that never converges costs
    that timeout once, not per test, while a slow run that converged early keeps its budget for a
    late transient (a wall-clock deadline would have run out during the run's own slow checks).

        budget = retry.Budget(240)
        got = budget.until(lambda: facts.synced_source(lab, "admin"))
    """

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def until(self, probe: Callable[[], T], *, interval: float = 0.1,
              give_up: Callable[[], str | None] | None = None) -> Attempt[T]:
        """retry.until within what is left; a probe that held at once spends nothing."""
        got = until(probe, timeout=self.left, interval=interval, give_up=give_up)
        if got.tries > 1:
            self.left = max(0.0, self.left - got.elapsed)
        return got
