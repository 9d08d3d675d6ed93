"""pytest plugin: run the conformance suite against a lab that is up (or a throwaway one).

    pytest                      # the lab that is up
    pytest --lab NAME           # one of several
    pytest --lab-up[=netns]     # bring up a throwaway lab, take it down afterwards
    pytest -m ntp               # only the NTP requirements
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from airgaplab.backends.base import Backend
from airgaplab.catalog import catalog, requirement
from airgaplab.family import ROCKY, Family
from airgaplab.outcomes import FAILED, per_host, worst
from airgaplab.outcomes import cell as outcome_cell

NO_LAB = "no lab is up: run `make lab-up`, or pass --lab-up"
DEFAULT_SYNC_TIMEOUT = 30.0


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
                metavar="S", help="how long the whole run waits for things that converge (NTP sync, reach); "
                f"default {DEFAULT_SYNC_TIMEOUT:.0f} s, longer on emulated VMs")
    g.addoption("--airgaplab-results", dest="airgaplab_results", metavar="FILE",
                help="write each test's requirement, host and outcome as JSON")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "req(id): the requirement id (catalog) a test proves")
    for m in ("ntp", "dns", "isolation", "host", "protocol"):
        config.addinivalue_line("markers", f"{m}: airgaplab {m} checks")
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


@dataclass
class _State:
    backend: object | None = None
    error: str | None = None
    throwaway: object | None = None
    deadline: float | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    node_names: list[str] = field(default_factory=list)
    resolved: bool = False


_state_key = pytest.StashKey[_State]()


def _resolve(config: pytest.Config) -> _State:
    """Find (or bring up) the lab once, at collection time, so nodes can be parametrized."""
    st = config.stash[_state_key]
    if st.resolved:
        return st
    st.resolved = True
    from airgaplab.backends import make_backend, open_lab
    from airgaplab.errors import LabError, UserError
    from airgaplab.paths import default_lab_file
    from airgaplab.spec import load_spec, with_vm_options

    backend_name = config.getoption("airgaplab_lab_up")
    try:
        if backend_name:
            spec = load_spec(Path(config.getoption("airgaplab_spec") or default_lab_file()))
            spec = with_vm_options(spec, config.getoption("airgaplab_os"), None)
            name = config.getoption("airgaplab_lab") or f"suite-{os.getpid()}"
            spec = spec.model_copy(update={"name": name})
            be = make_backend(backend_name, spec)
            st.throwaway = be
            try:
                be.up()
            except UserError:  # refused before creating anything (e.g. a lab of that name is up): not ours
                st.throwaway = None
                raise
            except BaseException:
                be.down()
                st.throwaway = None
                raise
        else:
            be = open_lab(config.getoption("airgaplab_lab"))
            if not be.is_up():
                raise UserError(f"lab {be.lab.name!r} is not (fully) up: run `make lab-down lab-up`, or pass --lab-up")
        st.backend = be
        _family[0] = be.family
        st.node_names = [h.name for h in be.lab.nodes_list]
    except UserError as e:
        st.error = NO_LAB if "no lab is up" in str(e) else str(e)
    except LabError as e:
        st.error = f"the lab did not come up: {e}"
    return st


def pytest_unconfigure(config: pytest.Config) -> None:
    st = config.stash.get(_state_key, None)
    if st and st.throwaway is not None:
        st.throwaway.down()  # type: ignore[attr-defined]
        st.throwaway = None
    path = config.getoption("airgaplab_results", None)
    if st and path:
        Path(path).write_text(json.dumps([o.__dict__ for o in st.outcomes], indent=1))


def _is_conformance(item: pytest.Item) -> bool:
    return item.get_closest_marker("req") is not None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "node" in metafunc.fixturenames and metafunc.definition.get_closest_marker("req"):
        st = _resolve(metafunc.config)
        names = st.node_names or ["(no lab)"]
        metafunc.parametrize("node", names)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = catalog()
    for item in items:
        m = item.get_closest_marker("req")
        if m and m.args[0] not in known:
            raise pytest.UsageError(f"{item.nodeid}: requirement {m.args[0]} is not in the catalog")
    if any(_is_conformance(i) for i in items):
        _resolve(config)


# --- fixtures ------------------------------------------------------------------------
@pytest.fixture(scope="session")
def lab(request: pytest.FixtureRequest):
    """The lab under test (a Backend: exec, put, exchange, …)."""
    st = _resolve(request.config)
    if st.backend is None:
        pytest.fail(st.error or NO_LAB, pytrace=False)
    if st.deadline is None:
        timeout = request.config.getoption("airgaplab_sync_timeout") or st.backend.sync_timeout  # type: ignore[attr-defined]
        st.deadline = time.monotonic() + timeout
    return st.backend


@pytest.fixture(scope="session")
def fam(lab: Backend) -> Family:
    """The hosts' OS family (airgaplab.family): config paths, service and package names."""
    return lab.family


@pytest.fixture(scope="session")
def admin(lab) -> str:
    """The name of the host serving NTP and DNS."""
    server = lab.lab.server_for("ntp") or lab.lab.server_for("dns")
    return server.name


@pytest.fixture(scope="session")
def nodes(lab) -> list[str]:
    return [h.name for h in lab.lab.nodes_list]


@pytest.fixture(scope="session")
def hosts(lab):
    """hosts[name] → a testinfra Host running commands on that lab host."""
    from airgaplab.hosts import lab_host

    cache: dict[str, object] = {}

    class _Hosts(dict):
        def __missing__(self, name: str):
            cache[name] = lab_host(lab, name)
            self[name] = cache[name]
            return cache[name]

    return _Hosts()


@pytest.fixture(scope="session")
def converge(request: pytest.FixtureRequest, lab) -> Callable[..., object]:
    """converge(probe) → the probe's last value once it is truthy, waiting until the run's shared deadline.

    Every wait of the run shares one deadline (--sync-timeout from the first
    lab use), so a lab that never converges costs that timeout once, not per test.
    """
    st = request.config.stash[_state_key]

    def wait(probe: Callable[[], object], interval: float = 0.25) -> object:
        while True:
            value = probe()
            if value or time.monotonic() >= (st.deadline or 0):
                return value
            time.sleep(interval)

    return wait


# --- failures that teach -----------------------------------------------------------------
_family: list[Family] = [ROCKY]  # the lab's OS family, once the lab is known: hints name its paths


def fail(req: str, host: str, observed: str, hint: str | None = None) -> None:
    """Fail with: requirement, host, what was observed, what to check (paths of the lab's OS family)."""
    r = requirement(req)
    pytest.fail(f"{req} {host}: {observed}. {_family[0].localize(hint or r.hint)}", pytrace=False)


def expect_service(host, req: str, name: str, binary: str, unit: str, packages: str) -> None:
    """The daemon `binary` is installed and its `unit` enabled and running on testinfra host `host` (named `name`)."""
    if not host.exists(binary):
        fail(req, name, f"{unit} is not installed", f"Install it: `{packages}`.")
    svc = host.service(unit)
    if not svc.is_enabled:
        fail(req, name, f"{unit} is not enabled", f"Enable it: `systemctl enable --now {unit}`.")
    if not svc.is_running:
        fail(req, name, f"{unit} is not running")


# --- reporting ---------------------------------------------------------------------------
def _host_of(item: pytest.Item) -> str:
    callspec = getattr(item, "callspec", None)
    if callspec and "node" in callspec.params:
        return str(callspec.params["node"])
    m = item.get_closest_marker("req")
    scope = requirement(m.args[0]).scope if m else "lab"
    if scope == "admin":
        st = item.config.stash[_state_key]
        be = st.backend
        server = be.lab.server_for("ntp") if be is not None else None  # type: ignore[attr-defined]
        return server.name if server else "admin"
    return "lab"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    m = item.get_closest_marker("req")
    if m is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        result = "PASS" if report.outcome == "passed" else ("SKIP" if report.outcome == "skipped" else "FAIL")
        if report.when == "setup" and report.outcome == "failed":
            result = "ERROR"
        msg = ""
        evidence: dict[str, str] = {}
        st = item.config.stash[_state_key]
        host = _host_of(item)
        req = requirement(m.args[0])
        if report.outcome != "passed":
            crash = getattr(report.longrepr, "reprcrash", None)
            msg = str(crash.message if crash else report.longrepr).removeprefix("Failed: ")
        if result == "FAIL" and st.backend is not None:
            evidence = _evidence(item.config, st.backend, req.family, host)
        st.outcomes.append(Outcome(req.id, host, result, item.nodeid, msg, req.kind, evidence))


def _evidence(config: pytest.Config, backend, family: str, host: str) -> dict[str, str]:
    """Collect the failure's evidence and attach it to the Allure result, if Allure is recording."""
    from airgaplab.report import evidence

    where = host if host in backend.lab.host_names else (backend.lab.server_for("ntp") or backend.lab.hosts[0]).name
    found = evidence.collect(backend, family, where)
    if config.getoption("allure_report_dir", None):
        import allure

        for label, text in found.items():
            allure.attach(text, name=label, attachment_type=allure.attachment_type.TEXT)
    return found


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    st = config.stash.get(_state_key, None)
    if not st or not st.outcomes:
        return
    # requirement × host, merged as the reports merge them (airgaplab.outcomes)
    cells: dict[tuple[str, str], str] = {}
    for req in {o.req for o in st.outcomes}:
        for host, v in per_host((o.host, o.outcome) for o in st.outcomes if o.req == req).items():
            cells[(req, host)] = v
    hosts = list(dict.fromkeys(o.host for o in st.outcomes))
    hosts.sort(key=lambda h: (h != "lab", h))
    nodes = [h for h in hosts if h in st.node_names]
    collapse = len(nodes) > 4
    columns = [h for h in hosts if not (collapse and h in nodes)] + (["nodes"] if collapse else [])
    reqs = [r for r in catalog() if any(k[0] == r for k in cells)]
    tr = terminalreporter
    be = st.backend
    where = f" — lab {be.lab.name} on {be.name}" if be is not None else ""  # type: ignore[attr-defined]
    tr.section(f"airgaplab conformance: requirement × host{where}")
    width = max(len(c) for c in [*columns, "PASS"]) + 2
    tr.write_line("requirement".ljust(12) + "".join(c.ljust(width) for c in columns))
    def value(r: str, c: str) -> str:
        if c == "nodes":
            return outcome_cell([cells[(r, n)] for n in nodes if (r, n) in cells])
        return cells.get((r, c), "")

    for r in reqs:
        line = r.ljust(12) + "".join(value(r, c).ljust(width) for c in columns)
        status = worst(v for (rr, _), v in cells.items() if rr == r)
        tr.write_line(line, red=status in FAILED, green=status == "PASS", yellow=status == "SKIP")
    statuses = [worst(v for (rr, _), v in cells.items() if rr == r) for r in reqs]
    ok, skipped = statuses.count("PASS"), statuses.count("SKIP")
    of = f" (of {len(catalog())} in the catalog)" if len(reqs) < len(catalog()) else ""
    tr.write_line(f"{ok}/{len(reqs)} requirements pass{of}" + (f", {skipped} skipped" if skipped else ""))

