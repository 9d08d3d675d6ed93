"""Failures that teach, and the one way to wait: airgaplab.suite.finding and airgaplab.retry (no lab needed)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from airgaplab import retry
from airgaplab.suite import finding
from tests.helpers import ROOT


def test_observed_is_the_assert_message_without_pytests_explanation() -> None:
    e = AssertionError("nothing listens on udp/123\nassert False\n +  where False = …")
    assert finding.observed(e) == "nothing listens on udp/123"
    assert finding.observed(finding.Finding("x is wrong", hint="h")) == "x is wrong"
    assert finding.observed(TimeoutError("no answer")) == "TimeoutError: no answer"


def test_hint_applies_to_plain_assertions_and_keeps_a_findings_own() -> None:
    with pytest.raises(finding.Finding) as got, finding.hint("Check `dnssec-validation yes;`."):
        raise AssertionError("expected AD")
    assert (got.value.observed, got.value.hint) == ("expected AD", "Check `dnssec-validation yes;`.")
    with pytest.raises(finding.Finding) as own, finding.hint("outer"):
        finding.fail("x", hint="inner")
    assert own.value.hint == "inner"


def test_message_reads_requirement_host_observation_hint() -> None:
    assert finding.message("NTP-SRV-1", "admin", "nothing listens on udp/123.", "Start chronyd.") == \
        "NTP-SRV-1 admin: nothing listens on udp/123. Start chronyd."


def test_retry_returns_the_holding_value_at_once() -> None:
    calls = iter([0, 0, 7])
    got = retry.until(lambda: next(calls), timeout=5, interval=0.001)
    assert got and got.value == 7 and got.tries == 3


def test_retry_keeps_the_last_observation_at_the_deadline() -> None:
    seen = iter(range(1000))
    got = retry.until(lambda: "" if next(seen) >= 0 else "never", timeout=0.05, interval=0.01)
    assert not got and got.value == "" and got.tries >= 2 and not got.gave_up and got.elapsed >= 0.05


def test_retry_gives_up_when_waiting_cannot_help() -> None:
    t = time.monotonic()
    got = retry.until(lambda: None, timeout=30, give_up=lambda: "admin never answered")
    assert not got and got.gave_up == "admin never answered" and got.tries == 1
    assert time.monotonic() - t < 5


def test_retry_nudges_while_the_probe_does_not_hold_and_not_after() -> None:
    """`chronyc burst` every so often instead of waiting for the next poll: never at once, never after it held."""
    nudges: list[float] = []
    start = time.monotonic()
    got = retry.until(lambda: len(nudges) >= 3, timeout=5, interval=0.005, nudge=lambda: nudges.append(
        time.monotonic() - start), nudge_every=0.05)
    assert got and got.elapsed < 1 and len(nudges) == 3
    assert nudges[0] >= 0.05 and all(b - a >= 0.05 for a, b in itertools.pairwise(nudges))
    at_once: list[float] = []  # nudge_after=0: the first miss nudges (heal: the nodes ask admin now)
    start = time.monotonic()
    assert retry.until(lambda: bool(at_once), timeout=5, interval=0.005, nudge_after=0, nudge_every=10,
                       nudge=lambda: at_once.append(time.monotonic() - start))
    assert len(at_once) == 1 and at_once[0] < 0.05


def test_a_budget_is_spent_by_waiting_not_by_the_time_between_waits() -> None:
    """A lab that never converges costs the budget once; time spent elsewhere in the run costs none."""
    budget = retry.Budget(0.2)
    assert budget.until(lambda: "synced") and budget.left == 0.2  # held at once: nothing spent
    time.sleep(0.25)  # the run's own slow checks: a wall-clock deadline would be gone by now
    calls = iter(["", "synced"])
    assert budget.until(lambda: next(calls), interval=0.01)
    assert 0.0 < budget.left < 0.2
    never = budget.until(lambda: None, interval=0.01)
    assert not never and budget.left == 0.0
    t = time.monotonic()
    once = budget.until(lambda: None, interval=0.01)  # an empty budget still looks once, then stops
    assert not once and once.tries == 1 and time.monotonic() - t < 0.1

def test_a_failing_suite_test_says_requirement_host_observation_and_hint(tmp_path: Path, state_dir: Path) -> None:
    """The plugin, in a pytest run of its own: a plain assert becomes `REQ host: observed. hint`."""
    (tmp_path / "test_x.py").write_text(textwrap.dedent("""
        import pytest
        from airgaplab.suite.finding import fail

        @pytest.mark.req("NTP-SRV-1")
        def test_plain():
            listening = False
            assert listening, "nothing listens on udp/123"

        @pytest.mark.req("DNS-CLI-2")
        def test_own_hint():
            fail("the drop-in is missing", hint="Write `dns=none` into it.", host="k8s-node1")
    """))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path),
                           "--rootdir", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "AIRGAPLAB_STATE": str(state_dir)})
    out = proc.stdout
    assert "NTP-SRV-1 admin: nothing listens on udp/123. Start it with `systemctl enable --now chronyd`" in out, out
    assert "DNS-CLI-2 k8s-node1: the drop-in is missing. Write `dns=none` into it." in out, out
    assert "assert False" not in out and "Traceback" not in out, out
