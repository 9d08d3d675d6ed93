"""Fault verbs on a real netns lab, and each resilience drill making exactly its requirement fail.

That the resilience family passes on a healthy lab, and the default suite right after it on the same
lab, is `make test`'s last step (`pytest --lab-up --resilience`: resilience runs first)."""

from __future__ import annotations

from pathlib import Path

import pytest

from airgaplab.exercise import drills, faults
from airgaplab.exercise.drills import DRILLS
from tests.helpers import cli, suite

RESILIENCE_DRILLS = sorted(d.name for d in DRILLS.values() if any("-RES-" in r for r, _ in d.breaks))


def test_fault_verbs_are_recorded_shown_and_cleared(lab) -> None:
    name, tx = lab.spec.name, lab.transport
    assert cli("fault", "internet-down", "--name", name).returncode == 0
    assert cli("fault", "stop", "k8s-node2", "chronyd", "--name", name).returncode == 0
    assert cli("fault", "loss", "k8s-node1", "100", "--name", name).returncode == 0
    shown = cli("status", "--name", name).stdout
    assert "internet-down admin" in shown and "stop k8s-node2 chronyd" in shown and "loss k8s-node1 100%" in shown
    # in effect: admin gets nothing back from the internet, node1 loses every packet, node2's chronyd is down
    assert tx.exec("admin", ["dig", "+time=1", "+tries=1", "@8.8.8.8", "google.com"]).returncode != 0
    assert tx.exec("k8s-node1", ["ping", "-c", "2", "-W", "1", "192.168.10.10"]).returncode != 0
    assert tx.exec("k8s-node2", ["systemctl", "is-active", "--quiet", "chronyd"]).returncode != 0
    for bad in (["fault", "loss", "k8s-node1", "250"], ["fault", "stop", "admin", "httpd"], ["fault", "isolate", "x9"],
                ["fault", "internet-dwon"]):
        r = cli(*bad, "--name", name)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    cleared = cli("fault", "clear", "--name", name)
    assert cleared.returncode == 0 and "internet-down admin" in cleared.stdout
    assert faults.active(lab.state) == [] and "faults in effect" not in cli("status", "--name", name).stdout
    assert tx.exec("admin", ["dig", "+short", "+time=2", "@8.8.8.8", "google.com"]).stdout.strip()
    assert tx.exec("k8s-node1", ["ping", "-c", "1", "-W", "2", "192.168.10.10"]).returncode == 0
    assert tx.exec("k8s-node2", ["systemctl", "is-active", "--quiet", "chronyd"]).returncode == 0


@pytest.mark.parametrize("drill", RESILIENCE_DRILLS)
def test_resilience_drill_fails_its_requirement(drill: str, lab, tmp_path: Path) -> None:
    d = DRILLS[drill]
    drills.apply(lab, drill)
    wanted = sorted({r for r, _ in d.breaks if "-RES-" in r})
    results, output = suite(lab.spec.name, tmp_path / "results.json", "-m", "resilience",
                            *[f"--req={r}" for r in wanted])
    failed = {(o["req"], o["host"]) for o in results if o["outcome"] != "PASS"}
    assert failed == d.expected(lab.spec, resilience=True), output[-4000:]
    for o in results:
        if o["outcome"] == "FAIL":
            assert o["message"].startswith(o["req"]), o["message"]
    if drill == "time-gone-when-cut-off":
        (msg,) = {o["message"] for o in results if o["req"] == "NTP-RES-1"}
        assert "local stratum" in msg, msg


def test_after_fault_clear_admin_follows_its_upstream_again_at_once(lab) -> None:
    """internet-down, admin's chronyd restarted while cut off (it comes up on its local stratum and backs off),
    clear: admin asks its upstreams at once instead of minutes later, and the NTP steps pass right after."""
    from airgaplab.probes import facts

    name = lab.spec.name
    for verb in (["internet-down"], ["restart", "admin", "chronyd"]):
        assert cli("fault", *verb, "--name", name).returncode == 0
    cleared = cli("fault", "clear", "--name", name)
    assert cleared.returncode == 0 and "follows one again" in cleared.stdout, cleared.stdout + cleared.stderr
    assert facts.on_upstream(lab.transport, "admin"), facts.describe_sources(lab.transport, "admin")
    checked = cli("check", "1", "--name", name, timeout=300)
    assert checked.returncode == 0, checked.stdout[-2000:]
