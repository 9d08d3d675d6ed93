"""The unit tier: no root, no lab, no namespaces; the CLI runs in this process (typer's CliRunner)."""

from __future__ import annotations

import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ["COLUMNS"] = "200"  # before rich's consoles are made: tables and lines unwrapped, as a wide terminal shows

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from airgaplab.backends.fake import FakeBackend
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file

# generated input (tests/unit/test_generated_input.py): a fixed seed and a bounded number in CI and `make
# test` (at most 1000; fewer where one example is slow: `examples`); the nightly run draws more, at random
# (HYPOTHESIS_PROFILE=nightly)
settings.register_profile("ci", derandomize=True, max_examples=1000, print_blob=True)
settings.register_profile("nightly", max_examples=10000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
NIGHTLY = os.environ.get("HYPOTHESIS_PROFILE") == "nightly"
# nightly: each generated test draws at random until its time is up (hypothesis itself bounds only the count)
NIGHTLY_SECONDS = float(os.environ.get("HYPOTHESIS_NIGHTLY_SECONDS", "120"))
_first_draw: dict[str, float] = {}


def examples(ci: int) -> int:
    """A generated test's number of examples: `ci` in CI and `make test` (a fixed seed; chosen so that each test
    takes seconds on a slow 2-core machine and `make unit` a minute), as many as time allows at night."""
    return settings.get_profile("nightly").max_examples if NIGHTLY else ci


def within_time(test: str) -> bool:
    """Whether `test` may try one more example: always in CI (a fixed count), for NIGHTLY_SECONDS at night.

    A test calls `assume(within_time(...))` first: past its time, hypothesis rejects the rest unrun, cheaply."""
    if not NIGHTLY:
        return True
    return time.monotonic() - _first_draw.setdefault(test, time.monotonic()) < NIGHTLY_SECONDS


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private .lab/ so tests never touch a lab the user has up."""
    d = tmp_path / "state"
    monkeypatch.setenv("AIRGAPLAB_STATE", str(d))
    return d


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def cli(*args: str, columns: int = 200) -> Result:
    """`airgaplab ARGS` in this process (a terminal `columns` wide): its exit code and what it printed on each
    stream."""
    from airgaplab.cli.main import run

    with CliRunner().isolation(env={"COLUMNS": str(columns)}) as (out, err, _both):
        code = run(list(args))
        sys.stdout.flush()  # plain print()s sit in the text wrapper's buffer until then
        sys.stderr.flush()
        return Result(code, out.getvalue().decode(errors="replace"), err.getvalue().decode(errors="replace"))


@pytest.fixture
def fake(state_dir: Path) -> FakeBackend:
    """The default lab on in-memory hosts (airgaplab.backends.fake), not yet up."""
    return FakeBackend(load_spec(default_lab_file()))


def argv(line: str) -> list[str]:
    return shlex.split(line)
