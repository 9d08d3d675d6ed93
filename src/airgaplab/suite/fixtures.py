"""The suite's fixtures: the lab's backend, spec and OS family, its hosts by role, the grader's vantage, testinfra
hosts, and `converge` (a wait within the run's shared budget)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from airgaplab import retry
from airgaplab.backends.base import Backend
from airgaplab.lab.family import Family
from airgaplab.lab.spec import LabSpec
from airgaplab.suite.session import NO_LAB, resolve, state

T = TypeVar("T")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> Backend:
    """The lab under test: `backend.transport` reaches its hosts (exec, put_many, exchange), `backend.world` says
    what surrounds them (the outsider, the forwarders' side), `backend.spec` is its spec."""
    st = resolve(request.config)
    if st.backend is None:
        pytest.fail(st.error or NO_LAB, pytrace=False)
    if st.waits is None:
        st.waits = retry.Budget(request.config.getoption("airgaplab_sync_timeout") or st.backend.world.sync_timeout)
    return st.backend


@pytest.fixture(scope="session")
def lab(backend: Backend) -> Backend:
    """Deprecated name of `backend`."""
    warnings.warn("the `lab` fixture is now `backend` (and the spec is `spec`)", DeprecationWarning, stacklevel=2)
    return backend


@pytest.fixture(scope="session")
def spec(backend: Backend) -> LabSpec:
    """The lab's spec: hosts, addresses, the NTP and DNS settings of the reference."""
    return backend.spec


@pytest.fixture(scope="session")
def fam(backend: Backend) -> Family:
    """The hosts' OS family (airgaplab.family): config paths, service and package names."""
    return backend.family


@pytest.fixture(scope="session")
def admin(spec: LabSpec) -> str:
    """The name of the host serving the others (NTP, DNS …)."""
    assert any(h.is_server for h in spec.hosts), "the spec names no server (no host has a -server role)"
    return spec.admin.name


@pytest.fixture(scope="session")
def nodes(spec: LabSpec) -> list[str]:
    return [h.name for h in spec.nodes_list]


@pytest.fixture(scope="session")
def grader(backend: Backend, spec: LabSpec) -> str:
    """Where the suite probes admin's services from: the grader's own address on the internal network
    (`airgaplab-grader`, spec.grader_ip), so `chronyc clients` on admin lists no host that never asked it
    itself; the first node where the lab offers no such vantage."""
    judged = [h.name for h in spec.nodes_list if h.name not in backend.world.not_judged]
    return backend.world.grader or (judged or [spec.nodes_list[0].name])[0]


@pytest.fixture(scope="session")
def grader_ip(backend: Backend, spec: LabSpec, grader: str) -> str:
    """The address the grader's probes come from: its own, or the node's it probes from."""
    return spec.grader_ip if backend.world.grader else spec.host(grader).ip


@pytest.fixture(scope="session")
def hosts(backend: Backend) -> dict[str, Any]:
    """hosts[name] → a testinfra Host running commands on that lab host."""
    from airgaplab.suite.hosts import lab_host

    class _Hosts(dict[str, Any]):
        def __missing__(self, name: str) -> Any:
            self[name] = lab_host(backend.transport, name)
            return self[name]

    return _Hosts()


@pytest.fixture(scope="session")
def converge(request: pytest.FixtureRequest, backend: Backend) -> Callable[..., retry.Attempt[Any]]:
    """converge(probe, give_up=None, interval=0.1) → retry.Attempt, waiting within the run's shared budget.

    Every wait of the run spends one budget (--sync-timeout), so a lab that never converges costs
    that timeout once, not per test, and a long run (the VM suite) still has it for a late
    transient; `give_up` (e.g. facts.unanswered) ends a wait at once when the lab shows that
    waiting cannot help.
    """
    budget = state(request.config).waits
    assert budget is not None  # the backend fixture made it
    progress = request.config.getoption("airgaplab_progress", None)

    def wait(probe: Callable[[], T], give_up: Callable[[], str | None] | None = None,
             interval: float = 0.1) -> retry.Attempt[T]:
        missed = [False]

        def watched() -> T:
            got = probe()
            # it holds at once most of the time: say only a real wait (a spent budget waits no more)
            if not got and not missed[0] and progress and budget.left >= 1:
                missed[0] = True
                with open(progress, "a") as f:
                    f.write(f"waiting up to {budget.left:.0f} s: {_waiting_for(state(request.config).running)}\n")
            return got

        return budget.until(watched, interval=interval, give_up=give_up)

    return wait


def _waiting_for(item: pytest.Item | None) -> str:
    """What the check being run waits for, in the words `check` shows: its requirement's claim, on its host."""
    from airgaplab.suite.catalog import requirement
    from airgaplab.suite.session import req_of

    if item is None:
        return "the lab"
    rid = req_of(item)
    claim = (requirement(rid).title or requirement(rid).claim) if rid else item.name
    callspec = getattr(item, "callspec", None)
    host = callspec.params.get("node") if callspec else None
    return f"{host}: {claim}" if host else claim




@pytest.fixture(scope="session", autouse=True)
def _junit_names_the_network(request: pytest.FixtureRequest,
                             record_testsuite_property: Callable[[str, object], None]) -> Iterator[None]:
    """JUnit's testsuite properties name what was judged: the inventory, and each host's verdict (the reports'
    page says the same); nothing for a lab of the harness's, whose name every test's id already carries."""
    yield
    from airgaplab.suite.outcomes import host_verdicts

    st = state(request.config)
    be = st.backend
    source = getattr(be, "source", None)
    if be is None or source is None:
        return
    record_testsuite_property("airgaplab.inventory", source)
    for v in host_verdicts(be.spec.host_names, ((o.host, o.outcome) for o in st.outcomes), be.world.not_judged):
        record_testsuite_property(f"airgaplab.host.{v['name']}", f"{v['verdict']} {v['why']}".strip())
