"""The one outcome merge the terminal table and the reports share (no lab, no root)."""

from __future__ import annotations

from airgaplab.report.summary import requirements
from airgaplab.suite.outcomes import cell, per_host, worst


def test_worst_orders_fail_error_skip_pass() -> None:
    assert worst([]) == ""
    assert worst(["PASS", "PASS"]) == "PASS"
    assert worst(["PASS", "SKIP"]) == "SKIP"
    assert worst(["SKIP", "ERROR"]) == "ERROR"
    assert worst(["ERROR", "FAIL", "PASS"]) == "FAIL"


def test_collapsed_nodes_cell_never_shows_a_skip_as_a_failure() -> None:
    assert cell(["PASS", "SKIP", "PASS"]) == "SKIP"
    assert cell(["PASS", "FAIL", "SKIP"]) == "FAIL 1/3"
    assert cell(["PASS"] * 5) == "PASS"
    assert cell([]) == ""


def test_per_host_keeps_the_worst_of_each_host() -> None:
    got = per_host([("k8s-node1", "PASS"), ("k8s-node1", "FAIL"), ("k8s-node2", "SKIP"), ("lab", "PASS")])
    assert got == {"k8s-node1": "FAIL", "k8s-node2": "SKIP", "lab": "PASS"}


def test_summary_merges_the_same_way() -> None:
    outcomes = [{"req": "DNS-SRV-5", "host": "lab", "outcome": "SKIP", "message": "no forwarder side"},
                {"req": "NET-1", "host": "k8s-node1", "outcome": "PASS", "message": ""},
                {"req": "NET-1", "host": "k8s-node1", "outcome": "FAIL", "message": "NET-1 k8s-node1: route"}]
    reqs = {r["id"]: r for r in requirements(outcomes)}
    assert reqs["DNS-SRV-5"]["results"] == {"lab": "SKIP"}
    assert reqs["NET-1"]["results"] == {"k8s-node1": "FAIL"}


def test_summary_counts_a_skip_only_requirement_as_skipped_not_passed() -> None:
    from airgaplab.lab.specfile import load_spec
    from airgaplab.paths import default_lab_file
    from airgaplab.report.summary import build

    outcomes = [{"req": "DNS-SRV-5", "host": "lab", "outcome": "SKIP", "message": ""},
                {"req": "NET-1", "host": "k8s-node1", "outcome": "PASS", "message": ""}]
    s = build(spec=load_spec(default_lab_file()), backend="netns", started="s", finished="f", outcomes=outcomes,
              timings={}, environment={}, history=[])
    assert s["counts"]["requirements_passed"] == 1 and s["counts"]["requirements_skipped"] == 1
    assert s["counts"]["requirements_failed"] == 0 and s["verdict"] == "PASS"
