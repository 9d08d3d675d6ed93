"""The gateway chapter on a netns lab: opened, the nodes reach the simulated internet through admin's masquerade;
closed, nothing gets out — each graded by its own step, and each drill caught by its step's check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airgaplab.backends.lifecycle import throwaway
from airgaplab.backends.netns.backend import NetnsBackend
from airgaplab.exercise import drills
from airgaplab.exercise import steps as exercise
from airgaplab.lab.specfile import load_spec, with_services
from airgaplab.paths import default_lab_file
from airgaplab.services.gateway.section import Gateway
from tests.helpers import lab_name


def gateway_lab(*, open_: bool = False) -> NetnsBackend:
    """The notes' lab with the gateway chapter: closed (its section left out), or provisioned open."""
    spec = with_services(load_spec(default_lab_file()), "ntp,dns,gateway")
    return NetnsBackend(spec.model_copy(update={"name": lab_name("gw"), "gateway": Gateway(open=True) if open_
                                                else None}))


@pytest.fixture
def closed() -> Iterator[NetnsBackend]:
    be = gateway_lab()
    with throwaway(be):
        yield be


def failing(be: NetnsBackend, step: str) -> set[tuple[str, str]]:
    s = exercise.step(step, exercise.of(be.spec))
    return {(g.req, g.host) for g in exercise.grade(be, s) if g.outcome.failed}


def test_the_chapter_opens_the_gateway_then_closes_it(closed: NetnsBackend) -> None:
    be = closed
    assert [s.name for s in exercise.of(be.spec)][-2:] == ["gateway-open", "gateway-closed"]
    assert not failing(be, "gateway-closed")  # the NTP/DNS chapter's lab: where the gateway chapter ends
    assert failing(be, "gateway-open") == {("GW-1", "k8s-node1"), ("GW-1", "k8s-node2")}
    exercise.solve(be, exercise.step("gateway-open", exercise.of(be.spec)))
    assert not failing(be, "gateway-open")  # each node pings the outsider through admin's masquerade
    assert ("GW-2", "admin") in failing(be, "gateway-closed")
    net = {(g.req, g.host) for g in exercise.graded(exercise.run_suite(be, "--req=NET-1")) if g.outcome.failed}
    assert net == {("NET-1", "k8s-node1"), ("NET-1", "k8s-node2")}  # open: the nodes have a way out
    exercise.solve(be, exercise.step("gateway-closed", exercise.of(be.spec)))
    assert not failing(be, "gateway-closed")
    got = exercise.graded(exercise.run_suite(be))  # the whole suite: the lab's state, the open step not judged
    assert got and not [g for g in got if g.outcome.failed] and "GW-1" not in {g.req for g in got}


@pytest.mark.parametrize(("drill", "step", "caught"), [("gateway-left-open", "gateway-closed", ("GW-2", "admin"))])
def test_each_gateway_drill_is_caught_by_its_steps_check(closed: NetnsBackend, drill: str, step: str,
                                                         caught: tuple[str, str]) -> None:
    drills.apply(closed, drill)
    assert caught in failing(closed, step)
    drills.undo(closed)
    assert not failing(closed, step)


def test_a_lab_provisioned_open_passes_the_open_gateway_and_not_the_closed_one() -> None:
    be = gateway_lab(open_=True)
    with throwaway(be):
        got = exercise.graded(exercise.run_suite(be))
        judged = {g.req for g in got}
        assert "GW-1" in judged and "GW-2" not in judged and "NET-1" not in judged
        assert not [g for g in got if g.outcome.failed], [(g.req, g.host, g.observed) for g in got if g.outcome.failed]
