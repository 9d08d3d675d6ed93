"""The graded exercise on a bare lab: every step fails at first; solving step k makes check k pass, in order."""

from __future__ import annotations

from airgaplab import exercise

from .conftest import cli


def test_steps_by_number_or_name_and_a_one_line_error_for_others(state_dir) -> None:
    assert exercise.step("2").name == exercise.step("ntp-clients").name == "ntp-clients"
    r = cli("check", "7")
    assert r.returncode == 2 and "no exercise step '7' — the steps are 1 ntp-server" in r.stderr, r.stderr
