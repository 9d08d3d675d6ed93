"""The CLI's usage errors: one line saying what is wrong and where help is, exit 2, nothing created."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import cli


@pytest.mark.parametrize("args", [["up", "--os", "windows"], ["up", "--hypervisor", "xen"],
                                  ["doctor", "--os", "windows"], ["box", "build", "windows"], ["box", "rm", "windows"]])
def test_bad_vm_options_are_one_line_and_exit_2(args: list[str], state_dir: Path) -> None:
    r = cli(*args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
    assert not state_dir.exists() or not any(state_dir.iterdir())


@pytest.mark.parametrize(("args", "says", "help_of"), [
    (["statuss"], "No such command 'statuss'", "airgaplab --help"),
    (["exec", "k8s-node1"], "Missing argument 'COMMAND", "airgaplab exec --help"),
    (["status", "--nam", "x"], "No such option: --nam", "airgaplab status --help"),
    (["render", "--name", "x"], "No such option: --name", "airgaplab render --help"),
    (["box", "build"], "Missing argument 'OS'", "airgaplab box --help"),
])
def test_usage_errors_are_one_line_and_exit_2(args: list[str], says: str, help_of: str, state_dir: Path) -> None:
    r = cli(*args)
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and f"`{help_of}`" in lines[0], r.stderr
    assert not state_dir.exists() or not any(state_dir.iterdir())


def test_old_lab_option_still_names_the_spec_with_a_one_line_notice(tmp_path: Path, state_dir: Path) -> None:
    spec = tmp_path / "lab.yaml"
    spec.write_text("name: x\nhosts: []\n")  # invalid: the spec error proves the file was read as the spec
    for opt in (["--lab", str(spec)], [f"--lab={spec}"]):
        r = cli("render", *opt)
        assert "note: --lab is now --spec" in r.stderr, r.stderr
        assert r.returncode == 2 and str(spec) in r.stderr, r.stderr
    new = cli("render", "--spec", str(spec))
    assert new.returncode == 2 and "note:" not in new.stderr, new.stderr


def test_down_of_a_lab_that_is_not_there_is_nothing_to_do_and_exit_0(state_dir: Path) -> None:
    r = cli("down", "--name", "nosuch")
    assert r.returncode == 0 and "no lab named nosuch is up: nothing to take down" in r.stdout, r.stdout + r.stderr
    r = cli("down")
    assert r.returncode == 0 and "no lab is up: nothing to take down" in r.stdout, r.stdout + r.stderr
    assert not state_dir.exists() or not any(state_dir.iterdir())


def test_status_of_no_lab_is_one_line_and_exit_2(state_dir: Path) -> None:
    r = cli("status", "--name", "nosuch")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "no lab named 'nosuch' is up" in r.stderr, r.stderr


@pytest.mark.parametrize("command", [["up"], ["check"], ["fault"], ["drill"], ["report"], ["exec"], ["box", "build"],
                                     ["solve"], ["down"], ["nightly"], ["doctor"]])
def test_help_reads_at_80_columns_without_type_noise_or_doubled_brackets(command: list[str]) -> None:
    r = cli(*command, "--help", columns=80)
    assert r.returncode == 0, r.stderr
    assert "<bool>" not in r.stdout and "[[" not in r.stdout, r.stdout
    long = [line for line in r.stdout.splitlines() if len(line) > 80]
    assert not long, long
    # wrapped option help stays indented under its own column
    opts = r.stdout.split("Options:", 1)[-1].splitlines()[1:]
    assert all(line.startswith("  ") for line in opts if line.strip()), r.stdout


def test_the_exercise_text_wraps_each_step_under_its_number() -> None:
    from airgaplab.exercise import steps as exercise

    lines = exercise.text(80).splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    for n in range(1, 5):
        at = next(i for i, line in enumerate(lines) if line.startswith(f"  {n}. "))
        follow = lines[at + 1]
        assert follow.startswith("     "), follow  # the step's continuation and its check, indented
