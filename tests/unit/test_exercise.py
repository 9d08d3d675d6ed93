"""The graded exercise on a bare lab: every step fails at first; solving step k makes check k pass, in order."""

from __future__ import annotations

from airgaplab.exercise import steps as exercise
from airgaplab.suite.outcomes import Result

from .conftest import cli


def test_steps_by_number_or_name_and_a_one_line_error_for_others(state_dir) -> None:
    assert exercise.step("2").name == exercise.step("ntp-clients").name == "ntp-clients"
    r = cli("check", "7")
    assert r.returncode == 2 and "no exercise step '7' — the steps are 1 ntp-server" in r.stderr, r.stderr


def test_a_lab_that_goes_away_while_check_runs_is_one_line_and_exit_2(state_dir, monkeypatch) -> None:
    """Not "verdict: 0 of 0 checks fail — fix them": the student did nothing wrong, the lab is gone."""
    from airgaplab.backends.fake import FakeBackend
    from airgaplab.cli import exercise as cli_exercise
    from airgaplab.lab.specfile import load_spec
    from airgaplab.paths import default_lab_file

    gone = FakeBackend(load_spec(default_lab_file()))  # never up: as after a `down` in another terminal
    monkeypatch.setattr(cli_exercise, "open_lab", lambda name: gone)
    monkeypatch.setattr(cli_exercise.exercise, "grade", lambda be, s, timeout=None, progress=None: [])
    r = cli("check", "1")
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0, r
    assert "went away while `check` ran" in r.stderr and "0 of 0" not in r.stdout


def test_drill_show_keeps_every_name_whole_at_80_columns(state_dir, monkeypatch) -> None:
    from airgaplab.cli import exercise as cli_exercise
    from airgaplab.exercise.drills import DRILLS

    monkeypatch.setattr(cli_exercise.out, "width", 80)  # a terminal 80 columns wide
    r = cli("drill", "--show")
    assert r.returncode == 0 and all(name in r.stdout for name in DRILLS), r.stdout
    assert "…" not in r.stdout  # nothing cut: long words fold onto the next line


def test_one_root_cause_is_told_once(state_dir, monkeypatch) -> None:
    """A named.conf typo: the checker's line, then "named is not running" once — not fifteen times."""
    from airgaplab.backends.fake import FakeBackend
    from airgaplab.cli import exercise as cli_exercise
    from airgaplab.exercise.steps import Graded
    from airgaplab.lab.specfile import load_spec
    from airgaplab.paths import default_lab_file

    dead = "admin's named is not running (`systemctl is-active named`: failed)"
    graded = [Graded("DNS-SRV-1", "admin", Result.FAIL, "named.conf is valid", "named-checkconf: line 12: missing ';'", ""),
              *[Graded(f"DNS-SRV-{i}", "admin", Result.FAIL, f"claim {i}", dead, "") for i in range(2, 6)]]
    lab = FakeBackend(load_spec(default_lab_file()))
    monkeypatch.setattr(cli_exercise, "open_lab", lambda name: lab)
    monkeypatch.setattr(cli_exercise.exercise, "grade", lambda be, s, timeout=None, progress=None: graded)
    r = cli("check", "3")
    assert r.returncode == 1 and r.stdout.count("named is not running") == 1, r.stdout
    assert r.stdout.count("the same cause as above") == 3 and "missing ';'" in r.stdout
    assert "5 of 5 checks fail" in r.stdout  # every check is still listed and counted


def test_a_cause_of_its_own_is_never_folded_into_the_one_above(state_dir, monkeypatch) -> None:
    """admin rebooted with named disabled: "named is not running", told once — and a requirement that also has a
    fault of its own (no forwarders in named.conf) says that fault, not "(the same cause as above)"."""
    from airgaplab.backends.fake import FakeBackend
    from airgaplab.cli import exercise as cli_exercise
    from airgaplab.exercise.steps import Graded
    from airgaplab.lab.specfile import load_spec
    from airgaplab.paths import default_lab_file

    dead = "admin's named is not running (`systemctl is-active named`: inactive)"
    own = "admin's named.conf forwards to no forwarders: not the resolvers step 3 names"
    graded = [Graded("DNS-SRV-2", "admin", Result.FAIL, "named listens", dead, ""),
              Graded("DNS-SRV-5", "admin", Result.FAIL, "admin forwards", dead, "", also=(own,)),
              Graded("DNS-SRV-6", "admin", Result.FAIL, "admin caches", dead, "")]
    lab = FakeBackend(load_spec(default_lab_file()))
    monkeypatch.setattr(cli_exercise, "open_lab", lambda name: lab)
    monkeypatch.setattr(cli_exercise.exercise, "grade", lambda be, s, timeout=None, progress=None: graded)
    r = cli("check", "3")
    assert r.returncode == 1 and r.stdout.count("named is not running") == 1, r.stdout
    assert "forwards to no forwarders" in r.stdout and "(and the cause above)" in r.stdout, r.stdout
    assert r.stdout.count("the same cause as above") == 1, r.stdout  # DNS-SRV-6 only
