"""The lab tier: real netns labs (root). One healthy lab per pytest worker serves every test that
breaks one thing; the `lab` fixture hands it over healthy again (drill undone, faults cleared, the
provisioning re-applied, every node back on admin). Tests that need a lab of their own (bare, killed,
taken down) bring one up with `netns_lab`; labs are isolated by name and state dir, so pytest-xdist
runs workers side by side (`make test` uses -n 6: the time is waiting, not CPU).

A test on the shared lab may break what provisioning restores (the files it renders, the daemons, a
drill, faults); anything else it creates (a file provisioning does not know of) it removes itself.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from airgaplab.backends.lifecycle import throwaway
from airgaplab.backends.netns.backend import NetnsBackend
from airgaplab.exercise import heal
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from tests.helpers import lab_name, needs_root
from tests.lab.browser import browser, room  # noqa: F401  # the board's tests' fixtures

HERE = Path(__file__).parent
HEALTHY_WITHIN = 30.0  # s: a reset lab is back on time well within this (about 6 s here)


# The longest tests start first, so that pytest-xdist's workers finish together (figures: --durations).
LONG_FIRST = ("test_a_class_of_three", "test_the_class_in_a_browser", "test_a_leader_runs_the_session",
              "test_a_member_is_told", "test_what_one_seat_types",
              "test_nightly", "test_a_students_session", "test_resilience_drill", "test_bare_lab_fails_every_step",
              "test_the_notes_typed",
              "test_drill_fails_exactly")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:  # every test of this tier needs root: without it, skipped with that reason
        if HERE in item.path.parents:
            item.add_marker(needs_root())

    def rank(item: pytest.Item) -> int:
        return next((i for i, p in enumerate(LONG_FIRST) if item.name.startswith(p)), len(LONG_FIRST))

    items.sort(key=rank)


@pytest.fixture(scope="session", autouse=True)
def state_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """This worker's own .lab/: never a lab the user has up."""
    d = tmp_path_factory.mktemp("state")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIRGAPLAB_STATE", str(d))
        yield d


@pytest.fixture
def one_class_at_a_time(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A class's seats are labs named seat-01, seat-02 …, names of the machine whatever the state dir: a second
    class is refused while one is up. The workers of this tier take turns (a lock on a file in the run's
    temporary root, which every worker shares)."""
    with open(tmp_path_factory.getbasetemp().parent / "one-class.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def new_lab(prefix: str, nodes: int | None = None) -> NetnsBackend:
    return NetnsBackend(load_spec(default_lab_file(), nodes).model_copy(update={"name": lab_name(prefix)}))


def make_healthy(be: NetnsBackend) -> None:
    heal.make_healthy(be, within=HEALTHY_WITHIN)


@pytest.fixture(scope="session")
def shared(state_root: Path) -> Iterator[NetnsBackend]:
    be = new_lab("shr")
    with throwaway(be):
        yield be


@pytest.fixture
def lab(shared: NetnsBackend) -> NetnsBackend:
    """The worker's shared lab, healthy: break one thing in it; the next test gets it healthy again."""
    make_healthy(shared)
    return shared


@pytest.fixture
def netns_lab() -> Iterator:
    """Factory for a lab of the test's own: up(prefix, nodes=, bare=), taken down at teardown."""
    with ExitStack() as labs:

        def up(prefix: str = "t", nodes: int | None = None, bare: bool = False) -> NetnsBackend:
            be = new_lab(prefix, nodes)
            labs.enter_context(throwaway(be, bare=bare))
            return be

        yield up


@pytest.fixture
def own_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A .lab/ of this test alone (for tests that look at everything in it)."""
    d = tmp_path / "state"
    monkeypatch.setenv("AIRGAPLAB_STATE", str(d))
    return d
