"""The one typed outcome and the one merge the terminal table, the reports and the board share (no lab, no root)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airgaplab.report.summary import requirements
from airgaplab.suite.outcomes import Outcome, Result, cell, load, per_host, verdict, worst

P, S, E, F = Result.PASS, Result.SKIP, Result.ERROR, Result.FAIL


def test_worst_orders_fail_error_skip_pass() -> None:
    assert worst([]) is None
    assert worst([P, P]) is P
    assert worst([P, S]) is S
    assert worst([S, E]) is E
    assert worst([E, F, P]) is F


def test_a_skip_passes_and_an_error_fails() -> None:
    assert [r.passing for r in (P, S, E, F)] == [True, True, False, False]
    assert [r.failed for r in (P, S, E, F)] == [False, False, True, True]


@pytest.mark.parametrize(("outcome", "when", "result"), [
    ("passed", "call", P), ("skipped", "call", S), ("skipped", "setup", S), ("failed", "call", F),
    ("failed", "setup", E)])
def test_a_pytest_report_is_one_result(outcome: str, when: str, result: Result) -> None:
    assert Result.of_pytest(outcome, when) is result


def test_an_outcome_crosses_json_and_comes_back_typed(tmp_path: Path) -> None:
    o = Outcome("NET-1", "k8s-node1", F, "tests/x.py::t", "NET-1 k8s-node1: route", "behaviour", {"a": "b"}, "route")
    path = tmp_path / "results.json"
    path.write_text(json.dumps([o.as_json()]))
    assert json.loads(path.read_text())[0]["outcome"] == "FAIL"  # the wire's form: the word
    assert load(path) == [o] and load(path)[0].outcome is F
    assert load(tmp_path / "none.json") == []  # the suite could not run
    with pytest.raises(ValueError):
        Outcome.from_json({**o.as_json(), "outcome": "MAYBE"})


def test_collapsed_nodes_cell_never_shows_a_skip_as_a_failure() -> None:
    assert cell([P, S, P]) == "SKIP"
    assert cell([P, F, S]) == "FAIL 1/3"
    assert cell([P] * 5) == "PASS"
    assert cell([]) == ""


def test_per_host_keeps_the_worst_of_each_host() -> None:
    got = per_host([("k8s-node1", P), ("k8s-node1", F), ("k8s-node2", S), ("lab", P)])
    assert got == {"k8s-node1": F, "k8s-node2": S, "lab": P}


def test_a_runs_verdict_needs_some_requirements_none_failed_and_every_host_judged() -> None:
    assert verdict([P, S]) is P
    assert verdict([]) is F
    assert verdict([P, E]) is F
    assert verdict([P], judged=False) is F


def test_summary_merges_the_same_way() -> None:
    outcomes = [Outcome("DNS-SRV-5", "lab", S, "t", "no forwarder side"), Outcome("NET-1", "k8s-node1", P, "t"),
                Outcome("NET-1", "k8s-node1", F, "t", "NET-1 k8s-node1: route")]
    reqs = {r["id"]: r for r in requirements(outcomes)}
    assert reqs["DNS-SRV-5"]["results"] == {"lab": S}
    assert reqs["NET-1"]["results"] == {"k8s-node1": F}
    assert reqs["NET-1"]["failures"] == [{"host": "k8s-node1", "message": "NET-1 k8s-node1: route", "evidence": []}]


def test_summary_counts_a_skip_only_requirement_as_skipped_not_passed() -> None:
    from airgaplab.lab.specfile import load_spec
    from airgaplab.paths import default_lab_file
    from airgaplab.report.summary import build

    outcomes = [Outcome("DNS-SRV-5", "lab", S, "t"), Outcome("NET-1", "k8s-node1", P, "t")]
    s = build(spec=load_spec(default_lab_file()), backend="netns", started="s", finished="f", outcomes=outcomes,
              timings={}, environment={}, history=[])
    assert s["counts"]["requirements_passed"] == 1 and s["counts"]["requirements_skipped"] == 1
    assert s["counts"]["requirements_failed"] == 0 and s["verdict"] == "PASS"
    assert json.loads(json.dumps(s))["requirements"][0]["results"] in ({"lab": "SKIP"}, {"k8s-node1": "PASS"})
