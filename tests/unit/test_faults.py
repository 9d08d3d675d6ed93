"""Fault verbs on a real netns lab, and the resilience requirements: they pass on a healthy lab (which is
as healthy after them), and each resilience drill makes exactly its requirement fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airgaplab import drills, facts, faults, retry
from airgaplab.drills import DRILLS

from .conftest import ROOT, cli, needs_root

pytestmark = [pytest.mark.lab, needs_root()]
RESILIENCE_DRILLS = sorted(d.name for d in DRILLS.values() if any("-RES-" in r for r, _ in d.breaks))


def suite(name: str, tmp_path: Path, *args: str) -> tuple[list[dict], str]:
    results = tmp_path / f"results-{len(list(tmp_path.iterdir()))}.json"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/conformance",
                           "--lab", name, "--airgaplab-results", str(results), *args],
                          cwd=ROOT, capture_output=True, text=True, env=os.environ.copy(), timeout=900)
    return json.loads(results.read_text()), proc.stdout + proc.stderr


def synced(be) -> bool:
    admin = be.lab.host("admin").ip
    return all((s := facts.synced_source(be, n.name)) and s.name == admin for n in be.lab.nodes_list)


def test_fault_verbs_are_recorded_shown_and_cleared(netns_lab) -> None:
    be = netns_lab("flt")
    name = be.lab.name
    assert retry.until(lambda: synced(be), timeout=30)
    assert cli("fault", "internet-down", "--name", name).returncode == 0
    assert cli("fault", "stop", "k8s-node2", "chronyd", "--name", name).returncode == 0
    assert cli("fault", "loss", "k8s-node1", "100", "--name", name).returncode == 0
    shown = cli("status", "--name", name).stdout
    assert "internet-down admin" in shown and "stop k8s-node2 chronyd" in shown and "loss k8s-node1 100%" in shown
    # in effect: admin gets nothing back from the internet, node1 loses every packet, node2's chronyd is down
    assert be.exec("admin", ["dig", "+time=1", "+tries=1", "@8.8.8.8", "google.com"]).returncode != 0
    assert be.exec("k8s-node1", ["ping", "-c", "2", "-W", "1", "192.168.10.10"]).returncode != 0
    assert be.exec("k8s-node2", ["systemctl", "is-active", "--quiet", "chronyd"]).returncode != 0
    for bad in (["fault", "loss", "k8s-node1", "250"], ["fault", "stop", "admin", "httpd"], ["fault", "isolate", "x9"]):
        r = cli(*bad, "--name", name)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    cleared = cli("fault", "clear", "--name", name)
    assert cleared.returncode == 0 and "internet-down admin" in cleared.stdout
    assert faults.active(name) == [] and "faults in effect" not in cli("status", "--name", name).stdout
    assert be.exec("admin", ["dig", "+short", "+time=2", "@8.8.8.8", "google.com"]).stdout.strip()
    assert be.exec("k8s-node1", ["ping", "-c", "1", "-W", "2", "192.168.10.10"]).returncode == 0
    assert be.exec("k8s-node2", ["systemctl", "is-active", "--quiet", "chronyd"]).returncode == 0


def test_resilience_passes_and_the_default_suite_passes_right_after(netns_lab, tmp_path: Path) -> None:
    be = netns_lab("res")
    results, output = suite(be.lab.name, tmp_path, "-m", "resilience")
    ids = {o["req"] for o in results}
    assert ids == {r for r in ids if "-RES-" in r} and len(ids) == 6, ids
    assert all(o["outcome"] == "PASS" for o in results), output[-4000:]
    assert faults.active(be.lab.name) == []
    results, output = suite(be.lab.name, tmp_path)
    assert all(o["outcome"] == "PASS" for o in results) and "21/21 requirements pass" in output, output[-4000:]


@pytest.mark.parametrize("drill", RESILIENCE_DRILLS)
def test_resilience_drill_fails_its_requirement(drill: str, netns_lab, tmp_path: Path) -> None:
    be = netns_lab("rdr")
    d = DRILLS[drill]
    assert retry.until(lambda: synced(be), timeout=30)
    drills.apply(be, drill)
    wanted = sorted({r for r, _ in d.breaks if "-RES-" in r})
    results, output = suite(be.lab.name, tmp_path, "-m", "resilience", *[f"--req={r}" for r in wanted])
    failed = {(o["req"], o["host"]) for o in results if o["outcome"] != "PASS"}
    assert failed == d.expected(be.lab, resilience=True), output[-4000:]
    for o in results:
        if o["outcome"] == "FAIL":
            assert o["message"].startswith(o["req"]), o["message"]
    if drill == "ntp-no-local-stratum":
        (msg,) = {o["message"] for o in results if o["req"] == "NTP-RES-1"}
        assert "local stratum" in msg, msg
