"""The lab tier: real netns labs (root). One healthy lab per pytest worker serves every test that
breaks one thing; the `lab` fixture hands it over healthy again (drill undone, faults cleared, the
provisioning re-applied, every node back on admin). Tests that need a lab of their own (bare, killed,
taken down) bring one up with `netns_lab`; labs are isolated by name and state dir, so pytest-xdist
runs workers side by side (`make test` uses -n 6: the time is waiting, not CPU).

A test on the shared lab may break what provisioning restores (the files it renders, the daemons, a
drill, faults); anything else it creates (a file provisioning does not know of) it removes itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from airgaplab import drills, facts, faults, retry
from airgaplab.backends.lifecycle import throwaway
from airgaplab.backends.netns.backend import NetnsBackend
from airgaplab.paths import default_lab_file
from airgaplab.spec import load_spec
from tests.helpers import lab_name, needs_root

HERE = Path(__file__).parent
HEALTHY_WITHIN = 30.0  # s: a reset lab is back on time well within this (about 6 s here)


# The longest tests start first, so that pytest-xdist's workers finish together (figures: --durations).
LONG_FIRST = ("test_nightly", "test_resilience_drill", "test_bare_lab_fails_every_step", "test_the_notes_typed",
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


def new_lab(prefix: str, nodes: int | None = None) -> NetnsBackend:
    return NetnsBackend(load_spec(default_lab_file(), nodes).model_copy(update={"name": lab_name(prefix)}))


LOCAL_REFID = 0x7F7F0101  # chrony's local reference (`local stratum`)


def healthy(be: NetnsBackend) -> str | None:
    """None when the lab is as the suite's converging checks want it: admin on its upstream, every node
    following admin at admin's stratum + 1 and known to it; else what is not yet so."""
    tx, admin = be.transport, be.spec.host("admin").ip
    a = facts.tracking(tx, "admin")
    if not a or a.refid == LOCAL_REFID or not facts.synced_source(tx, "admin"):
        return f"admin is not synchronized to its upstream ({facts.describe_sources(tx, 'admin')})"
    _, clients = facts.out(tx, "admin", ["chronyc", "-c", "-n", "clients"])
    for node in be.spec.nodes_list:
        sel, n = facts.synced_source(tx, node.name), facts.tracking(tx, node.name)
        if not sel or sel.name != admin or not n:
            return f"{node.name} is not synchronized to admin ({facts.describe_sources(tx, node.name)})"
        if n.stratum != a.stratum + 1:  # it took admin's local clock before admin had its upstream
            return f"{node.name} follows admin at stratum {n.stratum}, admin is at {a.stratum}"
        if node.ip not in clients:
            return f"admin's chronyc clients does not list {node.name}"
    return None


def make_healthy(be: NetnsBackend) -> None:
    """Back to the provisioned, synchronized lab: faults cleared, the drill undone, the provisioning
    re-applied (files restored, changed daemons restarted); then the nodes ask admin again (a burst, repeated
    while they still show a stale stratum) until the lab is healthy."""
    faults.clear(be)
    drills.reset(be)
    asked = [0.0]

    def settled() -> bool:
        if healthy(be) is None:
            return True
        if time.monotonic() - asked[0] > 4:  # a burst takes 4 requests 2 s apart; ask anew after it
            for node in be.spec.nodes_list:
                be.transport.exec(node.name, ["chronyc", "burst", "4/4"])
            asked[0] = time.monotonic()
        return False

    got = retry.until(settled, timeout=HEALTHY_WITHIN, interval=0.2)
    assert got, f"the lab did not become healthy within {HEALTHY_WITHIN:.0f} s: {healthy(be)}"


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
