"""pytest plugin: run the conformance suite against a lab that is up (or a throwaway one).

    pytest                      # the lab that is up
    pytest --lab NAME           # one of several
    pytest --lab-up[=netns]     # bring up a throwaway lab, take it down afterwards
    pytest -m ntp               # only the NTP requirements
    pytest --inventory FILE     # an existing network's admin and nodes, over ssh, read-only (airgaplab.inventory)
    pytest --resilience         # also the resilience requirements (faults injected and undone)
    pytest -m resilience        # only those

A test names its requirement with `@pytest.mark.req("NTP-SRV-1")` and states its claim with a plain
`assert` (or `airgaplab.suite.finding.fail`); this plugin adds the requirement id, the host and the
catalog's hint to the failure, and records the outcome for the reports.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from airgaplab.paths import project_root
from airgaplab.services import registry
from airgaplab.suite import failures, fixtures
from airgaplab.suite.catalog import catalog
from airgaplab.suite.session import CONVERGING, DEFAULT_SYNC_TIMEOUT, STATE_KEY, State, req_of, resolve


# --- options -------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("airgaplab", "airgaplab conformance suite")
    g.addoption("--lab", dest="airgaplab_lab", metavar="NAME", help="the lab to test (default: the one that is up)")
    g.addoption("--lab-up", dest="airgaplab_lab_up", nargs="?", const="netns", default=None, metavar="BACKEND",
                help="bring up a throwaway lab for this run (default backend netns) and take it down after")
    g.addoption("--inventory", dest="airgaplab_inventory", metavar="FILE",
                help="judge existing hosts instead of a lab: an Ansible inventory (INI or YAML: group `admin`, the "
                     "nodes) or testinfra's ssh://user@host list; read-only, over ssh")
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
    g.addoption("--airgaplab-progress", dest="airgaplab_progress", metavar="FILE",
                help="append a line to FILE each time a check starts to wait (what for, how long at most)")
    g.addoption("--airgaplab-results", dest="airgaplab_results", metavar="FILE",
                help="write each test's requirement, host and outcome as JSON")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "req(id): the requirement id (catalog) a test proves")
    for m in (*registry.NAMES, "isolation", "host", "protocol"):
        config.addinivalue_line("markers", f"{m}: airgaplab {m} checks")
    config.addinivalue_line("markers", "config: judges a config file alone, not the daemon that reads it: graded "
                                       "whether the daemon runs or not (its fault is a cause of its own)")
    config.addinivalue_line("markers", "resilience: faults injected and undone (NTP-RES, DNS-RES); run only when "
                            "asked for: `pytest --resilience` (with the rest) or `pytest -m resilience` (only them)")
    for n in sorted({r.step for r in catalog().values() if r.step}):
        config.addinivalue_line("markers", f"step{n}: the checks of exercise step {n} (`airgaplab check {n}`)")
    _with_services_tests(config)
    config.stash[STATE_KEY] = State()
    config.pluginmanager.register(fixtures, "airgaplab.suite.fixtures")
    config.pluginmanager.register(failures, "airgaplab.suite.failures")


def _with_services_tests(config: pytest.Config) -> None:
    """The conformance suite is tests/conformance (the lab's own requirements) and each service's conformance/
    (airgaplab/services/<name>/): asked for the one, pytest collects the others too."""
    suite = (project_root() / "tests" / "conformance").resolve()
    asked = {Path(base, a.split("::")[0]).resolve() for a in config.args
             for base in (config.invocation_params.dir, config.rootpath)}  # testpaths are the rootdir's
    if suite in asked:
        config.args += [str(s.conformance_dir) for s in registry.every() if s.conformance_dir.is_dir()]


def pytest_unconfigure(config: pytest.Config) -> None:
    st = config.stash.get(STATE_KEY, None)
    if st is None:
        return
    st.cleanup.close()  # a throwaway lab goes down
    path = config.getoption("airgaplab_results", None)
    if path:
        Path(path).write_text(json.dumps([o.as_json() for o in st.outcomes], indent=1))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "node" in metafunc.fixturenames and metafunc.definition.get_closest_marker("req"):
        st = resolve(metafunc.config)
        metafunc.parametrize("node", st.node_names or ["(no lab)"])


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark a test with the exercise step it grades (`-m step2`), from its requirement in the catalog."""
    rid = req_of(item)
    req = catalog().get(rid) if rid else None
    if req is not None and req.step:
        item.add_marker(f"step{req.step}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = catalog()
    for item in items:
        rid = req_of(item)
        if rid is not None and rid not in known:
            raise pytest.UsageError(f"{item.nodeid}: requirement {rid} is not in the catalog")
    wanted = set(config.getoption("airgaplab_req") or [])
    if wanted:
        unknown = wanted - set(known)
        if unknown:
            raise pytest.UsageError(f"--req {', '.join(sorted(unknown))}: not in the catalog "
                                    "(suite/catalog.yaml, services/*/catalog.yaml)")
        others = [i for i in items if req_of(i) not in wanted]
        config.hook.pytest_deselected(items=others)
        items[:] = [i for i in items if req_of(i) in wanted]
    # A requirement of a service the lab lacks, or of a state the lab is not in (the gateway open), is not this
    # lab's — unless the run asks for it by name or by its step (`airgaplab check gateway-open`).
    be = resolve(config).backend if any(req_of(i) for i in items) else None
    if be is not None:
        expr = config.getoption("markexpr", "") or ""
        def theirs(i: pytest.Item) -> bool:
            r = known.get(req_of(i) or "")
            return r is None or r.holds_on(be.spec) or (
                (r.id in wanted or re.search(rf"\bstep{r.step}\b", expr) is not None)
                and (not r.service or r.service in be.spec.service_names))
        others = [i for i in items if not theirs(i)]
        if others:
            config.hook.pytest_deselected(items=others)
            items[:] = [i for i in items if theirs(i)]
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
        rid = req_of(i)
        kind = known[rid].kind if rid is not None else ""
        return kind != "resilience", kind == CONVERGING

    items.sort(key=order)
    needs_lab = any(req_of(i) and "backend" in getattr(i, "fixturenames", ()) for i in items)
    if needs_lab and resolve(config).error:
        raise pytest.UsageError(resolve(config).error)  # said once, not once per test


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    from airgaplab.suite.terminal import write_table

    st = config.stash.get(STATE_KEY, None)
    if st and st.outcomes:
        write_table(terminalreporter, st.outcomes, st.node_names, st.backend)
