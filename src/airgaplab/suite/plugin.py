"""pytest plugin: run the conformance suite against a lab that is up (or a throwaway one).

    pytest                      # the lab that is up
    pytest --lab NAME           # one of several
    pytest --lab-up[=netns]     # bring up a throwaway lab, take it down afterwards
    pytest -m ntp               # only the NTP requirements
    pytest --resilience         # also the resilience requirements (faults injected and undone)
    pytest -m resilience        # only those

A test names its requirement with `@pytest.mark.req("NTP-SRV-1")` and states its claim with a plain
`assert` (or `airgaplab.finding.fail`); this plugin adds the requirement id, the host and the
catalog's hint to the failure, and records the outcome for the reports.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Generator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from dns.exception import DNSException

from airgaplab import retry
from airgaplab.backends.base import Backend
from airgaplab.lab.family import Family
from airgaplab.lab.spec import LabSpec
from airgaplab.suite import finding
from airgaplab.suite.catalog import catalog, requirement

NO_LAB = "no lab is up: run `make lab-up`, or pass --lab-up"
DEFAULT_SYNC_TIMEOUT = 30.0
CONVERGING = "not synchronized"  # requirements of this kind wait for chrony; they run last, after the rest
T = TypeVar("T")


# --- options -------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("airgaplab", "airgaplab conformance suite")
    g.addoption("--lab", dest="airgaplab_lab", metavar="NAME", help="the lab to test (default: the one that is up)")
    g.addoption("--lab-up", dest="airgaplab_lab_up", nargs="?", const="netns", default=None, metavar="BACKEND",
                help="bring up a throwaway lab for this run (default backend netns) and take it down after")
    g.addoption("--lab-spec", dest="airgaplab_spec", metavar="FILE", help="spec for --lab-up (default labs/ntp-dns.yaml)")
    g.addoption("--lab-os", dest="airgaplab_os", metavar="OS", default=None,
                help="guest OS for --lab-up=vagrant: rocky10 or debian12 (default: the spec's vm.os)")
    g.addoption("--sync-timeout", dest="airgaplab_sync_timeout", type=float, default=None,
                metavar="S", help="how long the whole run may spend waiting for things that converge (NTP sync, reach); "
                f"default {DEFAULT_SYNC_TIMEOUT:.0f} s, longer on emulated VMs")
    g.addoption("--resilience", dest="airgaplab_resilience", action="store_true", default=False,
                help="also run the resilience requirements (faults injected and undone; about a minute more on "
                     "netns); `-m resilience` runs only them")
    g.addoption("--req", dest="airgaplab_req", action="append", default=[], metavar="ID",
                help="only the tests of this requirement (repeatable), e.g. --req DNS-SRV-3")
    g.addoption("--airgaplab-results", dest="airgaplab_results", metavar="FILE",
                help="write each test's requirement, host and outcome as JSON")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "req(id): the requirement id (catalog) a test proves")
    for m in ("ntp", "dns", "isolation", "host", "protocol"):
        config.addinivalue_line("markers", f"{m}: airgaplab {m} checks")
    config.addinivalue_line("markers", "resilience: faults injected and undone (NTP-RES, DNS-RES); run only when "
                            "asked for: `pytest --resilience` (with the rest) or `pytest -m resilience` (only them)")
    for n in sorted({r.step for r in catalog().values() if r.step}):
        config.addinivalue_line("markers", f"step{n}: the checks of exercise step {n} (`airgaplab check {n}`)")
    config.stash[_state_key] = _State()


# --- session state ---------------------------------------------------------------------
@dataclass
class Outcome:
    req: str
    host: str
    outcome: str
    nodeid: str
    message: str = ""
    kind: str = ""
    evidence: dict[str, str] = field(default_factory=dict)
    observed: str = ""  # what was seen, without the requirement id, host and hint


@dataclass
class _State:
    backend: Backend | None = None
    error: str | None = None
    cleanup: ExitStack = field(default_factory=ExitStack)
    waits: retry.Budget | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    node_names: list[str] = field(default_factory=list)
    evidence: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (family, host) → evidence
    resolved: bool = False


_state_key = pytest.StashKey[_State]()


def _state(config: pytest.Config) -> _State:
    return config.stash[_state_key]


def _throwaway(config: pytest.Config, st: _State, backend_name: str) -> Backend:
    from airgaplab.backends import make_backend
    from airgaplab.backends.lifecycle import throwaway
    from airgaplab.lab.spec import load_spec, with_vm_options
    from airgaplab.paths import default_lab_file

    spec = load_spec(Path(config.getoption("airgaplab_spec") or default_lab_file()))
    spec = with_vm_options(spec, config.getoption("airgaplab_os"), None)
    name = config.getoption("airgaplab_lab") or f"suite-{os.getpid()}"
    be = make_backend(backend_name, spec.model_copy(update={"name": name}))
    st.cleanup.enter_context(throwaway(be))
    return be


def _resolve(config: pytest.Config) -> _State:
    """Find (or bring up) the lab once, at collection time, so nodes can be parametrized."""
    st = _state(config)
    if st.resolved:
        return st
    st.resolved = True
    from airgaplab.backends import open_lab
    from airgaplab.errors import LabError, UserError

    backend_name = config.getoption("airgaplab_lab_up")
    try:
        if backend_name:
            be = _throwaway(config, st, backend_name)
        else:
            be = open_lab(config.getoption("airgaplab_lab"))
            if not be.is_up():
                raise UserError(f"lab {be.spec.name!r} is not (fully) up: run `make lab-down lab-up`, or pass --lab-up")
        st.backend = be
        st.node_names = [h.name for h in be.spec.nodes_list]
    except UserError as e:
        st.error = NO_LAB if "no lab is up" in str(e) else str(e).replace("with --name", "with `pytest --lab NAME`")
    except LabError as e:
        st.error = f"the lab did not come up: {e}"
    return st


def pytest_unconfigure(config: pytest.Config) -> None:
    st = config.stash.get(_state_key, None)
    if st is None:
        return
    st.cleanup.close()  # a throwaway lab goes down
    path = config.getoption("airgaplab_results", None)
    if path:
        Path(path).write_text(json.dumps([o.__dict__ for o in st.outcomes], indent=1))


def _req_of(item: pytest.Item) -> str | None:
    m = item.get_closest_marker("req")
    return str(m.args[0]) if m else None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "node" in metafunc.fixturenames and metafunc.definition.get_closest_marker("req"):
        st = _resolve(metafunc.config)
        metafunc.parametrize("node", st.node_names or ["(no lab)"])


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark a test with the exercise step it grades (`-m step2`), from its requirement in the catalog."""
    rid = _req_of(item)
    req = catalog().get(rid) if rid else None
    if req is not None and req.step:
        item.add_marker(f"step{req.step}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = catalog()
    for item in items:
        rid = _req_of(item)
        if rid is not None and rid not in known:
            raise pytest.UsageError(f"{item.nodeid}: requirement {rid} is not in the catalog")
    wanted = set(config.getoption("airgaplab_req") or [])
    if wanted:
        unknown = wanted - set(known)
        if unknown:
            raise pytest.UsageError(f"--req {', '.join(sorted(unknown))}: not in the catalog "
                                    "(src/airgaplab/suite/catalog.yaml)")
        others = [i for i in items if _req_of(i) not in wanted]
        config.hook.pytest_deselected(items=others)
        items[:] = [i for i in items if _req_of(i) in wanted]
    # Resilience checks inject faults: only when the run asks for them (--resilience, or -m naming them).
    asked = config.getoption("airgaplab_resilience") or "resilience" in (config.getoption("markexpr", "") or "")
    if not asked:
        skipped = [i for i in items if i.get_closest_marker("resilience")]
        if skipped:
            config.hook.pytest_deselected(items=skipped)
            items[:] = [i for i in items if not i.get_closest_marker("resilience")]
    # Resilience checks first (the rest then proves the lab healthy after them); checks that wait for chrony
    # last: the rest overlaps with the sync instead of following it.
    def order(i: pytest.Item) -> tuple[bool, bool]:
        rid = _req_of(i)
        kind = known[rid].kind if rid is not None else ""
        return kind != "resilience", kind == CONVERGING

    items.sort(key=order)
    needs_lab = any(_req_of(i) and "backend" in getattr(i, "fixturenames", ()) for i in items)
    if needs_lab and _resolve(config).error:
        raise pytest.UsageError(_resolve(config).error)  # said once, not once per test


# --- fixtures ------------------------------------------------------------------------
@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> Backend:
    """The lab under test: `backend.transport` reaches its hosts (exec, put_many, exchange), `backend.world` says
    what surrounds them (the outsider, the forwarders' side), `backend.spec` is its spec."""
    st = _resolve(request.config)
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
    """The name of the host serving NTP and DNS."""
    server = spec.server_for("ntp") or spec.server_for("dns")
    assert server is not None, "the spec names no NTP or DNS server"
    return server.name


@pytest.fixture(scope="session")
def nodes(spec: LabSpec) -> list[str]:
    return [h.name for h in spec.nodes_list]


@pytest.fixture(scope="session")
def grader(backend: Backend, spec: LabSpec) -> str:
    """Where the suite probes admin's services from: the grader's own address on the internal network
    (`airgaplab-grader`, spec.grader_ip), so `chronyc clients` on admin lists no host that never asked it
    itself; the first node where the lab offers no such vantage."""
    return backend.world.grader or spec.nodes_list[0].name


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
    budget = _state(request.config).waits
    assert budget is not None  # the backend fixture made it

    def wait(probe: Callable[[], T], give_up: Callable[[], str | None] | None = None,
             interval: float = 0.1) -> retry.Attempt[T]:
        return budget.until(probe, interval=interval, give_up=give_up)

    return wait


# --- failures that teach -----------------------------------------------------------------
def _host_of(item: pytest.Item) -> str:
    """The node a test is parametrized with; admin for a test about admin alone; else the lab."""
    callspec = getattr(item, "callspec", None)
    if callspec and "node" in callspec.params:
        return str(callspec.params["node"])
    names = getattr(item, "fixturenames", [])
    rid = _req_of(item)
    # a test that probes from the grader's address speaks for the internal network (the lab), as one over the nodes
    if ("admin" in names and "nodes" not in names and "grader" not in names) or \
            (rid and requirement(rid).scope == "admin"):
        be = _state(item.config).backend
        server = be.spec.server_for("ntp") if be is not None else None
        return server.name if server else "admin"
    return "lab"


_host_key = pytest.StashKey[str]()
_observed_key = pytest.StashKey[str]()
TEACHABLE = (AssertionError, TimeoutError, DNSException)  # a claim that does not hold, or a peer that never answered


def _failure(item: pytest.Item, exc: BaseException, rid: str) -> tuple[str, str, str]:
    """(host, one-line message, observation) for a failed claim: requirement, host, observation, hint."""
    f = exc if isinstance(exc, finding.Finding) else None
    host = f.host if f and f.host else _host_of(item)
    hint = f.hint if f and f.hint else requirement(rid).hint
    be = _state(item.config).backend
    seen, told = finding.observed(exc), finding.told(exc)
    if be is not None:
        hint = be.family.localize(hint)
        if (why := _daemon_why(be, rid, host)) and why not in seen:
            seen, told = (f"{t.rstrip('.')} — {why}" for t in (seen, told))
    return host, finding.message(rid, host, told, hint), seen


def _daemon_server(be: Backend, rid: str | None) -> tuple[str, str] | None:
    """(daemon, the host serving it) for a requirement judged by a running daemon (the catalog's `runs`)."""
    daemon = requirement(rid).runs if rid else ""
    server = be.spec.server_for("ntp" if daemon == "chronyd" else "dns") if daemon else None
    return (daemon, server.name) if server else None


def _daemon_why(be: Backend, rid: str, host: str) -> str | None:
    """Why the daemon a requirement judges cannot show it: it does not run, or it runs an older file than the
    one on disk (restart it) — on the daemon's server and, for chronyd, on the node judged."""
    from airgaplab.probes import facts

    judged = _daemon_server(be, rid)
    if judged is None:
        return None
    daemon, server = judged
    hosts = [server] + ([host] if daemon == "chronyd" and host in {n.name for n in be.spec.nodes_list} else [])
    for h in hosts:
        if why := facts.daemon_down(be.transport, h, daemon, be.family) or \
                facts.restart_due(be.transport, h, daemon, be.family):
            return why
    return None




@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> None:
    """A claim that needs admin's daemon running fails at once, saying so, when it does not run: the test's
    queries would only wait out their timeouts (a broken lab fails about as fast as a healthy one passes)."""
    be = _state(pyfuncitem.config).backend
    rid = _req_of(pyfuncitem)
    if be is not None and rid and (quiet_one := requirement(rid).silent):
        from airgaplab.probes import facts

        quiet_host = be.spec.server_for("ntp" if quiet_one == "chronyd" else "dns")
        if quiet_host and (why := facts.daemon_down(be.transport, quiet_host.name, quiet_one, be.family)):
            # a dead daemon is silent too: its silence proves nothing, and a PASS would say it did
            pytest.skip(f"not checked: {why}")
    judged = _daemon_server(be, rid) if be is not None else None
    if be is not None and judged is not None:
        from airgaplab.probes import facts

        daemon, server = judged
        if why := facts.daemon_down(be.transport, server, daemon, be.family):
            service = be.family.service(daemon)
            raise finding.Finding(why, hint=f"Find why it stopped (`systemctl status {service}`, `journalctl -u "
                                            f"{service}`), fix that, then `systemctl restart {service}`.")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """A requirement's failed claim becomes `REQ host: observed. hint` — for the terminal, junit and Allure
    alike; other exceptions (harness bugs) keep their traceback."""
    rid = _req_of(item)
    try:
        return (yield)
    except TEACHABLE as e:
        if rid is None:
            raise
        host, msg, seen = _failure(item, e, rid)
        item.stash[_host_key] = host
        item.stash[_observed_key] = seen
        raise pytest.fail.Exception(msg, pytrace=False) from None  # the message says it all


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    rid = _req_of(item)
    if rid is None or not (report.when == "call" or (report.when == "setup" and report.outcome != "passed")):
        return
    st, req, msg = _state(item.config), requirement(rid), ""
    host = item.stash.get(_host_key, None) or _host_of(item)
    result = {"passed": "PASS", "skipped": "SKIP"}.get(report.outcome, "ERROR" if report.when == "setup" else "FAIL")
    if report.outcome != "passed":
        crash = getattr(report.longrepr, "reprcrash", None)
        msg = str(crash.message if crash else report.longrepr).removeprefix("Failed: ")
    evidence = _evidence(item.config, st.backend, req.family, host) if result == "FAIL" and st.backend else {}
    observed = item.stash.get(_observed_key, "") or msg
    st.outcomes.append(Outcome(req.id, host, result, item.nodeid, msg, req.kind, evidence, observed))


def _evidence(config: pytest.Config, backend: Backend, family: str, host: str) -> dict[str, str]:
    """Collect the failure's evidence (once per host and family) and attach it to Allure, if recording."""
    from airgaplab.suite import evidence

    where = evidence.where(backend.spec, family, host)
    cache = _state(config).evidence
    if (family, where) not in cache:
        cache[(family, where)] = evidence.collect(backend.transport, backend.family, family, where)
    found = cache[(family, where)]
    if config.getoption("allure_report_dir", None):
        import allure

        for label, text in found.items():
            allure.attach(text, name=label, attachment_type=allure.attachment_type.TEXT)
    return found


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    from airgaplab.suite.terminal import write_table

    st = config.stash.get(_state_key, None)
    if st and st.outcomes:
        write_table(terminalreporter, st.outcomes, st.node_names, st.backend)
