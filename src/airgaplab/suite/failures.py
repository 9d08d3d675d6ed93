"""Failures that teach: a failing test becomes `REQ host: what was observed. hint` (the catalog's), a daemon that
does not run is named as the reason, a silence expected of a dead daemon is "not checked", and each outcome is
recorded (with its evidence) for the reports."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from dns.exception import DNSException

from airgaplab.backends.base import Backend
from airgaplab.services import registry
from airgaplab.suite import finding
from airgaplab.suite.catalog import requirement
from airgaplab.suite.outcomes import Outcome, Result
from airgaplab.suite.session import req_of, state


def _host_of(item: pytest.Item) -> str:
    """The node a test is parametrized with; admin for a test about admin alone; else the lab."""
    callspec = getattr(item, "callspec", None)
    if callspec and "node" in callspec.params:
        return str(callspec.params["node"])
    names = getattr(item, "fixturenames", [])
    rid = req_of(item)
    # a test that probes from the grader's address speaks for the internal network (the lab), as one over the nodes
    if ("admin" in names and "nodes" not in names and "grader" not in names) or \
            (rid and requirement(rid).scope == "admin"):
        be = state(item.config).backend
        return be.spec.admin.name if be is not None else "admin"
    return "lab"


_host_key = pytest.StashKey[str]()
_observed_key = pytest.StashKey[str]()
TEACHABLE = (AssertionError, TimeoutError, DNSException)  # a claim that does not hold, or a peer that never answered


def _failure(item: pytest.Item, exc: BaseException, rid: str) -> tuple[str, str, str]:
    """(host, one-line message, observation) for a failed claim: requirement, host, observation, hint."""
    f = exc if isinstance(exc, finding.Finding) else None
    host = f.host if f and f.host else _host_of(item)
    hint = f.hint if f and f.hint is not None else requirement(rid).hint
    be = state(item.config).backend
    seen, told = finding.observed(exc), finding.told(exc)
    if be is not None:
        hint = be.family.localize(hint)
        judged = host not in be.world.not_judged  # a host it cannot reach says nothing of its daemons
        if judged and not _judges_a_file(item) and (why := _daemon_why(be, rid, host)) and why not in seen:
            seen, told = (f"{t.rstrip('.')} — {why}" for t in (seen, told))
    return host, finding.message(rid, host, told, hint), seen


def _judges_a_file(item: pytest.Item) -> bool:
    """A test of a config file alone (`config`): whether its daemon runs tells nothing of it."""
    return item.get_closest_marker("config") is not None


def _daemon_server(be: Backend, rid: str | None) -> tuple[str, str] | None:
    """(daemon, the host serving it) for a requirement judged by a running daemon (the catalog's `runs`)."""
    daemon = requirement(rid).runs if rid else ""
    service = registry.of_daemon(daemon) if daemon else None
    server = be.spec.server_for(service.name) if service else None
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




def _not_judged(item: pytest.Item, be: Backend) -> str | None:
    """The host of this check the suite cannot judge here (an inventory's it cannot reach, log in to, or read as
    root), if any: its node, or admin for a check that asks admin."""
    if not be.world.not_judged:
        return None
    callspec = getattr(item, "callspec", None)
    concerned = [str(callspec.params["node"])] if callspec and "node" in callspec.params else []
    if {"admin", "grader", "nodes"} & set(getattr(item, "fixturenames", ())):
        concerned.append(be.spec.admin.name)
    return next((h for h in concerned if h in be.world.not_judged), None)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> None:
    """A claim that needs admin's daemon running fails at once, saying so, when it does not run: the test's
    queries would only wait out their timeouts (a broken lab fails about as fast as a healthy one passes)."""
    be = state(pyfuncitem.config).backend
    rid = req_of(pyfuncitem)
    if be is not None and rid and (host := _not_judged(pyfuncitem, be)):
        raise finding.Finding(f"not judged: {be.world.not_judged[host]}", hint="", host=host)
    if be is not None and rid and (quiet_one := requirement(rid).silent):
        from airgaplab.probes import facts

        quiet_service = registry.of_daemon(quiet_one)
        quiet_host = be.spec.server_for(quiet_service.name) if quiet_service else None
        if quiet_host and (why := facts.daemon_down(be.transport, quiet_host.name, quiet_one, be.family)):
            # a dead daemon is silent too: its silence proves nothing, and a PASS would say it did
            pytest.skip(f"not checked: {why}")
    judged = _daemon_server(be, rid) if be is not None and not _judges_a_file(pyfuncitem) else None
    if be is not None and judged is not None:
        from airgaplab.probes import facts

        daemon, server = judged
        if why := facts.daemon_down(be.transport, server, daemon, be.family):
            service = registry.unit_of(daemon, be.family)
            raise finding.Finding(why, hint=f"Find why it stopped (`systemctl status {service}`, `journalctl -u "
                                            f"{service}`), fix that, then `systemctl restart {service}`.")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """A requirement's failed claim becomes `REQ host: observed. hint` — for the terminal, junit and Allure
    alike; other exceptions (harness bugs) keep their traceback."""
    rid = req_of(item)
    state(item.config).running = item
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
    rid = req_of(item)
    if rid is None or not (report.when == "call" or (report.when == "setup" and report.outcome != "passed")):
        return
    st, req, msg = state(item.config), requirement(rid), ""
    host = item.stash.get(_host_key, None) or _host_of(item)
    result = Result.of_pytest(report.outcome, report.when)
    if report.outcome != "passed":
        crash = getattr(report.longrepr, "reprcrash", None)
        msg = str(crash.message if crash else report.longrepr).removeprefix("Failed: ")
    evidence = _evidence(item.config, st.backend, req.group, host) if result is Result.FAIL and st.backend else {}
    observed = item.stash.get(_observed_key, "") or msg
    st.outcomes.append(Outcome(req.id, host, result, item.nodeid, msg, req.kind, evidence, observed))


def _evidence(config: pytest.Config, backend: Backend, group: str, host: str) -> dict[str, str]:
    """Collect the failure's evidence (once per host and requirement group) and attach it to Allure, if recording."""
    from airgaplab.suite import evidence

    where = evidence.where(backend.spec, group, host)
    cache = state(config).evidence
    if (group, where) not in cache:
        cache[(group, where)] = evidence.collect(backend.transport, backend.family, group, where)
    found = cache[(group, where)]
    if config.getoption("allure_report_dir", None):
        import allure

        for label, text in found.items():
            allure.attach(text, name=label, attachment_type=allure.attachment_type.TEXT)
    return found


