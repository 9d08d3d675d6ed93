"""What a failed requirement says: the observation, the requirement id and host, and a hint.

Tests state claims with plain `assert cond, "what was observed"` (or `fail(...)` where a hint
better than the catalog's applies); the pytest plugin adds the requirement id (from the `req`
marker), the host and the catalog's hint when it reports the failure:

    NTP-CLI-1 k8s-node1: /etc/chrony.conf has no `server 192.168.10.10 iburst`. The node's /etc/chrony.conf must …
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import pytest


class Finding(AssertionError):
    """A claim that does not hold, with an optional hint (instead of the catalog's), host (instead of the
    test's) and answer: what the reference has instead, which `airgaplab check` keeps back (it states the
    symptom; `solve` shows the answer) and pytest's line for operators shows."""

    def __init__(self, observed: str, hint: str | None = None, host: str | None = None,
                 answer: str | None = None) -> None:
        super().__init__(f"{observed}: {answer}" if answer else observed)
        self.observed, self.hint, self.host, self.answer = observed, hint, host, answer


def fail(observed: str, *, hint: str | None = None, host: str | None = None, answer: str | None = None) -> NoReturn:
    """Fail the current requirement: `fail("nothing listens on udp/123")`; with the reference's answer:
    `fail("/etc/chrony.conf sets no log directory", answer="expected `logdir /var/log/chrony`")`."""
    raise Finding(observed, hint, host, answer)


def unavailable(what: str) -> NoReturn:
    """Skip a test whose means this machine or lab lacks, naming them — except in CI (`.ci/run` sets CI), which
    installs and provides every one: there the same lack is a failure, never a hidden one."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} — CI provides it, so its lack is a failure here")
    pytest.skip(what)


def not_checked(what: str) -> NoReturn:
    """A check this run cannot make, reported as such and never as passed: `not checked: needs …`."""
    pytest.skip(f"not checked: needs {what}")


def lacking(world: Any, what: str, why: str, setting: str | None = None) -> NoReturn:
    """The means `what` is missing: on a network the suite only observes (an inventory's), the check is not checked
    (`setting`: the inventory's variable that would name it); on a lab of the harness's, `unavailable` (`why` says
    where it is offered)."""
    if world.observe_only:
        not_checked(what + (f" (name one: `{setting}` in the inventory's vars)" if setting else ""))
    unavailable(f"{what}: {why}")


@contextmanager
def hint(text: str) -> Iterator[None]:
    """Assertions inside the block fail with this hint:

        with hint("Check `dnssec-validation yes;`"):
            check.ad(msg)
    """
    try:
        yield
    except Finding as e:
        e.hint = e.hint or text
        raise
    except AssertionError as e:
        raise Finding(observed(e), text) from e


def observed(exc: BaseException) -> str:
    """The observation in an assertion: its message without pytest's `assert …` explanation."""
    if isinstance(exc, Finding):
        return exc.observed
    text = str(exc).strip()
    if isinstance(exc, AssertionError):
        return text.split("\nassert ", 1)[0].strip() or "assertion failed"
    if text and type(exc).__name__ == "Timeout":  # dnspython's: its message says it all
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def told(exc: BaseException) -> str:
    """The observation with the reference's answer, as pytest's line tells it."""
    if isinstance(exc, Finding) and exc.answer:
        return f"{exc.observed.rstrip('.')}: {exc.answer}"
    return observed(exc)


def message(req: str, host: str, seen: str, hint_text: str) -> str:
    """`REQ host: observation. hint` — one line a student can act on."""
    return f"{req} {host}: {seen.rstrip('.')}. {hint_text}".strip()
