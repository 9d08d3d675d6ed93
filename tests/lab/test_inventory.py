"""The suite on hosts it knows only by an inventory: a netns lab whose hosts each run OpenSSH's sshd, given to
`pytest --inventory` and `airgaplab report --inventory` with no lab record (an empty state dir) — a healthy network
passes, each drill fails naming its requirements, nothing on the hosts changes, and an operator's four mistakes
(a host unreachable, a key refused, no sudo, a host that is not what the inventory says) are one line each while
the rest of the suite runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from airgaplab.backends.lifecycle import throwaway
from airgaplab.backends.netns.backend import NetnsBackend
from airgaplab.exercise import drills
from airgaplab.exercise.drills import DRILLS
from airgaplab.inventory.network import connect
from airgaplab.inventory.targets import load
from tests.helpers import ROOT, footprint_via, sent_to_admin, unchanged
from tests.lab import sshd
from tests.lab.conftest import make_healthy, new_lab

# the simulated internet's names for what a real network's would be (an operator names theirs in the same vars)
SIMULATED = {"airgaplab_large_answer": "big.google.com", "airgaplab_unsigned_zone": "example.org"}
# what an inventory gives no vantage for: the checks of these are "not checked", never passed
NOT_CHECKED = {("DNS-SRV-3", "admin"): "an outsider", ("DNS-SRV-5", "lab"): "the forwarders' query log"}


class Network:
    """A lab the suite is not told of: its hosts behind sshd, and an inventory of them."""

    def __init__(self, be: NetnsBackend, tmp: Path) -> None:
        self.be, self.tmp = be, tmp
        self.key = tmp / "id"
        self.authorized = sshd.keypair(self.key)
        for h in be.spec.host_names:
            sshd.start_sshd(be, h, self.authorized, tmp)
        self.inventory = sshd.inventory(be, tmp, self.key)
        self.add_vars(self.inventory, SIMULATED)

    @staticmethod
    def add_vars(path: Path, more: dict[str, Any]) -> None:
        doc = yaml.safe_load(path.read_text())
        doc["all"]["vars"].update(more)
        path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def variant(self, name: str, **hosts: dict[str, Any]) -> Path:
        """This inventory with some hosts' variables changed (or a host added)."""
        doc = yaml.safe_load(self.inventory.read_text())
        for group in doc["all"]["children"].values():
            for host, v in hosts.items():
                if host in group["hosts"]:
                    group["hosts"][host].update(v)
        path = self.tmp / f"{name}.yml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    def footprint(self) -> dict[str, list[str]]:
        """tests.helpers.footprint, taken over ssh as the operator's hosts would be."""
        net = connect(load(str(self.inventory)))
        try:
            return footprint_via(lambda h, script: net.transport.exec(h, ["sh", "-c", script]).stdout.decode(
                errors="replace"), net.spec, net.family)
        finally:
            net.close()


def suite(inventory: Path, tmp: Path, *args: str,
          within: list[str] | None = None) -> tuple[list[dict[str, Any]], str, int]:
    """`pytest --inventory` in a process of its own (`within`: a command it runs under), with no lab record to find
    (an empty state dir)."""
    results = tmp / "results.json"
    results.unlink(missing_ok=True)
    proc = subprocess.run([*(within or []), sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                           "tests/conformance", "--inventory", str(inventory), "--sync-timeout", "15",
                           "--airgaplab-results", str(results), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "AIRGAPLAB_STATE": str(tmp / "no-labs")})
    return (json.loads(results.read_text()) if results.exists() else []), proc.stdout + proc.stderr, proc.returncode


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory, state_root: Path) -> Iterator[Network]:
    be = new_lab("inv")
    with throwaway(be):
        yield Network(be, tmp_path_factory.mktemp("inventory"))


@pytest.fixture
def healthy(network: Network) -> Network:
    make_healthy(network.be)
    return network


def not_checked(results: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(o["req"], o["host"]) for o in results if o["outcome"] == "SKIP" and "not checked: needs" in o["message"]}


def test_a_healthy_network_passes_and_keeps_no_trace(healthy: Network, tmp_path: Path) -> None:
    before = healthy.footprint()
    results, out, rc = suite(healthy.inventory, tmp_path)
    assert rc == 0 and results, out[-3000:]
    assert {o["outcome"] for o in results} == {"PASS", "SKIP"}, out[-3000:]
    assert {(o["req"], o["host"]) for o in results if o["outcome"] == "SKIP"} == set(NOT_CHECKED), out[-3000:]
    assert not_checked(results) == set(NOT_CHECKED)  # said so, never passed
    assert f"the hosts of {healthy.inventory}" in out
    after = healthy.footprint()
    unchanged(before, after, "`pytest --inventory`")


@pytest.mark.parametrize("drill", sorted(DRILLS))
def test_drill_fails_its_requirements_over_ssh(drill: str, healthy: Network, tmp_path: Path) -> None:
    d = DRILLS[drill]
    drills.apply(healthy.be, drill)
    before, sent = healthy.footprint(), sent_to_admin(healthy.be)
    results, out, _ = suite(healthy.inventory, tmp_path)
    after = healthy.footprint()
    # admin's client log, as in test_breaks: a drill that restarts admin's chronyd empties it, and a node's own
    # chronyd polling admin during the run comes back into it; and the suite's NTP probes of admin come from the
    # first node here (no grader of its own), which a healthy network has in the log anyway
    polled = {ip for ip, n in sent_to_admin(healthy.be).items() if n > sent.get(ip, 0)}
    first = healthy.be.spec.nodes_list[0].ip
    after["chronyc clients"] = sorted(set(after["chronyc clients"])
                                      - ((polled | {first}) - set(before["chronyc clients"])))
    unchanged(before, after, f"`pytest --inventory` under drill {drill}")
    failed = {(o["req"], o["host"]) for o in results if o["outcome"] in ("FAIL", "ERROR")}
    expected = d.expected(healthy.be.spec)
    unseen = expected - failed
    assert failed <= expected and unseen <= not_checked(results) & set(NOT_CHECKED), out[-3000:]
    # a drill that shows only under faults (a daemon restarted, the link cut) is for `--resilience`, which an
    # inventory's read-only run does not do: it must pass unharmed here
    assert failed or (not expected and d.expected(healthy.be.spec, resilience=True)), \
        f"drill {drill} went unnoticed over ssh: " + out[-3000:]
    for o in results:
        if o["outcome"] == "FAIL":
            assert o["message"].startswith(o["req"]), o["message"]


def test_an_operators_mistakes_are_one_line_each_and_the_rest_is_judged(healthy: Network, tmp_path: Path) -> None:
    network, be = healthy, healthy.be
    node1, node2 = (h.name for h in be.spec.nodes_list)
    be.transport.run(node2, ["sh", "-c", "id ops >/dev/null 2>&1 || useradd -M -p '*' ops"])
    other = tmp_path / "other"
    sshd.keypair(other)
    cases = {  # host → (its variables in the inventory, what its line says)
        "unreachable": ({node2: {"ansible_port": 2222}}, f"{node2} (root@{be.spec.host(node2).ip}:2222): unreachable"),
        "key refused": ({node2: {"ansible_ssh_private_key_file": str(other)}}, f"{node2} (root@"),
        "no sudo": ({node2: {"ansible_user": "ops", "ansible_become": True}}, f"{node2} (ops@"),
    }
    words = {"unreachable": "check its ansible_host and ansible_port", "key refused": "the key was refused",
             "no sudo": "no sudo for ops"}
    for case, (hosts, start) in cases.items():
        results, out, rc = suite(network.variant(case.replace(" ", "-"), **hosts), tmp_path, "-m", "ntp")
        line = next((x for x in out.splitlines() if x.startswith("not judged: ")), "")
        assert line.startswith(f"not judged: {start}") and words[case] in line, f"{case}: " + out[-2000:]
        assert rc == 1
        judged = {o["host"]: o["outcome"] for o in results if o["host"] == node1}
        assert judged and set(judged.values()) == {"PASS"}, f"{case}: {out[-2000:]}"  # the others are judged
        assert all(o["outcome"] == "FAIL" and "not judged: " in o["message"] for o in results if o["host"] == node2)
    # a node put in group admin: not the NTP/DNS server the inventory says
    doc = yaml.safe_load(network.inventory.read_text())
    kids = doc["all"]["children"]
    admin_vars = kids["admin"]["hosts"].pop("admin")
    kids["admin"]["hosts"][node1] = kids["nodes"]["hosts"].pop(node1)
    kids["nodes"]["hosts"]["mgmt"] = admin_vars
    swapped = tmp_path / "swapped.yml"
    swapped.write_text(yaml.safe_dump(doc, sort_keys=False))
    _, out, rc = suite(swapped, tmp_path, "-m", "ntp")
    assert f"not judged: {node1} (root@{be.spec.host(node1).ip}): no named here — not the NTP/DNS server the " \
        "inventory says" in out and rc == 1, out[-2000:]


def test_a_report_from_an_inventory_names_it_and_every_hosts_verdict(healthy: Network, tmp_path: Path) -> None:
    inv = healthy.variant("one-down", **{healthy.be.spec.nodes_list[1].name: {"ansible_port": 2222}})
    proc = subprocess.run([sys.executable, "-m", "airgaplab", "report", "--inventory", str(inv)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "AIRGAPLAB_STATE": str(tmp_path / "no-labs"),
                               "AIRGAPLAB_REPORTS": str(tmp_path / "reports"), "COLUMNS": "200"})
    assert proc.returncode == 1 and "not judged: k8s-node2" in proc.stdout, proc.stdout + proc.stderr
    run = next(p for p in (tmp_path / "reports" / "one-down").iterdir() if p.is_dir())
    s = json.loads((run / "summary.json").read_text())
    assert s["inventory"] == str(inv) and s["backend"] == "inventory" and s["verdict"] == "FAIL"
    assert {h["name"]: h["verdict"] for h in s["hosts"]} == {"admin": "PASS", "k8s-node1": "PASS",
                                                               "k8s-node2": "NOT JUDGED"}
    page = (run / "summary.html").read_text()
    assert f"the hosts of {inv}" in page and "unreachable" in page
    junit = (run / "junit.xml").read_text()
    assert "not judged: k8s-node2" in junit and "testcase" in junit
    assert f'name="airgaplab.inventory" value="{inv}"' in junit
    assert 'name="airgaplab.host.k8s-node2" value="NOT JUDGED k8s-node2 (root@' in junit
    assert 'name="airgaplab.host.admin" value="PASS' in junit


def test_the_machine_running_the_suite_outside_the_network_is_its_outsider(healthy: Network, tmp_path: Path) -> None:
    """An inventory's `outsider` (here `ansible_connection=local`: the suite's own process, run in the lab's
    outsider namespace, on the internet side of admin) gives the vantage the wire checks of the ACLs need."""
    doc = yaml.safe_load(healthy.inventory.read_text())
    doc["all"]["children"]["outsider"] = {"hosts": {"outside": {"ansible_connection": "local"}}}
    inv = tmp_path / "with-outsider.yml"
    inv.write_text(yaml.safe_dump(doc, sort_keys=False))
    within = ["nsenter", f"--net=/run/netns/agl.{healthy.be.spec.name}.outsider"]
    results, out, rc = suite(inv, tmp_path, within=within)
    assert rc == 0 and not_checked(results) == {("DNS-SRV-5", "lab")}, out[-3000:]
    drills.apply(healthy.be, "dns-answers-strangers")
    results, out, rc = suite(inv, tmp_path, "--req", "DNS-SRV-3", within=within)
    wire = [o for o in results if "test_outsider_on_the_wire" in o["nodeid"]]
    assert rc == 1 and wire and wire[0]["outcome"] == "FAIL", out[-3000:]
    assert "the outsider asked admin" in wire[0]["message"], wire[0]["message"]
